"""Progress of a check, on stderr: a live bar on a terminal, a line every few seconds elsewhere.

- `bar`: files done, resources read, resources per second and the time left (from bytes read);
- `plain`: `conformance check: 3/12 files, 120,000 resources (4,100/s), 41% read, about 0:01:12 left`
  at most every `interval` seconds, so a short run prints nothing and a long one keeps a CI log alive;
- `none`: nothing.
`auto` is a bar when stderr is a terminal and the CI variable is not set, plain lines otherwise.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import Protocol, TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

MODES = ("auto", "bar", "plain", "none")


class CheckProgress(Protocol):
    def start(self, files: int, total_bytes: int) -> None: ...

    def advance(self, *, files: int = 0, resources: int = 0, size: int = 0) -> None: ...

    def finish(self) -> None: ...


class NoProgress:
    def start(self, files: int, total_bytes: int) -> None:
        pass

    def advance(self, *, files: int = 0, resources: int = 0, size: int = 0) -> None:
        pass

    def finish(self) -> None:
        pass


class _Counts:
    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.files = self.total_files = self.resources = self.done = self.total = 0
        self.started = clock()

    def rate(self) -> float:
        elapsed = self.clock() - self.started
        return self.resources / elapsed if elapsed > 0 else 0.0

    def left(self) -> str:
        elapsed = self.clock() - self.started
        if not self.done or not self.total or elapsed <= 0:
            return "unknown"
        seconds = int(elapsed * (self.total - self.done) / self.done)
        return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class PlainProgress:
    """A line at most every `interval` seconds (nothing for a run shorter than that)."""

    def __init__(self, stream: TextIO | None = None, interval: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream or sys.stderr
        self.interval = interval
        self.counts = _Counts(clock)
        self._last = clock()

    def start(self, files: int, total_bytes: int) -> None:
        self.counts = _Counts(self.counts.clock)
        self.counts.total_files, self.counts.total = files, total_bytes
        self._last = self.counts.started

    def advance(self, *, files: int = 0, resources: int = 0, size: int = 0) -> None:
        c = self.counts
        c.files += files
        c.resources += resources
        c.done += size
        now = c.clock()
        if now - self._last >= self.interval:
            self._last = now
            share = f"{c.done / c.total:.0%} read, " if c.total else ""
            self.stream.write(f"conformance check: {c.files}/{c.total_files} files, {c.resources:,} resources "
                              f"({c.rate():,.0f}/s), {share}about {c.left()} left\n")
            self.stream.flush()

    def finish(self) -> None:
        pass


class BarProgress:
    """A rich progress bar: files, resources, resources/s and the time left."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.bar = Progress(
            TextColumn("[bold]checking[/]"), BarColumn(), TextColumn("{task.fields[files]}"),
            TextColumn("{task.fields[resources]} resources"), TextColumn("{task.fields[rate]}/s"),
            TimeRemainingColumn(), console=self.console, transient=True)
        self.counts = _Counts(time.monotonic)
        self.task = self.bar.add_task("check", total=None, files="", resources="0", rate="0")

    def start(self, files: int, total_bytes: int) -> None:
        self.counts = _Counts(time.monotonic)
        self.counts.total_files = files
        self.bar.update(self.task, total=max(total_bytes, 1), files=f"0/{files} files")
        self.bar.start()

    def advance(self, *, files: int = 0, resources: int = 0, size: int = 0) -> None:
        c = self.counts
        c.files += files
        c.resources += resources
        self.bar.update(self.task, advance=size, files=f"{c.files}/{c.total_files} files",
                        resources=f"{c.resources:,}", rate=f"{c.rate():,.0f}")

    def finish(self) -> None:
        self.bar.stop()


def choose_progress(mode: str = "auto", stream: TextIO | None = None,
                    environ: Mapping[str, str] | None = None) -> CheckProgress:
    env = os.environ if environ is None else environ
    out = stream or sys.stderr
    if mode == "auto":
        mode = "bar" if out.isatty() and not env.get("CI") else "plain"
    if mode == "bar":
        return BarProgress(Console(file=out))
    if mode == "plain":
        return PlainProgress(out)
    return NoProgress()
