"""Accepted findings: the baseline's mark on a finding, a test and a requirement, shown, never hidden.

A baseline (see `baseline.py`) accepts known failures for a while. Acceptance is a flag carried
next to the truthful outcome — an accepted failure is still a failure, and every report shows it
as "accepted" with its justification and expiry. The flag lives in subclasses of the results
model so that `conformance/results.py` stays the same for everyone who does not use baselines;
read it with `acceptance_of(obj)`, which works for any finding, test or requirement.

`BaselinedRun` is the `RunResult` a baseline returns: its `exit_code` does not count accepted
requirements as failed, and fails the run (1) when the baseline has an expired entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from conformance.results import (
    Finding,
    RequirementResult,
    RequirementStatus,
    RunResult,
    RunSummary,
    TestResult,
)


@dataclass(frozen=True, slots=True)
class Acceptance:
    """Why a failure is accepted: which baseline entry, its justification and its last valid day."""

    entry: int  # 1-based position in the baseline's `accepted` list
    justification: str
    expires: str  # YYYY-MM-DD, the last day the entry holds
    matched: str  # what the entry names, e.g. "requirement PDS-VER-001" or "code binding.required"

    def to_json(self) -> dict[str, Any]:
        return {"entry": self.entry, "justification": self.justification, "expires": self.expires,
                "matched": self.matched}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Acceptance:
        return cls(int(data["entry"]), str(data["justification"]), str(data["expires"]), str(data["matched"]))


@dataclass(slots=True)
class AcceptedFinding(Finding):
    accepted: Acceptance | None = None

    def to_json(self) -> dict[str, Any]:
        return _with_acceptance(Finding.to_json(self), self.accepted)


@dataclass(slots=True)
class AcceptedTest(TestResult):
    accepted: Acceptance | None = None

    def to_json(self) -> dict[str, Any]:
        return _with_acceptance(TestResult.to_json(self), self.accepted)


@dataclass(slots=True)
class AcceptedRequirement(RequirementResult):
    accepted: Acceptance | None = None

    def to_json(self) -> dict[str, Any]:
        return _with_acceptance(RequirementResult.to_json(self), self.accepted)


@dataclass(frozen=True, slots=True)
class BaselineEntryState:
    """One baseline entry as this run saw it (for reports: expired and unused entries are news)."""

    entry: int
    matched: str
    justification: str
    expires: str
    state: str  # applied | unused | expired

    def to_json(self) -> dict[str, Any]:
        return {"entry": self.entry, "matched": self.matched, "justification": self.justification,
                "expires": self.expires, "state": self.state}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BaselineEntryState:
        return cls(int(data["entry"]), str(data["matched"]), str(data["justification"]), str(data["expires"]),
                   str(data["state"]))


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


@dataclass(slots=True)
class AcceptedSummary(RunSummary):
    """The summary with accepted requirements counted apart (they are no longer `failed`)."""

    accepted: int = 0

    @property
    def coverage(self) -> float:
        if not self.requirements:
            return 1.0
        return (self.passed + self.failed + self.warnings + self.accepted) / self.requirements

    def to_json(self) -> dict[str, Any]:
        data = RunSummary.to_json(self)
        data["accepted"] = self.accepted
        data["coverage"] = round(self.coverage, 4)
        return data


@dataclass(slots=True)
class BaselinedRun(RunResult):
    baseline: BaselineSummary = field(default_factory=lambda: BaselineSummary("", ""))

    def summary(self) -> AcceptedSummary:
        base = RunResult.summary(_without_accepted(self))
        accepted = sum(1 for r in self.requirements if acceptance_of(r) is not None)
        return AcceptedSummary(len(self.requirements), base.passed, base.failed, base.warnings, base.errors,
                               base.skipped, base.not_tested, accepted)

    def exit_code(self, *, require_all: bool = False) -> int:
        """As a plain run, but accepted requirements do not fail it and an expired entry does (1)."""
        code = RunResult.exit_code(_without_accepted(self), require_all=require_all)
        if code == 0 and self.baseline.expired:
            return 1
        return code

    def to_json(self) -> dict[str, Any]:
        data = RunResult.to_json(self)
        data["baseline"] = self.baseline.to_json()
        return data


def acceptance_of(item: object) -> Acceptance | None:
    """The acceptance of a finding, test or requirement result, or None."""
    return getattr(item, "accepted", None)


def baseline_of(result: RunResult) -> BaselineSummary | None:
    return getattr(result, "baseline", None)


def accepted_finding(finding: Finding, acceptance: Acceptance | None) -> AcceptedFinding:
    return AcceptedFinding(finding.check, finding.outcome, finding.message, finding.severity, finding.code,
                           finding.location, finding.path, finding.line, finding.column, acceptance)


def accepted_test(test: TestResult, findings: list[Finding], acceptance: Acceptance | None) -> AcceptedTest:
    return AcceptedTest(test.id, test.title, test.outcome, test.requirements, findings, test.message,
                        test.duration_ms, test.exchanges, acceptance)


def accepted_requirement(result: RequirementResult, acceptance: Acceptance | None) -> AcceptedRequirement:
    return AcceptedRequirement(result.requirement, result.status, list(result.evidence), result.message, acceptance)


def _without_accepted(result: RunResult) -> RunResult:
    """A plain RunResult without the accepted requirements, so the base roll-up logic applies as is."""
    plain = RunResult(result.profile_id, result.profile_version, result.profile_title, result.target, result.started)
    return replace(plain, finished=result.finished, groups=result.groups,
                   requirements=[r for r in result.requirements if acceptance_of(r) is None],
                   packages=result.packages, tool_version=result.tool_version, incomplete=result.incomplete,
                   command=result.command, inputs=result.inputs)


def _with_acceptance(data: dict[str, Any], acceptance: Acceptance | None) -> dict[str, Any]:
    if acceptance is not None:
        data["accepted"] = acceptance.to_json()
    return data


ACCEPTABLE_STATUSES = frozenset({RequirementStatus.FAILED, RequirementStatus.WARNING})
