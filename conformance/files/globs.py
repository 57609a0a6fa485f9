"""Glob patterns against paths inside an export (posix separators), as profiles write them.

`*` and `?` stay inside one path segment, `[abc]` is a character class, and `**` spans any number
of segments, zero included: `**/Patient*.ndjson` matches `Patient.ndjson` and `a/b/Patient.ndjson`.
A pattern matches the whole path from the export's root, case-sensitively; there is no implicit
"any depth" for a pattern without `/` (write `**/` for that).
"""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=1024)
def compile_glob(pattern: str) -> re.Pattern[str]:
    """The regular expression equivalent to `pattern` (anchored at both ends)."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            end = pattern.find("]", i + 2)
            if end == -1:
                out.append(re.escape(c))
                i += 1
                continue
            body = pattern[i + 1:end]
            negate = body.startswith("!")
            body = body[1:] if negate else body
            out.append("[" + ("^/" if negate else "") + body.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def glob_match(pattern: str, path: str) -> bool:
    """Whether the posix `path` (relative to the export's root) matches the glob `pattern`."""
    return compile_glob(pattern).match(path) is not None
