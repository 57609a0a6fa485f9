"""The syntax of UCUM unit codes (`http://unitsofmeasure.org`), without its table of units.

R4 names UCUM as the system of Quantity codes (datatypes.html#Quantity: "the UCUM code", R4
terminologies-systems.html) and UCUM defines its codes by a grammar (UCUM §2.1 "Character Set and Lexical
Rules", §2.2 "Syntax Rules", and its BNF):

    mainTerm  ::= "/" term | term
    term      ::= term "." component | term "/" component | component
    component ::= annotatable annotation | annotatable | annotation | factor | "(" term ")"
    annotation ::= "{" ANNOTATION-STRING "}"

UCUM §2.1 ■1: expressions are built from 7-bit US-ASCII characters only; ■2/■3: unit symbols are printable
characters (33-126), so no white space, and `"` never appears. A code breaking this is not a UCUM code
(`mg / dL`, `µg`, `°C`, `mg//dL`, `(kg`); one that parses is only well-formed: whether every atom is
defined needs UCUM's table, which `conformance.fhirpath.ucum` holds only in part, so nothing is concluded
from an atom we do not know. The content of an annotation is not checked beyond its braces.
"""

from __future__ import annotations

import re

UCUM = "http://unitsofmeasure.org"

_PLAIN = "".join(re.escape(chr(c)) for c in range(33, 127) if chr(c) not in '"()./=[]{}')
_BRACKETED = "".join(re.escape(chr(c)) for c in range(33, 127) if chr(c) not in "[]{}")
_SIMPLE = re.compile(rf"(?:[{_PLAIN}]|\[[{_BRACKETED}]*\])+")  # a symbol with its exponent: `mm[Hg]`, `10*-3`
_ANNOTATION = re.compile(r"\{[^{}]*\}")
# parentheses nest no deeper than this (UCUM's own units nest two or three): a hostile code is refused,
# not parsed into a RecursionError
MAX_NESTING = 32


def _term(text: str, pos: int, depth: int = 0) -> int:
    """The end of the term starting at `pos`; ValueError when none starts there."""
    while True:
        pos = _component(text, pos, depth)
        if pos < len(text) and text[pos] in "./":
            pos += 1
            continue
        return pos


def _component(text: str, pos: int, depth: int) -> int:
    if text.startswith("(", pos):
        if depth >= MAX_NESTING:
            raise ValueError(f"parentheses nest more than {MAX_NESTING} deep")
        end = _term(text, pos + 1, depth + 1)
        if not text.startswith(")", end):
            raise ValueError("a '(' is not closed")
        note = _ANNOTATION.match(text, end + 1)  # `g/(8.h){shift}`: R4's ucum-common writes these
        return note.end() if note else end + 1
    simple = _SIMPLE.match(text, pos)
    end = simple.end() if simple else pos
    note = _ANNOTATION.match(text, end)
    end = note.end() if note else end
    if end == pos:
        raise ValueError("a unit is missing" if pos == len(text) or text[pos] in "./)" else
                         f"'{text[pos]}' cannot appear there")
    return end


def ucum_problem(code: str) -> str | None:
    """Why `code` is not a UCUM unit expression (UCUM §2.1-2.2), or None when it is well-formed."""
    if not code.isascii():
        return "UCUM codes use US-ASCII characters only (e.g. ug, not µg; Cel, not °C)"
    if any(ch.isspace() for ch in _ANNOTATION.sub("", code)):
        return "a UCUM code has no spaces (e.g. mg/dL)"
    try:
        end = _term(code, 1 if code.startswith("/") else 0)
    except ValueError as error:
        return str(error)
    return None if end == len(code) else f"'{code[end]}' cannot appear there"
