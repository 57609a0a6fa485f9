"""NDJSON (bulk export) → one ParseResult per line, streamed.

A bulk export can be far larger than memory, so the stream is read one line at a time and
every line is parsed on its own, with its positions already shifted to the file's line
numbers. A bad line (truncated, malformed) is a fatal issue for that line only; the other
lines are still read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from conformance.fhir.document import ParseResult
from conformance.fhir.json_reader import read_json
from conformance.issues import make_issue

_SKIP_CHUNK = 1 << 20

def iter_ndjson(stream: BinaryIO, *, max_line_bytes: int | None = None) -> Iterator[tuple[int, ParseResult]]:
    """Yield (line number, result) for each line of `stream`, 1-based.

    An empty or white-space-only line yields a result with no root and an
    `ndjson.empty-line` warning (the final newline of the file does not make an empty line).
    A line longer than `max_line_bytes` is skipped unread with `ndjson.line-too-large`.
    """
    lineno = 0
    while True:
        limit = -1 if max_line_bytes is None else max_line_bytes + 1
        raw = stream.readline(limit)
        if not raw:
            return
        lineno += 1
        if max_line_bytes is not None and len(raw) > max_line_bytes:
            size = _line_size(stream, raw)
            issue = make_issue("ndjson.line-too-large", size=size, limit=max_line_bytes, line=lineno, column=1)
            yield lineno, ParseResult(None, [issue], "ndjson")
            continue
        if not raw.strip():
            issue = make_issue("ndjson.empty-line", line=lineno, column=1)
            yield lineno, ParseResult(None, [issue], "ndjson")
            continue
        # without its line break: an error at the end of a truncated line stays on that line
        result = read_json(raw.rstrip(b"\r\n"), line_offset=lineno - 1)
        result.format = "ndjson"
        yield lineno, result


def _line_size(stream: BinaryIO, start: bytes) -> int:
    """Read past the rest of an over-long line without keeping it; returns its size without the line break."""
    size, last = len(start), start
    while not last.endswith(b"\n"):
        last = stream.readline(_SKIP_CHUNK)
        if not last:
            return size
        size += len(last)
    return size - (2 if last.endswith(b"\r\n") else 1)
