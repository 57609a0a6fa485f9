"""Accepted findings as plain data: which baseline entry accepts a failure, and how the baseline fared.

A baseline (`conformance/reports/baseline.py`) accepts known failures for a while. Acceptance is
an `accepted` field next to the truthful outcome of a finding, test or requirement — an accepted
failure is still a failure, and every report shows it as "accepted" with its justification and
expiry. The run carries a `BaselineSummary` so that expired and unused entries are news in every
report; the verdict (`verdict.py`) does not count accepted requirements as failed, and fails the
run when an entry has expired.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypeAlias, cast


@dataclass(frozen=True, slots=True)
class Acceptance:
    """Why a failure is accepted: which baseline entry, its justification and its last valid day."""

    entry: int  # 1-based position in the baseline's `accepted` list
    justification: str
    expires: str  # YYYY-MM-DD, the last day the entry holds
    matched: str  # what the entry names, e.g. "requirement PDS-VER-001" or "code binding.required"
    line: int = 0  # the entry's line in the baseline file

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"entry": self.entry, "justification": self.justification, "expires": self.expires,
                                "matched": self.matched}
        if self.line:
            data["line"] = self.line
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Acceptance:
        return cls(int(data["entry"]), str(data["justification"]), str(data["expires"]), str(data["matched"]),
                   int(data.get("line", 0)))


def with_acceptance(data: dict[str, Any], acceptance: Acceptance | None) -> dict[str, Any]:
    if acceptance is not None:
        data["accepted"] = acceptance.to_json()
    return data


def acceptance_of(item: object) -> Acceptance | None:
    """The acceptance of a finding, test or requirement result, or None."""
    return getattr(item, "accepted", None)


EntryState: TypeAlias = Literal["applied", "unused", "expired"]


@dataclass(frozen=True, slots=True)
class BaselineEntryState:
    """One baseline entry as this run saw it (for reports: expired and unused entries are news)."""

    entry: int
    matched: str
    justification: str
    expires: str
    state: EntryState
    line: int = 0

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"entry": self.entry, "matched": self.matched, "justification": self.justification,
                                "expires": self.expires, "state": self.state}
        if self.line:
            data["line"] = self.line
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BaselineEntryState:
        return cls(int(data["entry"]), str(data["matched"]), str(data["justification"]), str(data["expires"]),
                   cast(EntryState, str(data["state"])), int(data.get("line", 0)))

    def describe(self, file: str) -> str:
        """`file:line: entry #n (matched), expired on YYYY-MM-DD` — for people."""
        where = f"{file}:{self.line}" if self.line else file
        return f"{where}: entry #{self.entry} ({self.matched}) expired after {self.expires}"


@dataclass(frozen=True, slots=True)
class BaselineSummary:
    file: str
    checked_on: str  # the day expiry was judged against
    entries: tuple[BaselineEntryState, ...] = ()

    @property
    def expired(self) -> list[BaselineEntryState]:
        return [e for e in self.entries if e.state == "expired"]

    @property
    def unused(self) -> list[BaselineEntryState]:
        return [e for e in self.entries if e.state == "unused"]

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "checkedOn": self.checked_on, "entries": [e.to_json() for e in self.entries]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BaselineSummary:
        return cls(str(data["file"]), str(data["checkedOn"]),
                   tuple(BaselineEntryState.from_json(e) for e in data.get("entries", [])))
