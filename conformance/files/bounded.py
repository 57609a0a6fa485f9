"""Findings bounded per file: the first few of each code kept, the rest folded into one.

A hostile or broken file can repeat one problem a million times (a megabyte of blank NDJSON
lines; an export where every resource lacks narrative). Keeping a million findings costs memory
and time in every report while telling the reader nothing the first hundred do not. So, per file
and per issue code, the first `limit` findings are kept as they are, and the rest become one
finding of the same code — so baselines, SARIF rules and scripts still match it — that says how
many there were and where: "999,900 more like this (ndjson.empty-line) at lines 102–1000001".

The fold keeps only counters, so memory per file is bounded by `limit` × the codes that occur,
whatever the number of findings. `limit` 0 keeps everything (memory then grows with findings).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from dataclasses import dataclass

from conformance.results import Finding

DEFAULT_MAX_REPEATS = 100

_RANK = {"fatal": 0, "error": 1, "warning": 2, "information": 3}


@dataclass(slots=True)
class Fold:
    """The findings of one code past the limit: how many, the worst severity, the first and last line."""

    code: str
    severity: str
    location: str | None
    count: int = 0
    first_line: int = 0
    last_line: int = 0

    def add(self, severity: str, line: int) -> None:
        self.count += 1
        if _RANK.get(severity, 9) < _RANK.get(self.severity, 9):
            self.severity = severity
        if line:
            if not self.first_line or line < self.first_line:
                self.first_line = line
            self.last_line = max(self.last_line, line)

    @property
    def message(self) -> str:
        where = ""
        if self.first_line:
            where = (f" at line {self.first_line:,}" if self.first_line == self.last_line
                     else f" at lines {self.first_line}–{self.last_line}")
        return f"{self.count:,} more like this ({self.code}){where}; only the first of each code are listed per file"


@dataclass(slots=True)
class FoldMark:
    """What a worker sends in place of a partition's findings of one file and code past the limit: how many,
    the first one's severity and location, the worst severity and the first and last line. It stands where
    the first of them stood, so the merge meets it in the same order as it would have met them."""

    path: str | None
    code: str | None
    severity: str
    location: str | None
    count: int = 0
    worst: str = ""
    first_line: int = 0
    last_line: int = 0

    def add(self, severity: str, line: int) -> None:
        self.count += 1
        if not self.worst or _RANK.get(severity, 9) < _RANK.get(self.worst, 9):
            self.worst = severity
        if line:
            if not self.first_line or line < self.first_line:
                self.first_line = line
            self.last_line = max(self.last_line, line)

    def shift(self, lines: int) -> None:
        """Lines of a later partition of the same file: local to the partition until the merge shifts them."""
        if self.first_line:
            self.first_line += lines
        if self.last_line:
            self.last_line += lines


def prefold(found: list[Finding | FoldMark], limit: int) -> list[Finding | FoldMark]:
    """A partition's findings of one rule with, per file and code, the first `limit` kept and the rest
    replaced by one `FoldMark` (where the first of them was). The merge keeps at most `limit` of each per
    file and code anyway: this spares sending, unpickling and discarding the others (an export with a
    warning on every resource). `limit` 0 keeps everything."""
    if not limit or len(found) <= limit:
        return list(found)
    seen: dict[tuple[str | None, str | None], int] = {}
    marks: dict[tuple[str | None, str | None], FoldMark] = {}
    out: list[Finding | FoldMark] = []
    for f in found:
        if isinstance(f, FoldMark):  # folded already
            out.append(f)
            continue
        key = (f.path, f.code)
        n = seen[key] = seen.get(key, 0) + 1
        if n <= limit:
            out.append(f)
            continue
        mark = marks.get(key)
        if mark is None:
            mark = marks[key] = FoldMark(f.path, f.code, f.severity, f.location)
            out.append(mark)
        mark.add(f.severity, f.line or 0)
    return out


class RepeatLimit:
    """Decides, finding by finding, which are kept; counts the others per key (e.g. file and code)."""

    def __init__(self, limit: int = DEFAULT_MAX_REPEATS) -> None:
        self.limit = limit
        self._kept: dict[Hashable, int] = {}
        self._folds: dict[Hashable, Fold] = {}

    def admit(self, key: Hashable, code: str, severity: str, line: int | None, location: str | None = None) -> bool:
        """True: keep this finding. False: it was counted into its key's fold."""
        if not self.limit:
            return True
        kept = self._kept.get(key, 0)
        if kept < self.limit:
            self._kept[key] = kept + 1
            return True
        fold = self._folds.get(key)
        if fold is None:
            fold = self._folds[key] = Fold(code, severity, location)
        fold.add(severity, line or 0)
        return False

    def absorb(self, key: Hashable, mark: FoldMark) -> None:
        """Count a partition's findings that a worker folded (`prefold`) as if they had come one by one.

        They come after that partition's first `limit` of the key, which were admitted or counted before,
        so every one of them is past the limit here too."""
        fold = self._folds.get(key)
        if fold is None:
            fold = self._folds[key] = Fold(mark.code or "", mark.severity, mark.location)
        fold.count += mark.count
        if _RANK.get(mark.worst, 9) < _RANK.get(fold.severity, 9):
            fold.severity = mark.worst
        if mark.first_line and (not fold.first_line or mark.first_line < fold.first_line):
            fold.first_line = mark.first_line
        fold.last_line = max(fold.last_line, mark.last_line)

    def folds(self) -> Iterator[tuple[Hashable, Fold]]:
        """Every key's fold, in the order the keys first overflowed."""
        yield from self._folds.items()
