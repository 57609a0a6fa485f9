"""A test's findings on disk once they are many, so memory does not grow with the number of findings.

A national export can carry a finding on every resource: a million findings held as objects cost
gigabytes, and every report built whole from them costs as much again. A `FindingStore` keeps the
first `in_memory` findings as a list (small runs never touch the disk and behave exactly as a
list did); past that, findings are written to an anonymous temporary file (deleted when the store
is dropped or the process ends) in blocks of compact records, and read back one block at a time
whenever the store is iterated. Reports iterate; none of them needs the findings in memory at once.

Order: iteration gives the findings in the order they were added, as a list would. `sort(key)`
is a stable sort of everything held, done as an external merge sort — each spilled run is sorted
before it is written when the key is known up front (`FindingStore(key=...)`), the runs are merged
(`heapq.merge`, stable) into a new file, and the old one is released. At most `MERGE_FAN_IN` runs are
merged at once (more runs take more passes over the disk), so sorting holds `MERGE_FAN_IN` blocks in
memory however many findings there are — one block per run grew with the findings (1.5 million
findings are 150 runs: about 50 MB).

Disk use is bounded: every store of a process draws on one budget (`CONFORMANCE_FINDINGS_DISK_MB`,
default 4096 MB). Findings that would exceed it are not kept but counted (`dropped`, and by
severity), so a report can say exactly how many were not listed; the verdict counters
(`failing`, `errors`) include them, so a dropped error still fails its test.
Settings (environment, read when a store is made): `CONFORMANCE_FINDINGS_IN_MEMORY` (findings a
store keeps in memory before it spills; default 10,000), `CONFORMANCE_FINDINGS_DISK_MB`, and
`CONFORMANCE_FINDINGS_DIR` (where the temporary files go; default the system's temporary folder).
"""

from __future__ import annotations

import heapq
import os
import pickle
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import IO, Any, overload

from conformance.results.outcomes import Finding, Outcome

DEFAULT_IN_MEMORY = 10_000
DEFAULT_DISK_MB = 4096
BLOCK = 512  # findings per block on disk: what one run costs in memory while runs are merged
MERGE_FAN_IN = 16  # runs merged at once: memory while sorting is MERGE_FAN_IN blocks, however many findings

Key = Callable[[Finding], Any]
_Record = tuple[Any, ...]


def _setting(name: str, default: int) -> int:
    try:
        value = int(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


class DiskBudget:
    """Bytes every store of this process may still write (one budget, shared across threads)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self._lock = threading.Lock()

    def take(self, size: int) -> bool:
        with self._lock:
            if self.used + size > self.limit:
                return False
            self.used += size
            return True

    def give_back(self, size: int) -> None:
        with self._lock:
            self.used = max(0, self.used - size)


_budget: DiskBudget | None = None


def disk_budget() -> DiskBudget:
    """This process's budget, made on first use from `CONFORMANCE_FINDINGS_DISK_MB`."""
    global _budget
    if _budget is None:
        _budget = DiskBudget(_setting("CONFORMANCE_FINDINGS_DISK_MB", DEFAULT_DISK_MB) << 20)
    return _budget


def _record(f: Finding) -> _Record:
    return (f.check, f.outcome.value, f.message, f.severity, f.code, f.location, f.path, f.line, f.column,
            f.accepted)


def _finding(r: _Record) -> Finding:
    return Finding(r[0], Outcome(r[1]), *r[2:])


class _Spill:
    """One anonymous temporary file of pickled blocks; a run is the list of its blocks' (offset, size)."""

    def __init__(self, budget: DiskBudget) -> None:
        folder = os.environ.get("CONFORMANCE_FINDINGS_DIR") or None
        self.file: IO[bytes] = tempfile.TemporaryFile(prefix="conformance-findings-", dir=folder)  # noqa: SIM115 - lives as long as the store
        self.size = 0
        self.budget = budget

    def write_run(self, findings: Iterable[Finding]) -> list[tuple[int, int]] | None:
        """The blocks written; None when the budget ran out (what was written of the run is lost)."""
        blocks: list[tuple[int, int]] = []
        it = iter(findings)
        while True:
            chunk = [_record(f) for f in islice(it, BLOCK)]
            if not chunk:
                return blocks
            data = pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL)
            if not self.budget.take(len(data)):
                return None
            self.file.seek(self.size)
            self.file.write(data)
            blocks.append((self.size, len(data)))
            self.size += len(data)

    def read_run(self, blocks: list[tuple[int, int]]) -> Iterator[Finding]:
        self.file.flush()
        fd = self.file.fileno()
        for offset, size in blocks:
            records: list[_Record] = pickle.loads(os.pread(fd, size, offset))
            for r in records:
                yield _finding(r)

    def close(self) -> None:
        if not self.file.closed:
            self.file.close()
            self.budget.give_back(self.size)


