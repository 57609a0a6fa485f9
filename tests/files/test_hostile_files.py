"""`validate` and `check` on files made to hurt: a gzip bomb of blank lines, link loops and `..` links,
file names carrying terminal control characters and GitHub workflow commands, integers Python will not
convert. Each ends with exit 1 or 2, located findings, no traceback and bounded memory (sampled with
psutil; bounds generous). Times are measured in `benchmarks/hostile_files.py`, never asserted here.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import psutil
import pytest

REPO = Path(__file__).resolve().parents[2]
PROFILE = REPO / "fixtures" / "files" / "profiles" / "export-checks"
EXPORT = REPO / "fixtures" / "files" / "exports" / "good"
MB = 1024 * 1024
PEAK_BOUND = 500 * MB
pytestmark = pytest.mark.core


def conformance(*args: str, cwd: Path, timeout: float = 300) -> tuple[int, str, str, int]:
    """Run the CLI in a child process: exit code, stdout, stderr and its peak resident memory."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    env.pop("GITHUB_ACTIONS", None)
    child = psutil.Popen([sys.executable, "-m", "conformance", *args], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env, cwd=cwd)
    out: dict[str, bytes] = {}

    def communicate() -> None:
        out["stdout"], out["stderr"] = child.communicate()

    reader = threading.Thread(target=communicate, daemon=True)
    reader.start()
    peak, started = 0, time.monotonic()
    while reader.is_alive() and time.monotonic() - started < timeout:
        with contextlib.suppress(psutil.Error):
            peak = max(peak, child.memory_info().rss)
        reader.join(0.05)
    if reader.is_alive():
        child.kill()
        pytest.fail(f"conformance {' '.join(args)} did not end within {timeout} s")
    return (child.returncode, out["stdout"].decode(errors="replace"), out["stderr"].decode(errors="replace"), peak)


def newline_bomb(path: Path, expanded: int = 256 * MB) -> None:
    """A gzip of one Patient then `expanded` bytes of newlines (about 1,000 times smaller on disk)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    with open(path, "wb") as out:
        out.write(compressor.compress(b'{"resourceType": "Patient", "id": "p1"}\n'))
        block = b"\n" * MB
        for _ in range(expanded // MB):
            out.write(compressor.compress(block))
        out.write(compressor.flush())


def test_a_gzip_of_newlines_is_refused_before_a_line_is_parsed(tmp_path: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(EXPORT, export)
    newline_bomb(export / "Patient.ndjson.gz")
    assert (export / "Patient.ndjson.gz").stat().st_size < 2 * MB
    code, stdout, stderr, peak = conformance("check", str(PROFILE), str(export), "--format", "json",
                                             "--workers", "1", cwd=tmp_path)
    assert code in (1, 2) and "Traceback" not in stderr
    assert peak < PEAK_BOUND, f"peak memory {peak / MB:.0f} MB"
    findings = [f for g in json.loads(stdout)["groups"] for t in g["tests"] for f in t["findings"]
                if Path(f.get("path") or "").name == "Patient.ndjson.gz"]
    assert [f["code"] for f in findings if f["outcome"] == "fail"] == ["export.archive-refused"]
    assert "ndjson.empty-line" not in stdout  # not one blank line became a finding


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_link_loops_and_dot_dot_links_neither_hang_nor_repeat_a_file(tmp_path: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(EXPORT, export)
    (export / "loop").symlink_to(export, target_is_directory=True)
    (export / "up").symlink_to("..", target_is_directory=True)
    (export / "sub").mkdir()
    (export / "sub" / "again").symlink_to(export, target_is_directory=True)
    code, stdout, stderr, _ = conformance("check", str(PROFILE), str(export), "--format", "json", "--workers", "1",
                                          cwd=tmp_path)
    assert "Traceback" not in stderr
    codes = [f.get("code") for g in json.loads(stdout)["groups"] for t in g["tests"] for f in t["findings"]]
    assert "export.duplicate-id" not in codes  # each file read once: no invented duplicates
    reference = conformance("check", str(PROFILE), str(EXPORT), "--format", "json", "--workers", "1", cwd=tmp_path)
    assert code == reference[0]
    code, stdout, stderr, _ = conformance("validate", f"{export}/**/*.ndjson", "--format", "json", cwd=tmp_path)
    files = [r["path"] for r in json.loads(stdout)["files"]]
    assert sorted(Path(f).name for f in files) == sorted(p.name for p in EXPORT.glob("*.ndjson"))


def test_control_characters_in_file_names_never_reach_the_console_raw(tmp_path: Path) -> None:
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "evil\n::error file=x::pwned\x1b[2J.json").write_text('{"resourceType": "Patient", "id": "!"}')
    code, stdout, stderr, _ = conformance("validate", str(folder), cwd=tmp_path)
    assert code == 1
    lines = (stdout + stderr).splitlines()
    assert not any(line.lstrip().startswith("::") for line in lines)  # no workflow command
    assert "\x1b" not in stdout + stderr
    assert "evil\\n::error file=x::pwned\\x1b[2J.json" in stdout


def test_an_integer_of_5000_digits_is_a_located_error_not_an_internal_one(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text('{"resourceType": "Patient",\n  "multipleBirthInteger": ' + "7" * 5000 + "\n}")
    code, stdout, stderr, _ = conformance("validate", str(path), "--format", "json", cwd=tmp_path)
    assert code == 1 and "Traceback" not in stderr
    issues = json.loads(stdout)["files"][0]["issues"]
    assert ("value.out-of-range", 2) in [(i["code"], i["line"]) for i in issues]
    assert "internal.error" not in [i["code"] for i in issues]


def test_a_concurrent_run_into_the_same_report_dir_is_refused(tmp_path: Path) -> None:
    from conformance.reports.dirlock import LOCK_NAME, claim

    reports = tmp_path / "reports"
    held = claim(reports)  # as a run in progress holds it
    try:
        code, _, stderr, _ = conformance("validate", str(EXPORT), "--report", "json", "--report-dir", str(reports),
                                         cwd=tmp_path)
    finally:
        held.release()
    assert code == 2
    assert f"is writing reports into {reports}; wait for it to finish or give this run another --report-dir" \
        in " ".join(stderr.split())
    assert not (reports / "results.json").exists() and not (reports / LOCK_NAME).exists()
    code, _, _, _ = conformance("validate", str(EXPORT / "Patient.ndjson"), "--report", "json", "--report-dir",
                                str(reports), cwd=tmp_path)
    assert (reports / "results.json").exists() and not (reports / LOCK_NAME).exists()
