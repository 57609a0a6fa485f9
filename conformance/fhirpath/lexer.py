"""FHIRPath text → tokens, each with its offset so that errors can point at a column.

One compiled regular expression does the scanning (fast, and it states the lexical grammar in
one place). Date/time literals follow the FHIRPath 2.0 grammar exactly, so `@2015-02-04T14:34`
is one token and `@T14:34:28Z` is a time followed by a stray `Z` (which the parser rejects).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from conformance.fhirpath.errors import FhirPathSyntaxError

_DATE = r"\d{4}(?:-\d{2}(?:-\d{2})?)?"
_TIME = r"\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_TZ = r"(?:Z|[+\-]\d{2}:\d{2})"

_TOKEN = re.compile(
    rf"""
    (?P<ws>\s+)
  | (?P<lcomment>//[^\n]*)
  | (?P<bcomment>/\*.*?\*/)
  | (?P<badcomment>/\*)
  | (?P<datetime>@{_DATE}T(?:{_TIME}{_TZ}?)?)
  | (?P<time>@T{_TIME})
  | (?P<date>@{_DATE})
  | (?P<number>\d+(?:\.\d+)?L?)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<delimited>`(?:[^`\\]|\\.)*`)
  | (?P<dqstring>"(?:[^"\\]|\\.)*")
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<special>\$[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><=|>=|!=|!~|[.\[\](){{}},+\-*/&|<>=~%])
    """,
    re.VERBOSE | re.DOTALL,
)

_ESCAPES = {"'": "'", '"': '"', "`": "`", "r": "\r", "n": "\n", "t": "\t", "f": "\f", "\\": "\\", "/": "/"}
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)


@dataclass(slots=True)
class Token:
    kind: str  # number, string, dqstring, ident, delimited, special, op, date, datetime, time, eof
    text: str  # for string/delimited: the unescaped content
    offset: int

    @property
    def column(self) -> int:
        return self.offset + 1


def unescape(body: str, offset: int) -> str:
    """Resolve FHIRPath string escapes (`\\'`, `\\n`, `\\u0065`, ...)."""

    def repl(m: re.Match[str]) -> str:
        s = m.group(1)
        if s[0] == "u" and len(s) == 5:
            return chr(int(s[1:], 16))
        if s in _ESCAPES:
            return _ESCAPES[s]
        raise FhirPathSyntaxError(f"unknown escape sequence '\\{s}'", offset + m.start() + 1)

    return _ESCAPE.sub(repl, body) if "\\" in body else body


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    n = len(text)
    match = _TOKEN.match
    while pos < n:
        m = match(text, pos)
        if m is None:
            what = {"'": "unterminated string", '"': "unterminated string", "`": "unterminated delimited name"}.get(
                text[pos])
            raise FhirPathSyntaxError(what or f"unexpected character {text[pos]!r}", pos + 1)
        kind = m.lastgroup or ""
        raw = m.group()
        if kind == "badcomment":
            raise FhirPathSyntaxError("unterminated comment", pos + 1)
        if kind not in ("ws", "lcomment", "bcomment"):
            if kind in ("string", "delimited", "dqstring"):
                raw = unescape(raw[1:-1], pos + 1)
            tokens.append(Token(kind, raw, pos))
        pos = m.end()
    tokens.append(Token("eof", "", n))
    return tokens
