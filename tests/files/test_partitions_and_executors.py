"""Slices of NDJSON files read every line exactly once; executors hand results back in job order
whatever order they finish in, with a bounded window; progress prints what it should, where it should."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from conformance.files.executors import _ordered
from conformance.files.partials import PartitionResult
from conformance.files.partitions import (
    DEFAULT_PARTITION_BYTES,
    MIN_PARTITION_BYTES,
    PARTITIONS_PER_WORKER,
    LineRange,
    balanced_partition_bytes,
    plan_partitions,
)
from conformance.files.progress import BarProgress, NoProgress, PlainProgress, choose_progress
from conformance.files.sources import ExportFile, Location


def _file(path: Path, inner: str | None = None) -> ExportFile:
    return ExportFile(str(path), inner or path.name, Location(str(path)), path.stat().st_size)


def _read_slices(path: Path, size: int) -> list[tuple[int, bytes]]:
    """(partition, line) for every line, reading each partition on its own."""
    out = []
    for part in plan_partitions([_file(path)], size):
        with open(path, "rb") as raw:
            if part.end is None:
                out += [(part.seq, line) for line in raw.readlines()]
                continue
            reader = LineRange(raw, part.start, part.end)
            while line := reader.readline(7):  # small reads: lines longer than a read come in pieces
                out.append((part.seq, line))
    return out


@pytest.mark.parametrize("seed", range(5))
def test_slices_read_every_line_once_whatever_the_boundaries(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    lines = [b"x" * rng.choice([0, 1, 5, 40, 300]) + (b"\r\n" if rng.random() < 0.2 else b"\n") for _ in range(60)]
    if seed % 2:
        lines[-1] = lines[-1].rstrip(b"\r\n")  # no final newline
    path = tmp_path / "data.ndjson"
    path.write_bytes(b"".join(lines))
    for size in (1, 2, 3, 17, 64, 299, 10_000):
        got = _read_slices(path, size)
        assert b"".join(line for _, line in got) == path.read_bytes(), size
        pieces = [p for p, _ in got]
        assert pieces == sorted(pieces)  # in partition order


def test_only_plain_ndjson_on_disk_is_sliced(tmp_path: Path) -> None:
    body = b'{"resourceType":"Patient"}\n' * 50
    (tmp_path / "a.ndjson").write_bytes(body)
    (tmp_path / "b.json").write_bytes(body)
    (tmp_path / "c.ndjson").write_bytes(body.decode().encode("utf-16"))
    files = [_file(tmp_path / n) for n in ("a.ndjson", "b.json", "c.ndjson")]
    gz = ExportFile("d.ndjson.gz", "d.ndjson", Location(str(tmp_path / "a.ndjson"), None, True), len(body))
    parts = plan_partitions([*files, gz], 100)
    by_file: dict[int, int] = {}
    for p in parts:
        by_file[p.file] = by_file.get(p.file, 0) + 1
    assert by_file == {0: 14, 1: 1, 2: 1, 3: 1}
    assert [p.seq for p in parts] == list(range(len(parts)))


def test_several_workers_get_enough_partitions_each(tmp_path: Path) -> None:
    path = tmp_path / "big.ndjson"
    path.write_bytes(b"x" * 99 + b"\n")
    big = ExportFile(str(path), "big.ndjson", Location(str(path)), 30 << 20)  # a 30 MB export, as planned
    assert len(plan_partitions([big], DEFAULT_PARTITION_BYTES, workers=1)) == 8  # 4 MB slices
    assert len(plan_partitions([big], DEFAULT_PARTITION_BYTES, workers=2)) == 2 * PARTITIONS_PER_WORKER
    assert balanced_partition_bytes(30 << 20, DEFAULT_PARTITION_BYTES, 2) == (30 << 20) // 16


def test_balanced_partitions_stay_within_their_bounds() -> None:
    assert balanced_partition_bytes(1 << 30, DEFAULT_PARTITION_BYTES, 2) == DEFAULT_PARTITION_BYTES  # never larger
    assert balanced_partition_bytes(1 << 20, DEFAULT_PARTITION_BYTES, 2) == MIN_PARTITION_BYTES  # never tiny
    assert balanced_partition_bytes(1 << 20, 300, 2) == 300  # a smaller size asked for is kept
    assert balanced_partition_bytes(1 << 20, DEFAULT_PARTITION_BYTES, 1) == DEFAULT_PARTITION_BYTES


# -- executors: job order, a bounded window --------------------------------------------------------

def test_results_come_back_in_job_order_even_when_they_finish_in_reverse() -> None:
    submitted: list[tuple[int, Future[PartitionResult]]] = []
    in_flight_max = 0

    def submit(job: int) -> Future[PartitionResult]:
        nonlocal in_flight_max
        future: Future[PartitionResult] = Future()
        submitted.append((job, future))
        in_flight_max = max(in_flight_max, sum(1 for _, f in submitted if not f.done()))
        return future

    def result(future: Future[PartitionResult]) -> PartitionResult:
        for job, f in reversed(submitted):  # everything in flight finishes, the newest first
            if not f.done():
                f.set_result(PartitionResult(job))
        return future.result()

    jobs: list[Any] = list(range(25))
    assert [r.seq for r in _ordered(submit, jobs, 4, result)] == list(range(25))
    assert len(submitted) == 25 and in_flight_max == 4


# -- progress ------------------------------------------------------------------------------------

class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_plain_progress_prints_a_line_at_most_every_interval() -> None:
    out, clock = io.StringIO(), _Clock()
    progress = PlainProgress(out, interval=10.0, clock=clock)
    progress.start(files=4, total_bytes=1000)
    clock.now = 5.0
    progress.advance(files=1, resources=500, size=250)
    assert out.getvalue() == ""  # a short run prints nothing
    clock.now = 10.0
    progress.advance(files=1, resources=500, size=250)
    clock.now = 12.0
    progress.advance(resources=10, size=10)
    assert out.getvalue() == "conformance check: 2/4 files, 1,000 resources (100/s), 50% read, about 0:00:10 left\n"


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(("mode", "tty", "environ", "kind"), [
    ("auto", True, {}, BarProgress),
    ("auto", True, {"CI": "true"}, PlainProgress),
    ("auto", False, {}, PlainProgress),
    ("none", True, {}, NoProgress),
    ("plain", True, {}, PlainProgress),
    ("bar", False, {}, BarProgress),
])
def test_the_progress_display_suits_where_it_goes(mode: str, tty: bool, environ: dict[str, str],
                                                 kind: Callable[..., Any]) -> None:
    assert isinstance(choose_progress(mode, _Stream(tty), environ), kind)


def test_the_bar_shows_files_resources_and_rate() -> None:
    stream = _Stream(True)
    progress = choose_progress("bar", stream, {})
    assert isinstance(progress, BarProgress)
    progress.start(files=2, total_bytes=100)
    progress.advance(files=1, resources=1234, size=50)
    task = progress.bar.tasks[0]
    assert (task.completed, task.total, task.fields["files"], task.fields["resources"]) == (50, 100, "1/2 files", "1,234")
    progress.finish()
