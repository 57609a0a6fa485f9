"""SIGTERM (what CI sends when a job is cancelled) stops a `check --workers 2` run like Ctrl-C.

The real command runs as its own process on a generated export large enough to be mid-run when the
signal arrives; the test waits until the worker processes exist (so the signal cannot land during
start-up, before the handler is installed), sends SIGTERM, and asserts the exit code 143, the
reports written and marked incomplete with the INCOMPLETE verdict, and that no process the run
started (forkserver, workers, resource tracker) is left alive.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conformance import interrupts

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to follow child processes")

FILES = 8
PATIENTS_PER_FILE = 15_000


def _export(root: Path) -> Path:
    """Eight Patient.ndjson files of 15,000 small Patients each: far more than 2 workers check in a few seconds."""
    for n in range(FILES):
        folder = root / f"part{n}"
        folder.mkdir(parents=True)
        with (folder / "Patient.ndjson").open("w", encoding="utf-8") as out:
            for i in range(PATIENTS_PER_FILE):
                out.write(json.dumps({"resourceType": "Patient", "id": f"p{n}-{i}", "gender": "female",
                                      "name": [{"family": "Example", "given": ["Pat"]}],
                                      "birthDate": "1970-01-01"}) + "\n")
    return root


def _parent(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def _descendants(root: int) -> set[int]:
    """Every live process below `root` (children, grandchildren ...), from /proc."""
    parents = {int(p.name): _parent(int(p.name)) for p in Path("/proc").iterdir() if p.name.isdigit()}
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    """True while the process exists and is not a zombie waiting to be reaped by init."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_sigterm_exit_code_is_143_and_sigint_130() -> None:
    assert interrupts.exit_code("SIGTERM") == 143
    assert interrupts.exit_code("SIGINT") == 130


def test_sigterm_stops_a_two_worker_check_writes_incomplete_reports_and_leaves_no_process(tmp_path: Path) -> None:
    export = _export(tmp_path / "export")
    reports = tmp_path / "reports"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance", "check", "uk-core-record-export", str(export), "--workers", "2",
         "--report", "json,markdown", "--report-dir", str(reports)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    seen: set[int] = set()
    try:
        deadline = time.monotonic() + 120  # a bound for a loaded machine, not a timing assertion
        while time.monotonic() < deadline and process.poll() is None:
            seen |= _descendants(process.pid)
            if len(seen) >= 3:  # the forkserver and at least two workers (or spawn workers + tracker)
                break
            time.sleep(0.05)
        assert process.poll() is None, f"the run ended before it was signalled: {process.stderr.read()}"
        assert len(seen) >= 3, f"no worker processes appeared within the bound: {seen}"
        time.sleep(0.5)  # let the workers take their first partitions
        seen |= _descendants(process.pid)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 143, (out[-2000:], err[-2000:])
    results = json.loads((reports / "results.json").read_text(encoding="utf-8"))
    assert results["incomplete"] is True
    assert results["verdict"]["label"] == "INCOMPLETE"
    assert results["verdict"]["exitCode"] == 143
    assert "interrupted (SIGTERM)" in results["verdict"]["reason"]
    assert "INCOMPLETE" in (reports / "summary.md").read_text(encoding="utf-8")
    bound = time.monotonic() + 30
    while time.monotonic() < bound and any(_alive(pid) for pid in seen):
        time.sleep(0.1)
    assert not [pid for pid in seen if _alive(pid)], "processes of the run outlived it"
