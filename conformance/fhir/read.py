"""One entry point for a file on disk: recognise its format, read it, never raise.

Format rules, kept deliberately simple:
- the content decides between XML (first character `<`) and JSON (`{`), whatever the extension;
- the extension decides between JSON and NDJSON: only `.ndjson` and `.jsonl` files are read
  line by line. A `.json` file holding one resource per line is therefore read as one JSON
  document and gets `json.trailing-content` at line 2 (rename it to `.ndjson`);
- a `.json`/`.ndjson`/`.jsonl` file that starts like some other JSON value (`[`, `"`, a number)
  is still read as JSON, so its problem is reported precisely rather than as an unknown format;
- anything else (a PNG, a CSV, a gzip archive) is `file.unknown-format`.
"""

from __future__ import annotations

import codecs
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from conformance.fhir.document import Format, ParseResult
from conformance.fhir.encodings import sniff_xml_encoding
from conformance.fhir.json_reader import read_json
from conformance.fhir.ndjson import iter_ndjson
from conformance.issues import make_issue

MiB = 1 << 20
DEFAULT_MAX_BYTES = 512 * MiB
HEAD_BYTES = 64 * 1024

JSON_EXTENSIONS = frozenset({".json"})
NDJSON_EXTENSIONS = frozenset({".ndjson", ".jsonl"})
XML_EXTENSIONS = frozenset({".xml"})
FHIR_EXTENSIONS = JSON_EXTENSIONS | NDJSON_EXTENSIONS | XML_EXTENSIONS

_JSON_VALUE_START = frozenset('{["-0123456789tfn')
_WHITESPACE = " \t\r\n"


def extension(filename: str) -> str:
    """The lower-cased last suffix of a file name (`.json`), or ''."""
    return Path(filename).suffix.lower()


def first_char(data_head: bytes) -> str:
    """The first non-white-space character of a document's head ('' if none), whatever its Unicode encoding."""
    codec = _text_codec(data_head)
    decoder = codecs.getincrementaldecoder(codec)(errors="replace")
    text = decoder.decode(data_head[:4096]).lstrip("\ufeff").lstrip(_WHITESPACE)
    return text[:1]


def _text_codec(head: bytes) -> str:
    """The codec to read a document's first characters with: BOMs, then the zero bytes that ASCII
    characters have in UTF-16/32, else an ASCII-compatible reading."""
    codec = sniff_xml_encoding(head)
    if codec is not None:
        return codec
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if len(head) >= 4 and head[:3] == b"\x00\x00\x00":
        return "utf-32-be"
    if len(head) >= 4 and head[1:4] == b"\x00\x00\x00":
        return "utf-32-le"
    if len(head) >= 2 and head[0] == 0:
        return "utf-16-be"
    if len(head) >= 2 and head[1] == 0:
        return "utf-16-le"
    return "latin-1"


def sniff(data_head: bytes, filename: str) -> Format | None:
    """Which reader a document needs, from its first bytes and its name; None when it is not FHIR."""
    ext = extension(filename)
    first = first_char(data_head)
    if first == "<":
        return "xml"
    json_family = ext in JSON_EXTENSIONS or ext in NDJSON_EXTENSIONS
    if first == "{" or (json_family and first in _JSON_VALUE_START):
        return "ndjson" if ext in NDJSON_EXTENSIONS else "json"
    return None


def describe_unknown(data_head: bytes) -> str:
    """A short, human reason why a head of bytes is not FHIR."""
    if data_head.startswith(b"\x1f\x8b"):
        return "it is gzip-compressed; decompress it first"
    if data_head.startswith(b"PK\x03\x04"):
        return "it is a ZIP archive; extract it first"
    if data_head.startswith(b"%PDF"):
        return "it is a PDF document"
    sample = data_head[:512]
    if b"\x00" in sample or sum(b < 9 or 13 < b < 32 for b in sample) > len(sample) // 10:
        return "it looks like binary data"
    lines = sample.decode("utf-8", errors="replace").lstrip(_WHITESPACE).splitlines()
    return f"it starts with {lines[0][:30]!r}" if lines else "it does not start with '{' or '<'"


def read_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[ParseResult]:
    """Read one file: one result for JSON or XML, one per line for NDJSON.

    Never raises for bad input; an unreadable, empty, unrecognised or over-large file is one
    result with no root and a fatal issue. For NDJSON the limit applies to each line.
    """
    guess = _format_from_name(str(path))
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # checked before opening: a FIFO would block
            yield _fail("file.unreadable", guess, reason="not a regular file", line=0, column=0)
            return
        with open(path, "rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            yield from _read_open(stream, str(path), size, max_bytes, guess)
    except OSError as exc:
        yield _fail("file.unreadable", guess, reason=exc.strerror or str(exc), line=0, column=0)


def _read_open(stream: BinaryIO, name: str, size: int, max_bytes: int, guess: Format) -> Iterator[ParseResult]:
    head = stream.read(HEAD_BYTES)
    while head and not first_char(head):  # white space so far: look further, keeping only the last chunk
        more = stream.read(HEAD_BYTES)
        if not more:
            break
        head = more
    if not first_char(head):
        yield _fail("file.empty", guess)
        return
    fmt = sniff(head, name)
    if fmt is None:
        yield _fail("file.unknown-format", guess, reason=describe_unknown(head))
        return
    stream.seek(0)
    if fmt == "ndjson":
        if _wide_encoding(head):  # UTF-16/32: one clear issue, not one per line
            yield _as_ndjson(read_json(head))
            return
        for _, result in iter_ndjson(stream, max_line_bytes=max_bytes):
            yield result
        return
    if size > max_bytes:
        yield _fail("file.too-large", fmt, size=size, limit=max_bytes, line=0, column=0)
        return
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:  # the file grew, or its size was not what stat said
        yield _fail("file.too-large", fmt, size=len(data), limit=max_bytes, line=0, column=0)
        return
    if fmt == "xml":
        from conformance.fhir.xml_reader import read_xml  # here: lxml only for a file that is XML

        yield read_xml(data)
    else:
        yield read_json(data)


def _wide_encoding(head: bytes) -> bool:
    """UTF-16 or UTF-32 (by BOM or zero bytes), which NDJSON lines cannot be split in."""
    return _text_codec(head) not in ("latin-1", "utf-8-sig")


def _as_ndjson(result: ParseResult) -> ParseResult:
    result.format = "ndjson"
    return result


def _format_from_name(name: str) -> Format:
    ext = extension(name)
    if ext in XML_EXTENSIONS:
        return "xml"
    return "ndjson" if ext in NDJSON_EXTENSIONS else "json"


def _fail(code: str, fmt: Format, *, line: int = 1, column: int = 1, **params: Any) -> ParseResult:
    return ParseResult(None, [make_issue(code, line=line, column=column, **params)], fmt)
