"""String functions: indexOf, lastIndexOf, substring, startsWith, endsWith, contains, upper,
lower, replace, matches, matchesFull, replaceMatches, length, toChars, trim, split, join,
encode, decode, escape, unescape.

Regular expressions run in single-line mode (`.` matches new lines), as FHIRPath requires, and
are compiled once per pattern text.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
from functools import lru_cache
from typing import Any

from conformance.fhir.tree import Node
from conformance.fhirpath.context import Env
from conformance.fhirpath.errors import FhirPathError
from conformance.fhirpath.functions.registry import function
from conformance.fhirpath.logic import EMPTY, FALSE, TRUE
from conformance.fhirpath.values import NO_VALUE, system_value


def _text(items: list[Any], env: Env, name: str) -> str | None:
    """The single String input of a string function (None when empty)."""
    if not items:
        return None
    if len(items) > 1:
        raise FhirPathError(f"{name}() expects a single string, got {len(items)} items")
    item = items[0]
    v = system_value(item, env) if type(item) is Node else item
    if v is NO_VALUE:
        return None
    if type(v) is not str:
        what = env.type_name(item) if type(item) is Node else type(v).__name__
        raise FhirPathError(f"{name}() expects a string, got {what or 'an element'}")
    return v


def _arg(arg: list[Any], env: Env, name: str) -> str | None:
    return _text(arg, env, name)


def _int_arg(arg: list[Any], env: Env, name: str) -> int | None:
    if not arg:
        return None
    if len(arg) > 1:
        raise FhirPathError(f"{name}() expects a single integer argument")
    v = system_value(arg[0], env)
    if type(v) is not int:
        raise FhirPathError(f"{name}() expects an integer argument, got {v!r}")
    return v


@lru_cache(maxsize=1024)
def regex(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.DOTALL)
    except re.error as exc:
        raise FhirPathError(f"invalid regular expression {pattern!r}: {exc}") from None


@function("indexOf", 1)
def index_of(items: list[Any], env: Env, sub: list[Any]) -> list[Any]:
    s, t = _text(items, env, "indexOf"), _arg(sub, env, "indexOf")
    return EMPTY if s is None or t is None else [s.find(t)]


@function("lastIndexOf", 1)
def last_index_of(items: list[Any], env: Env, sub: list[Any]) -> list[Any]:
    s, t = _text(items, env, "lastIndexOf"), _arg(sub, env, "lastIndexOf")
    return EMPTY if s is None or t is None else [s.rfind(t)]


@function("substring", 1, 2)
def substring(items: list[Any], env: Env, start: list[Any], *length: list[Any]) -> list[Any]:
    s = _text(items, env, "substring")
    i = _int_arg(start, env, "substring")
    if s is None or i is None or i < 0 or i >= len(s):
        return EMPTY
    if length:
        n = _int_arg(length[0], env, "substring")
        if n is None:
            return [s[i:]]
        return [s[i:i + max(n, 0)]]
    return [s[i:]]


@function("startsWith", 1)
def starts_with(items: list[Any], env: Env, prefix: list[Any]) -> list[Any]:
    s, p = _text(items, env, "startsWith"), _arg(prefix, env, "startsWith")
    return EMPTY if s is None or p is None else TRUE if s.startswith(p) else FALSE


@function("endsWith", 1)
def ends_with(items: list[Any], env: Env, suffix: list[Any]) -> list[Any]:
    s, p = _text(items, env, "endsWith"), _arg(suffix, env, "endsWith")
    return EMPTY if s is None or p is None else TRUE if s.endswith(p) else FALSE


@function("contains", 1)
def contains(items: list[Any], env: Env, sub: list[Any]) -> list[Any]:
    s, p = _text(items, env, "contains"), _arg(sub, env, "contains")
    return EMPTY if s is None or p is None else TRUE if p in s else FALSE


@function("upper")
def upper(items: list[Any], env: Env) -> list[Any]:
    s = _text(items, env, "upper")
    return EMPTY if s is None else [s.upper()]


@function("lower")
def lower(items: list[Any], env: Env) -> list[Any]:
    s = _text(items, env, "lower")
    return EMPTY if s is None else [s.lower()]


@function("replace", 2)
def replace(items: list[Any], env: Env, pattern: list[Any], substitution: list[Any]) -> list[Any]:
    s = _text(items, env, "replace")
    p, r = _arg(pattern, env, "replace"), _arg(substitution, env, "replace")
    return EMPTY if s is None or p is None or r is None else [s.replace(p, r)]


@function("matches", 1)
def matches(items: list[Any], env: Env, pattern: list[Any]) -> list[Any]:
    s, p = _text(items, env, "matches"), _arg(pattern, env, "matches")
    return EMPTY if s is None or p is None else TRUE if regex(p).search(s) else FALSE


@function("matchesFull", 1)
def matches_full(items: list[Any], env: Env, pattern: list[Any]) -> list[Any]:
    s, p = _text(items, env, "matchesFull"), _arg(pattern, env, "matchesFull")
    return EMPTY if s is None or p is None else TRUE if regex(p).fullmatch(s) else FALSE


_JAVA_GROUP = re.compile(r"\$(\d+)")


@function("replaceMatches", 2)
def replace_matches(items: list[Any], env: Env, pattern: list[Any], substitution: list[Any]) -> list[Any]:
    s = _text(items, env, "replaceMatches")
    p, r = _arg(pattern, env, "replaceMatches"), _arg(substitution, env, "replaceMatches")
    if s is None or p is None or r is None:
        return EMPTY
    if p == "":
        return [s]
    template = _JAVA_GROUP.sub(r"\\g<\1>", r.replace("\\", "\\\\"))
    try:
        return [regex(p).sub(template, s)]
    except (re.error, IndexError) as exc:
        raise FhirPathError(f"replaceMatches(): {exc}") from None


@function("length")
def length(items: list[Any], env: Env) -> list[Any]:
    s = _text(items, env, "length")
    return EMPTY if s is None else [len(s)]


@function("toChars")
def to_chars(items: list[Any], env: Env) -> list[Any]:
    s = _text(items, env, "toChars")
    return EMPTY if s is None else list(s)


@function("trim")
def trim(items: list[Any], env: Env) -> list[Any]:
    s = _text(items, env, "trim")
    return EMPTY if s is None else [s.strip()]


@function("split", 1)
def split(items: list[Any], env: Env, separator: list[Any]) -> list[Any]:
    s, sep = _text(items, env, "split"), _arg(separator, env, "split")
    if s is None or sep is None:
        return EMPTY
    return list(s) if sep == "" else s.split(sep)


@function("join", 0, 1)
def join(items: list[Any], env: Env, *separator: list[Any]) -> list[Any]:
    sep = _arg(separator[0], env, "join") if separator else ""
    parts: list[str] = []
    for item in items:
        v = system_value(item, env) if type(item) is Node else item
        if type(v) is not str:
            raise FhirPathError("join() expects strings")
        parts.append(v)
    return [(sep or "").join(parts)]


@function("encode", 1)
def encode(items: list[Any], env: Env, fmt: list[Any]) -> list[Any]:
    s, f = _text(items, env, "encode"), _arg(fmt, env, "encode")
    if s is None or f is None:
        return EMPTY
    data = s.encode("utf-8")
    if f == "base64":
        return [base64.b64encode(data).decode("ascii")]
    if f == "urlbase64":
        return [base64.urlsafe_b64encode(data).decode("ascii")]
    if f == "hex":
        return [data.hex()]
    raise FhirPathError(f"encode(): unknown encoding {f!r}")


@function("decode", 1)
def decode(items: list[Any], env: Env, fmt: list[Any]) -> list[Any]:
    s, f = _text(items, env, "decode"), _arg(fmt, env, "decode")
    if s is None or f is None:
        return EMPTY
    try:
        if f == "base64":
            data = base64.b64decode(s, validate=True)
        elif f == "urlbase64":
            data = base64.urlsafe_b64decode(s)
        elif f == "hex":
            data = bytes.fromhex(s)
        else:
            raise FhirPathError(f"decode(): unknown encoding {f!r}")
        return [data.decode("utf-8")]
    except (binascii.Error, ValueError):
        return EMPTY


@function("escape", 1)
def escape(items: list[Any], env: Env, target: list[Any]) -> list[Any]:
    s, t = _text(items, env, "escape"), _arg(target, env, "escape")
    if s is None or t is None:
        return EMPTY
    if t == "html":
        return [html.escape(s, quote=True).replace("&#x27;", "&#39;")]
    if t == "json":
        return [json.dumps(s, ensure_ascii=False)[1:-1]]
    raise FhirPathError(f"escape(): unknown target {t!r}")


@function("unescape", 1)
def unescape(items: list[Any], env: Env, target: list[Any]) -> list[Any]:
    s, t = _text(items, env, "unescape"), _arg(target, env, "unescape")
    if s is None or t is None:
        return EMPTY
    if t == "html":
        return [html.unescape(s)]
    if t == "json":
        return [_JSON_ESCAPE.sub(_json_unescape, s)]
    raise FhirPathError(f"unescape(): unknown target {t!r}")


_JSON_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)
_JSON_SIMPLE = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _json_unescape(m: re.Match[str]) -> str:
    code = m.group(1)
    if code[0] == "u" and len(code) == 5:
        return chr(int(code[1:], 16))
    return _JSON_SIMPLE.get(code, code)
