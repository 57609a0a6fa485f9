"""One run at a time per report folder: a second run into the same `--report-dir` is refused.

Two runs writing `results.json`, `junit.xml`, ... into one folder would leave a mix of both that
no one could tell from a real report. `claim(folder)` takes an exclusive, non-blocking lock on
`<folder>/.conformance-run.lock` before the run starts (so a refused run sends no request); the
operating system drops it if the process dies, so a crashed run never blocks the next one. It is
released (and the file removed) once the reports are written.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks; runs are not kept apart there
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".conformance-run.lock"


class FolderBusy(Exception):
    """Another live process is writing reports into this folder."""


class Claim:
    def __init__(self, path: Path, fd: int | None) -> None:
        self.path = path
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        with contextlib.suppress(OSError):
            os.close(self._fd)
        self._fd = None


def claim(folder: Path) -> Claim:
    """Hold `folder` for this process's reports; FolderBusy (naming the holder) when another has it."""
    path = folder / LOCK_NAME
    if fcntl is None:
        return Claim(path, None)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        holder = os.read(fd, 64).decode("ascii", errors="replace").strip()
        os.close(fd)
        who = f"process {holder}" if holder.isdigit() else "another process"
        raise FolderBusy(f"another conformance run ({who}) is writing reports into {folder}; wait for it to "
                         "finish or give this run another --report-dir") from None
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode("ascii"))
    return Claim(path, fd)
