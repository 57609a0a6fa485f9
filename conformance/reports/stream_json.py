"""JSON written as it is made: a document whose big arrays (`LazyArray`) are written item by item.

`write_json(handle, document)` writes exactly what `json.dumps(document, indent=2,
ensure_ascii=False)` would give if every `LazyArray` were a list — byte for byte — but holds only
the document's skeleton and one item at a time: the skeleton is encoded with a unique marker
string in place of each lazy array, and each marker is replaced, as the text is written, by the
array's items encoded one by one at the marker's indentation. So a results document with a
million findings costs the memory of one finding.

`dumps_indented` is the encoder of each part: the same text as `json.dumps(value, indent=indent,
ensure_ascii=False)`, but made by one recursive function whose strings are escaped by the C encoder, instead
of the standard library's chain of Python generators (which the C encoder replaces only without `indent`):
a million findings are a million small documents, and that chain was most of the time spent writing them.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Callable
from typing import Any, TextIO

from conformance.results import LazyArray

_string: Callable[[str], str] = json.encoder.encode_basestring  # the C function where there is one
json_string = _string  # a string as JSON, as `json.dumps(..., ensure_ascii=False)` writes it
_INFINITY = float("inf")


class _Unusual(Exception):
    """A value `dumps_indented` leaves to `json.dumps` (non-string keys, NaN, other types, lazy arrays)."""


def dumps_indented(value: Any, indent: int = 2, depth: int = 0) -> str:
    """`json.dumps(value, indent=indent, ensure_ascii=False)`, byte for byte, with every line after the first
    indented `depth` more spaces (as if it started `depth` spaces in)."""
    try:
        return _encoded(value, depth, indent)
    except _Unusual:
        return _shifted(json.dumps(value, indent=indent, ensure_ascii=False), depth)


def _encoded(value: Any, depth: int, indent: int) -> str:
    """`value` encoded by `_encode` as if it started `depth` spaces in; `_Unusual` for what it leaves to json."""
    out: list[str] = []
    _encode(value, out, "\n" + " " * depth, " " * indent)
    return "".join(out)


def _shifted(text: str, depth: int) -> str:
    """`text` with every line after the first indented `depth` more spaces."""
    return text.replace("\n", "\n" + " " * depth) if depth else text


def _encode(value: Any, out: list[str], newline: str, step: str) -> None:
    kind = type(value)
    if kind is str:
        out.append(_string(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif kind is int:
        out.append(int.__repr__(value))
    elif kind is dict:
        if not value:
            out.append("{}")
            return
        inner = newline + step
        separator = "{" + inner
        for key, item in value.items():
            if type(key) is not str:
                raise _Unusual
            out.append(separator)
            out.append(_string(key))
            out.append(": ")
            _encode(item, out, inner, step)
            separator = "," + inner
        out.append(newline + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner = newline + step
        separator = "[" + inner
        for item in value:
            out.append(separator)
            _encode(item, out, inner, step)
            separator = "," + inner
        out.append(newline + "]")
    elif kind is float and value == value and value not in (_INFINITY, -_INFINITY):
        out.append(float.__repr__(value))
    else:  # a subclass (an enum, a JSON number kept as text), NaN, a lazy array, a type JSON does not have
        raise _Unusual


def write_json(handle: TextIO, document: Any, indent: int = 2) -> None:
    """`json.dumps(document, indent=indent, ensure_ascii=False)` into `handle`, lazy arrays streamed."""
    _write(handle, document, 0, indent, uuid.uuid4().hex)


def _write(handle: TextIO, value: Any, depth: int, indent: int, nonce: str) -> None:
    """`value` encoded as if it started `depth` spaces in (its later lines indented by that much)."""
    arrays: list[LazyArray] = []

    def skeleton(item: Any) -> Any:
        if isinstance(item, LazyArray):
            arrays.append(item)
            return f"\u0000{nonce}:{len(arrays) - 1}"
        if isinstance(item, dict):
            return {k: skeleton(v) for k, v in item.items()}
        if isinstance(item, list | tuple):
            return [skeleton(v) for v in item]
        return item

    try:  # most parts (a finding) hold no lazy array: encoded as they are, at their depth
        handle.write(_encoded(value, depth, indent))
        return
    except _Unusual:
        pass
    text = _shifted(json.dumps(skeleton(value), indent=indent, ensure_ascii=False), depth)
    if not arrays:
        handle.write(text)
        return
    marker = re.compile(r'"\\u0000' + nonce + r':(\d+)"')
    done = 0
    for match in marker.finditer(text):
        handle.write(text[done:match.start()])
        line_start = text.rfind("\n", 0, match.start()) + 1
        line = text[line_start:match.start()]
        at = len(line) - len(line.lstrip(" ")) if line_start else depth + len(line) - len(line.lstrip(" "))
        _array(handle, arrays[int(match.group(1))], at, indent, nonce)
        done = match.end()
    handle.write(text[done:])


def _array(handle: TextIO, items: LazyArray, depth: int, indent: int, nonce: str) -> None:
    inner = "\n" + " " * (depth + indent)
    first = True
    for item in items:
        handle.write("[" + inner if first else "," + inner)
        _write(handle, item, depth + indent, indent, nonce)
        first = False
    handle.write("[]" if first else "\n" + " " * depth + "]")


def dumps(document: Any, indent: int = 2) -> str:
    """`write_json` into a string (for small documents and tests)."""
    out = io.StringIO()
    write_json(out, document, indent)
    return out.getvalue()
