"""Text from files and targets, made safe to print on a terminal or a CI log.

A file name, a value or a server's message may hold control characters: a newline followed by
`::error ...` is read by GitHub Actions as a workflow command, and an escape sequence can rewrite
what a terminal shows. Console renderers print such text through `escape()`, which shows every
control character as a visible escape (`\\n`, `\\x1b`, `\\u2028`) and then escapes rich markup.
"""

from __future__ import annotations

import re
from typing import TextIO

from rich.console import Console
from rich.markup import escape as _markup_escape

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """`text` with every control character (C0, DEL, C1, line/paragraph separators) shown escaped."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(lambda m: _NAMED.get(m.group(), f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256
                                              else f"\\u{ord(m.group()):04x}"), text)


def escape(text: str) -> str:
    """For rich console output: control characters shown escaped, markup escaped."""
    return _markup_escape(printable(text))


def plain_console(file: TextIO | None = None, *, stderr: bool = False) -> Console:
    """The console the tool prints text with: no highlighting, long lines left whole (a CI log wraps them),
    and no emoji codes: with Rich's default, a location `file.json:100:7` prints as `file.json💯7`."""
    return Console(file=file, stderr=stderr, highlight=False, soft_wrap=True, emoji=False)

