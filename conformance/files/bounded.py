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

    def folds(self) -> Iterator[tuple[Hashable, Fold]]:
        """Every key's fold, in the order the keys first overflowed."""
        yield from self._folds.items()
