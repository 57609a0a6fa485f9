"""Package version ordering and the range syntax found in `package.json` dependencies.

FHIR packages use npm-style versions. Dependencies are almost always exact ("4.0.1"), sometimes
npm ranges ("^1.2.0", "1.x", ">=1.0 <2"), and sometimes the FHIR tags "current", "dev" or
"latest". The rule we apply everywhere: an exact version must match exactly; a range or a tag is
satisfied by the *highest* version that matches it (tags match every version). Pre-releases
("1.0.0-ballot") sort before their release and match a range only when written exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

TAGS = frozenset({"current", "dev", "latest", "*", "x", ""})

_NUM = re.compile(r"^(\d+)(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")
_COMPARATOR = re.compile(r"^(>=|<=|>|<|=|\^|~)?\s*(.+)$")


def sort_key(version: str) -> tuple:
    """Order versions numerically; a pre-release sorts just before its release; junk sorts first."""
    match = _NUM.match(version.strip().lstrip("v"))
    if not match:
        return ((-1,), version)
    parts = tuple(int(p) if p and p.isdigit() else 0 for p in match.group(1, 2, 3))
    pre = match.group(4)
    if pre is None:
        return (parts, (1,))
    ids = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return (parts, (0, ids))


def is_exact(spec: str) -> bool:
    """True for a plain version such as "4.0.1" or "1.0.0-ballot" (no wildcard, range or tag)."""
    match = _NUM.match(spec.strip())
    return match is not None and all(p is not None and p.isdigit() for p in match.group(1, 2, 3))


def highest(versions: Iterable[str]) -> str | None:
    found = sorted(versions, key=sort_key)
    return found[-1] if found else None


def best_match(spec: str, versions: Iterable[str]) -> str | None:
    """The version `spec` selects among `versions` (see the module docstring), or None."""
    candidates = list(versions)
    spec = spec.strip()
    if spec in candidates:
        return spec
    if is_exact(spec):
        return None
    return highest(v for v in candidates if matches(spec, v))


def matches(spec: str, version: str) -> bool:
    """Whether `version` satisfies the npm-style range or FHIR tag `spec`."""
    spec = spec.strip()
    if spec.lower() in TAGS:
        return True
    if spec == version:
        return True
    return any(_all_hold(alternative.split(), version) for alternative in spec.split("||"))


def _all_hold(comparators: list[str], version: str) -> bool:
    if not comparators:
        return True
    key = sort_key(version)
    if key[0] == (-1,):
        return False
    is_pre = key[1] != (1,)
    for comparator in comparators:
        match = _COMPARATOR.match(comparator)
        if not match or not _holds(match.group(1) or "=", match.group(2), key):
            return False
    return not is_pre  # pre-releases only match when named exactly (handled by the caller)


def _holds(op: str, operand: str, key: tuple) -> bool:
    match = _NUM.match(operand)
    if not match:
        return False
    raw = match.group(1, 2, 3)
    fixed = [int(p) for p in _leading_numbers(raw)]
    low = tuple(fixed + [0] * (3 - len(fixed)))
    if op in ("=", "") and len(fixed) < 3:  # "1.x", "1.2" -> the block of versions they name
        return tuple(key[0][: len(fixed)]) == tuple(fixed)
    if op == "^":
        return key[0] >= low and _caret_upper(fixed, key[0])
    if op == "~":
        span = max(len(fixed), 2) - 1 if len(fixed) > 1 else 1
        return key[0] >= low and tuple(key[0][:span]) == tuple(fixed[:span])
    parts = key[0]
    return {
        "=": parts == low,
        ">=": parts >= low,
        ">": parts > low,
        "<=": parts <= low,
        "<": parts < low,
    }[op]


def _leading_numbers(raw: tuple[str | None, ...]) -> list[str]:
    out: list[str] = []
    for part in raw:
        if part is None or not part.isdigit():
            break
        out.append(part)
    return out


def _caret_upper(fixed: list[int], parts: tuple[int, ...]) -> bool:
    """npm's caret: keep the left-most non-zero component fixed."""
    for i, value in enumerate(fixed):
        if value != 0 or i == len(fixed) - 1:
            return tuple(parts[: i + 1]) == tuple(fixed[: i + 1])
    return True
