"""Check characters of national identifiers that are not codes: what their last character must be.

`iso7064_mod37_2` is the check character of EPS's short-form prescription ID (`XXXXXX-XXXXXX-XXXXXC`):
ISO/IEC 7064 MOD 37-2 over the 17 characters before it (hyphens ignored), its check set 0-9, A-Z and
`+` (for 36). Both the file rule `check-character` and the reference server's EPS behaviour use it.
"""

from __future__ import annotations

MOD37_CHARACTERS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ+"


def iso7064_mod37_2(body: str) -> str | None:
    """The ISO/IEC 7064 MOD 37-2 check character of `body`'s alphanumerics; None when it holds anything else."""
    total = 0
    for ch in body.replace("-", "").upper():
        if ch not in MOD37_CHARACTERS[:36]:
            return None
        total = ((total + MOD37_CHARACTERS.index(ch)) * 2) % 37
    return MOD37_CHARACTERS[(38 - total) % 37]