class FindingStore:
    """A list of findings that spills to disk past `in_memory` (see the module docstring)."""

    __slots__ = ("_budget", "_dropped_by_severity", "_front", "_head", "_in_memory", "_key", "_runs", "_spill",
                 "dropped", "errors", "failing", "total")

    def __init__(self, findings: Iterable[Finding] = (), *, key: Key | None = None, in_memory: int | None = None,
                 budget: DiskBudget | None = None) -> None:
        self._in_memory = in_memory or _setting("CONFORMANCE_FINDINGS_IN_MEMORY", DEFAULT_IN_MEMORY)
        self._budget = budget
        self._key = key  # spilled runs are sorted by it before they are written
        self._front: list[Finding] = []  # before everything else (a few, e.g. once-per-run findings)
        self._head: list[Finding] = []  # the latest findings, not yet spilled
        self._runs: list[list[tuple[int, int]]] = []
        self._spill: _Spill | None = None
        self._dropped_by_severity: Counter[str] = Counter()
        self.total = 0  # findings added, dropped ones included
        self.failing = 0  # of them failing (outcome fail)
        self.errors = 0  # of them failing with severity error (they fail the test)
        self.dropped = 0  # not kept: the disk budget ran out
        self.extend(findings)

    # -- adding -----------------------------------------------------------------------------------

    def append(self, finding: Finding) -> None:
        self._count(finding)
        if self.dropped:  # the budget ran out: nothing is kept after the gap (a report says how many)
            self._drop([finding])
            return
        self._head.append(finding)
        if len(self._head) >= self._in_memory:
            self._flush()

    def extend(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            self.append(f)

    def insert_front(self, findings: Iterable[Finding]) -> None:
        """Put a few findings before all the others (they stay in memory)."""
        added = list(findings)
        for f in added:
            self._count(f)
        self._front[:0] = added

    def _count(self, f: Finding) -> None:
        self.total += 1
        if f.outcome is Outcome.FAIL:
            self.failing += 1
            if f.severity == "error":
                self.errors += 1

    def _flush(self) -> None:
        head, self._head = self._head, []
        if self._key is not None:
            head.sort(key=self._key)
        spill = self._ensure_spill()
        blocks = spill.write_run(head)
        if blocks is None:
            self._drop(head)
        else:
            self._runs.append(blocks)

    def _drop(self, findings: list[Finding]) -> None:
        self.dropped += len(findings)
        self._dropped_by_severity.update(f.severity for f in findings)

    def _ensure_spill(self) -> _Spill:
        if self._spill is None:
            self._spill = _Spill(self._budget or disk_budget())
        return self._spill

    @property
    def dropped_by_severity(self) -> dict[str, int]:
        return dict(self._dropped_by_severity)

    @property
    def spilled(self) -> bool:
        """True when some findings are on disk."""
        return bool(self._runs)

    # -- reading ----------------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Finding]:
        yield from self._front
        if self._spill is not None:
            for blocks in self._runs:
                yield from self._spill.read_run(blocks)
        yield from self._head

    def __len__(self) -> int:
        """Findings held (dropped ones are not: see `dropped`)."""
        return self.total - self.dropped

    def __bool__(self) -> bool:
        return len(self) > 0

    @overload
    def __getitem__(self, index: int) -> Finding: ...

    @overload
    def __getitem__(self, index: slice) -> list[Finding]: ...

    def __getitem__(self, index: int | slice) -> Finding | list[Finding]:
        if isinstance(index, slice):
            return list(self)[index] if index.start or index.step or index.stop is None or index.stop < 0 \
                else list(islice(self, index.stop))
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("finding index out of range")
        return next(islice(self, index, None))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FindingStore | list | tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"FindingStore({len(self)} findings, {len(self._runs)} run(s) on disk, {self.dropped} dropped)"

    # -- ordering ---------------------------------------------------------------------------------

    def sort(self, *, key: Key) -> None:
        """A stable sort of every finding held, as `list.sort` does, in bounded memory."""
        if not self._runs:  # front findings stay first among equals
            merged = sorted(self._front + self._head, key=key)
            self._front, self._head = [], merged
            return
        spill = self._ensure_spill()
        if key is not self._key:  # runs sorted by another key (or none): sort each again, one at a time
            resorted = _Spill(spill.budget)
            runs_resorted = []
            for blocks in self._runs:
                written = resorted.write_run(sorted(spill.read_run(blocks), key=key))
                if written is None:  # no room to sort on disk: keep the order they have
                    resorted.close()
                    return
                runs_resorted.append(written)
            spill.close()
            spill, self._spill, self._runs, self._key = resorted, resorted, runs_resorted, key
        runs: list[Iterable[Finding]] = [sorted(self._front, key=key),
                                         *(spill.read_run(blocks) for blocks in self._runs),
                                         sorted(self._head, key=key)]
        while True:  # merge at most MERGE_FAN_IN neighbouring runs at a time, pass after pass, until one is left
            final = len(runs) <= MERGE_FAN_IN
            groups = [runs] if final else [runs[i:i + MERGE_FAN_IN] for i in range(0, len(runs), MERGE_FAN_IN)]
            target = _Spill(spill.budget)
            written_runs: list[list[tuple[int, int]]] = []
            for group in groups:
                written_run = target.write_run(heapq.merge(*group, key=key))
                if written_run is None:  # no room for the merged copy: keep the order they have
                    target.close()
                    return
                written_runs.append(written_run)
            spill.close()
            spill = target
            self._spill, self._runs, self._front, self._head, self._key = target, written_runs, [], [], key
            if final:
                return
            runs = [spill.read_run(blocks) for blocks in written_runs]

    def close(self) -> None:
        """Release the disk space now (the store is empty afterwards)."""
        if self._spill is not None:
            self._spill.close()
        self._spill, self._runs, self._front, self._head = None, [], [], []
        self.total = self.failing = self.errors = self.dropped = 0

    def __del__(self) -> None:
        spill = getattr(self, "_spill", None)
        if spill is not None:
            spill.close()


def failing_count(findings: Iterable[Finding]) -> int:
    """Failing findings (outcome fail), from a store's counter or by counting a list."""
    if isinstance(findings, FindingStore):
        return findings.failing
    return sum(1 for f in findings if f.outcome is Outcome.FAIL)


def has_error(findings: Iterable[Finding]) -> bool:
    """True when a failing finding of severity error is among them (the test fails)."""
    if isinstance(findings, FindingStore):
        return findings.errors > 0
    return any(f.outcome is Outcome.FAIL and f.severity == "error" for f in findings)


def failing(findings: Iterable[Finding]) -> Iterator[Finding]:
    return (f for f in findings if f.outcome is Outcome.FAIL)
