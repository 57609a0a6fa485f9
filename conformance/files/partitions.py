"""The units of parallel work: a whole file, or a byte range of a large NDJSON file on disk.

A range `[start, end)` owns the lines that *start* inside it, so neighbouring ranges never share
or lose a line whatever the byte boundaries cut through. A worker does not know how many lines
come before its range: it numbers lines from 1, and the merge (which takes partitions in order)
shifts them by the lines of the earlier partitions of the same file. Compressed files and archive
members cannot be entered in the middle, so they are one partition each.
"""

from __future__ import annotations

import codecs
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from conformance.fhir.read import HEAD_BYTES, NDJSON_EXTENSIONS
from conformance.files.sources import ExportFile

DEFAULT_PARTITION_BYTES = 4 << 20
# with several workers, large files are cut so that each worker gets at least this many partitions: the run
# ends when the last partition does, and with 4 MB partitions of a 30 MB export one worker sat idle for most of
# a partition while the other finished its last one
PARTITIONS_PER_WORKER = 8
MIN_PARTITION_BYTES = 256 << 10  # below this, the per-partition cost (a job, a result, a merge) outweighs balance
_SKIP_CHUNK = 1 << 20
_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True, slots=True)
class Partition:
    seq: int  # results are merged in this order
    file: int  # index of the file in the run's list of resource files
    start: int = 0
    end: int | None = None  # None: the whole file, read from its start
    size: int = 0  # bytes, for progress

    @property
    def is_slice(self) -> bool:
        return self.end is not None


def plan_partitions(files: Sequence[ExportFile], partition_bytes: int = DEFAULT_PARTITION_BYTES,
                    workers: int = 1) -> list[Partition]:
    """Partitions of every file, in file order then byte order, each slice at most `partition_bytes`; with
    several workers, smaller (see `PARTITIONS_PER_WORKER`). The result never depends on the partitions."""
    partition_bytes = balanced_partition_bytes(sum(f.size for f in files), partition_bytes, workers)
    out: list[Partition] = []
    for index, f in enumerate(files):
        if f.size > partition_bytes and _sliceable(f):
            for start in range(0, f.size, partition_bytes):
                end = min(start + partition_bytes, f.size)
                out.append(Partition(len(out), index, start, end, end - start))
        else:
            out.append(Partition(len(out), index, 0, None, f.size))
    return out


def balanced_partition_bytes(total: int, partition_bytes: int, workers: int) -> int:
    """The slice size that gives each of `workers` at least `PARTITIONS_PER_WORKER` partitions of `total`
    bytes, within [`MIN_PARTITION_BYTES`, `partition_bytes`] (a smaller `partition_bytes` is kept)."""
    if workers <= 1:
        return partition_bytes
    floor = min(partition_bytes, MIN_PARTITION_BYTES)
    return max(floor, min(partition_bytes, total // (workers * PARTITIONS_PER_WORKER)))


def _sliceable(f: ExportFile) -> bool:
    """A plain NDJSON file on disk in a byte-oriented encoding (UTF-16/32 lines cannot be cut at b'\\n')."""
    if f.location.member is not None or f.location.gzip:
        return False
    if os.path.splitext(f.inner)[1].lower() not in NDJSON_EXTENSIONS:
        return False
    try:
        with open(f.location.path, "rb") as stream:
            head = stream.read(min(HEAD_BYTES, 4096))
    except OSError:
        return False
    if head.startswith(codecs.BOM_UTF8):
        return True
    return not (head.startswith(_WIDE_BOMS) or (len(head) >= 2 and 0 in (head[0], head[1])))


class LineRange(io.RawIOBase):
    """The lines of a binary file that start in `[start, end)`, read with `readline` only."""

    def __init__(self, raw: BinaryIO, start: int, end: int) -> None:
        self._raw = raw
        self._end = end
        self._at_line_start = True
        raw.seek(max(start - 1, 0))
        if start > 0 and raw.read(1) != b"\n":  # the line in progress belongs to the previous range
            while True:
                skipped = raw.readline(_SKIP_CHUNK)
                if not skipped or skipped.endswith(b"\n"):
                    break

    def readable(self) -> bool:
        return True

    def readline(self, size: int | None = -1) -> bytes:
        if self._at_line_start and self._raw.tell() >= self._end:
            return b""
        line = self._raw.readline(-1 if size is None else size)
        self._at_line_start = not line or line.endswith(b"\n")
        return line
