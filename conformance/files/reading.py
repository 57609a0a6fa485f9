"""Read one partition of an export: (line, ParseResult) for each resource, never raising for bad input.

The same rules as `conformance.fhir.read` (content decides JSON or XML, the name decides NDJSON),
applied to any stream: a file on disk, a gzip file, a zip member, a slice of an NDJSON file.
NDJSON is read one line at a time, so memory does not grow with the file. A problem with the
whole file (unreadable, refused, empty, not FHIR) is one result with no root and a fatal issue
at line 0. A compressed file (gzip, a zip member) is first decompressed once through the archive
guards with its output thrown away, so a bomb is refused before a line of it is parsed (a gzip of
a billion blank lines must not cost a finding per line before the ratio check fires).
"""

from __future__ import annotations

import codecs
import os
import stat
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, BinaryIO

from conformance.fhir.document import ParseResult
from conformance.fhir.json_reader import read_json
from conformance.fhir.ndjson import iter_ndjson
from conformance.fhir.read import DEFAULT_MAX_BYTES, HEAD_BYTES, describe_unknown, first_char, sniff
from conformance.fhir.xml_reader import read_xml
from conformance.files.archives import (
    ArchiveCorrupt,
    ArchiveLimits,
    ArchiveRefused,
    guarded_gzip,
    guarded_member,
)
from conformance.files.partitions import LineRange, Partition
from conformance.files.sources import ExportFile
from conformance.issues import make_issue

Opener = Callable[[], AbstractContextManager[BinaryIO]]


def read_partition(f: ExportFile, part: Partition, limits: ArchiveLimits,
                   max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[tuple[int, ParseResult]]:
    """Each resource of the partition with its line (local to the partition for a slice)."""
    try:
        if part.end is not None:
            with open(f.location.path, "rb") as raw:
                yield from iter_ndjson(LineRange(raw, part.start, part.end), max_line_bytes=max_bytes)  # type: ignore[arg-type]
            return
        opener = _opener(f, limits)
        if f.location.gzip or f.location.member is not None:
            _prescan(opener)
        with opener() as stream:
            head = _head(stream)
        if head is None:
            yield 0, _fail("file.empty")
            return
        fmt = sniff(head, f.inner)
        if fmt is None:
            yield 0, _fail("file.unknown-format", reason=describe_unknown(head))
            return
        with opener() as stream:
            if fmt == "ndjson":
                if _wide(head):  # UTF-16/32: one clear issue, not one per line
                    yield 1, _as_ndjson(read_json(head))
                    return
                yield from iter_ndjson(stream, max_line_bytes=max_bytes)
                return
            data = stream.read(max_bytes + 1)
        if len(data) > max_bytes:
            yield 0, _fail("file.too-large", size=len(data), limit=max_bytes)
            return
        yield 1, read_xml(data) if fmt == "xml" else read_json(data)
    except ArchiveRefused as exc:
        yield 0, _fail("export.archive-refused", reason=str(exc))
    except ArchiveCorrupt as exc:
        yield 0, _fail("file.unreadable", reason=str(exc))
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        yield 0, _fail("file.unreadable", reason=reason)


def _opener(f: ExportFile, limits: ArchiveLimits) -> Opener:
    location, shown = f.location, f.display

    @contextmanager
    def disk() -> Iterator[BinaryIO]:
        if not stat.S_ISREG(os.stat(location.path).st_mode):  # a FIFO would block
            raise OSError(0, "not a regular file")
        with open(location.path, "rb") as raw:
            if location.gzip:
                with guarded_gzip(raw, limits, shown) as stream:
                    yield stream  # type: ignore[misc]
            else:
                yield raw

    @contextmanager
    def member() -> Iterator[BinaryIO]:
        with zipfile.ZipFile(location.path) as archive:
            info = archive.getinfo(location.member or "")
            with guarded_member(archive, info, limits, shown) as stream:
                if location.gzip:
                    with guarded_gzip(stream, limits, shown) as inner:  # type: ignore[arg-type]
                        yield inner  # type: ignore[misc]
                else:
                    yield stream  # type: ignore[misc]

    return member if location.member is not None else disk


def _prescan(opener: Opener) -> None:
    """Decompress the whole stream through its guards, keeping nothing: ArchiveRefused for a bomb."""
    with opener() as stream:
        while stream.read(_PRESCAN_CHUNK):
            pass


_PRESCAN_CHUNK = 1024 * 1024


def _head(stream: BinaryIO) -> bytes | None:
    """The first bytes that show what the document is (past any leading white space); None: empty."""
    head = stream.read(HEAD_BYTES)
    while head and not first_char(head):
        more = stream.read(HEAD_BYTES)
        if not more:
            break
        head = more
    return head if first_char(head) else None


def _wide(head: bytes) -> bool:
    if head.startswith(codecs.BOM_UTF8):
        return False
    boms = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    return head.startswith(boms) or (len(head) >= 2 and 0 in (head[0], head[1]))


def _as_ndjson(result: ParseResult) -> ParseResult:
    result.format = "ndjson"
    return result


def _fail(code: str, **params: Any) -> ParseResult:
    return ParseResult(None, [make_issue(code, line=0, column=0, **params)])
