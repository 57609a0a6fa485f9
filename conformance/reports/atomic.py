"""Atomic file writes: a temporary file in the target's folder, then `os.replace`.

A reader (a CI job, an assessor, a second run) never sees half a report, and a run interrupted
while writing leaves the previous file or the new one, never a mixture.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TextIO


def default_mode() -> int:
    """0666 less the process umask (0644 by default), as a plain `open()` would create the file.

    `mkstemp` creates 0600 files: a report that a CI runner under another user cannot read.
    """
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic(path: Path, data: str | bytes) -> Path:
    """Write `data` to `path` (folders created as needed, mode per the umask); OSError when it cannot."""
    return write_atomic_binary(path, lambda handle: handle.write(data.encode("utf-8") if isinstance(data, str) else data))


def write_atomic_text(path: Path, write: Callable[[TextIO], object]) -> Path:
    """`write_atomic` for text made piece by piece: `write(handle)` writes into the temporary file."""
    with _replacing(path) as fd, os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        write(handle)
        handle.flush()
        os.fsync(handle.fileno())
    return path


def write_atomic_binary(path: Path, write: Callable[[BinaryIO], object]) -> Path:
    """`write_atomic` for bytes made piece by piece (a zip written member by member)."""
    with _replacing(path) as fd, os.fdopen(fd, "wb") as handle:
        write(handle)
        handle.flush()
        os.fsync(handle.fileno())
    return path


@contextmanager
def _replacing(path: Path) -> Iterator[int]:
    """A temporary file's descriptor beside `path` (mode per the umask), moved onto `path` when the block ends
    normally and removed when it does not."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, default_mode())
        yield fd
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
