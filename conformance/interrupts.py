"""SIGINT and SIGTERM stop a run the same way: promptly, with every requested report written.

Ctrl-C raises `KeyboardInterrupt`; CI's cancel sends SIGTERM, whose default action kills the
process before any report is written. `handle_termination()` turns SIGTERM into `Terminated`,
a `KeyboardInterrupt`, so the one code path that already stops a run between steps or partitions
(marking it incomplete) serves both. `received()` says which signal it was, for the exit code
(130 for SIGINT, 143 for SIGTERM) and the reports. Worker processes ignore SIGINT
(`ignore_in_worker`): the parent decides, terminates and reaps them.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

_received: list[str] = []


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: stop as for Ctrl-C, write the reports, exit 143."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    _received.append("SIGTERM")
    raise Terminated()


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    _received.append("SIGINT")
    raise KeyboardInterrupt()


def handle_termination() -> None:
    """Install the handlers (main thread only; elsewhere, e.g. under a test runner's thread, do nothing)."""
    if threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signal.SIGTERM, _on_sigterm)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _on_sigint)


def received() -> str:
    """The first stopping signal this process received ("SIGINT" when none was recorded)."""
    return _received[0] if _received else "SIGINT"


def exit_code(name: str | None = None) -> int:
    """130 for SIGINT, 143 for SIGTERM (128 + the signal number, as shells report it)."""
    return 143 if (name or received()) == "SIGTERM" else 130


def ignore_in_worker() -> None:
    """A worker process's initializer: Ctrl-C reaches the whole process group, but only the parent acts."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
