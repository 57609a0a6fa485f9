"""Reading `.zip` and `.gz` inputs safely: nothing is extracted to disk, and hostile archives are refused.

A zip is inspected before anything in it is read. It is refused (`ArchiveRefused`, reported as
`export.archive-refused` for that archive; the run goes on) when:
- a member's name escapes the archive: an absolute path (`/x`, `\\x`, `C:x`), a `..` segment, a NUL;
- a member is a symbolic link or is encrypted;
- it has more members than `max_members`, or declares more uncompressed bytes than `max_total_bytes`;
- a member (or the whole archive) expands more than `max_ratio` times — the signature of a zip bomb —
  once past `ratio_floor` bytes (small, very repetitive files are harmless);
- its members' compressed sizes add up to more than the archive itself (overlapping members, the
  trick of non-recursive zip bombs).
Declared sizes cannot be trusted, so every stream read from an archive is also metered as it is
decompressed (`GuardedStream`): more output than allowed, or a running ratio over the limit, stops
the reading with the same refusal. A `.gz` has no trustworthy header size at all and is only metered.
"""

from __future__ import annotations

import gzip
import io
import re
import stat
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

MiB = 1 << 20
GiB = 1 << 30
_CHUNK = MiB  # the most a guarded stream decompresses between two checks
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    max_members: int = 100_000
    max_total_bytes: int = 256 * GiB  # uncompressed, per archive
    max_ratio: float = 200.0  # uncompressed / compressed; deflate's best is about 1,030
    ratio_floor: int = 4 * MiB  # the ratio is only judged beyond this many uncompressed bytes


class ArchiveRefused(Exception):
    """An archive (or one of its streams) that is unsafe to read; the message says why, for people."""


class ArchiveCorrupt(Exception):
    """Compressed data that cannot be decompressed (truncated, a bad CRC); the message says why."""


def unsafe_member_name(name: str) -> str | None:
    """Why a member name could escape the archive, or None when it is safe."""
    if "\x00" in name:
        return "contains a NUL character"
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        return "is an absolute path"
    if ".." in re.split(r"[/\\]", name):
        return "has a '..' segment (path traversal)"
    return None


def inspect_zip(archive: zipfile.ZipFile, archive_size: int, limits: ArchiveLimits) -> list[zipfile.ZipInfo]:
    """The archive's file members (folders left out), or ArchiveRefused naming the first problem."""
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise ArchiveRefused(f"it has {len(infos)} members, over the limit of {limits.max_members}")
    total = compressed = 0
    files: list[zipfile.ZipInfo] = []
    for info in infos:
        why = unsafe_member_name(info.filename)
        if why is not None:
            raise ArchiveRefused(f"member {info.filename!r} {why}")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ArchiveRefused(f"member {info.filename!r} is a symbolic link")
        if info.flag_bits & 0x1:
            raise ArchiveRefused(f"member {info.filename!r} is encrypted")
        if info.is_dir():
            continue
        total += info.file_size
        compressed += info.compress_size
        _check_ratio(info.file_size, info.compress_size, limits, f"member {info.filename!r}")
        files.append(info)
    if total > limits.max_total_bytes:
        raise ArchiveRefused(f"its members expand to {total} bytes, over the limit of {limits.max_total_bytes}")
    if compressed > archive_size:
        raise ArchiveRefused("its members overlap (their compressed sizes add up to more than the archive)")
    _check_ratio(total, archive_size, limits, "the archive")
    return files


def _check_ratio(expanded: int, packed: int, limits: ArchiveLimits, what: str, *, streaming: bool = False) -> None:
    if expanded > limits.ratio_floor and expanded > limits.max_ratio * max(packed, 1):
        limit = f"{limits.max_ratio:,.0f}"
        told = (f"more than {limit} times its compressed size (the limit)" if streaming
                else f"{expanded / max(packed, 1):,.0f} times its compressed size (the limit is {limit})")
        raise ArchiveRefused(f"{what} expands {told}: a zip bomb?")


class GuardedStream(io.RawIOBase):
    """A decompressing stream metered as it is read: output size and running ratio are checked
    at least every `_CHUNK` bytes, so a bomb is stopped after at most one chunk past the limits."""

    def __init__(self, inner: BinaryIO, packed_so_far: Callable[[], int], limits: ArchiveLimits,
                 max_bytes: int, what: str) -> None:
        self._inner = inner
        self._packed = packed_so_far
        self._limits = limits
        self._max = max_bytes
        self._what = what
        self.produced = 0

    def readable(self) -> bool:
        return True

    def _count(self, data: bytes) -> bytes:
        self.produced += len(data)
        if self.produced > self._max:
            raise ArchiveRefused(f"{self._what} expands to more than {self._max} bytes")
        _check_ratio(self.produced, self._packed(), self._limits, self._what, streaming=True)
        return data

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            parts = []
            while chunk := self.read(_CHUNK):
                parts.append(chunk)
            return b"".join(parts)
        try:
            return self._count(self._inner.read(min(size, _CHUNK)))
        except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
            raise ArchiveCorrupt(f"{self._what} is corrupt: {exc}") from None

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        """One line, decompressed a chunk at a time so that no line outgrows the checks."""
        limit = -1 if size is None else size
        parts: list[bytes] = []
        got = 0
        while limit < 0 or got < limit:
            want = _CHUNK if limit < 0 else min(_CHUNK, limit - got)
            try:
                part = self._count(self._inner.readline(want))
            except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
                raise ArchiveCorrupt(f"{self._what} is corrupt: {exc}") from None
            if not part:
                break
            parts.append(part)
            got += len(part)
            if part.endswith(b"\n"):
                break
        return b"".join(parts)

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            super().close()


class _CountingReader(io.RawIOBase):
    """Counts the compressed bytes a decompressor pulls from its source (for the running ratio)."""

    def __init__(self, inner: BinaryIO) -> None:
        self._inner = inner
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        buffer[:len(data)] = data
        self.consumed += len(data)
        return len(data)

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            super().close()


def guarded_gzip(source: BinaryIO, limits: ArchiveLimits, what: str) -> GuardedStream:
    """Decompress a gzip stream (whose header size is not trusted), metered all the way."""
    counter = _CountingReader(source)
    inner = gzip.GzipFile(fileobj=io.BufferedReader(counter, buffer_size=64 * 1024), mode="rb")
    return GuardedStream(inner, lambda: counter.consumed, limits, limits.max_total_bytes, what)  # type: ignore[arg-type]


def guarded_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ArchiveLimits, what: str) -> GuardedStream:
    """A zip member's bytes; zipfile stops at the declared size and checks the CRC, and we meter too."""
    inner: Any = archive.open(info)
    return GuardedStream(inner, lambda: info.compress_size, limits, min(info.file_size, limits.max_total_bytes), what)

