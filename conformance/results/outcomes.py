"""Outcomes of single checks and their roll-up to tests and groups.

Every check the tool makes ends as an `Outcome`: pass, fail, skip or error. Findings roll up to a
test (a scenario step or a file rule), tests to a group (a scenario or the file checks). A
baseline's acceptance is plain data on the finding or test (`accepted`), never a subclass.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from conformance.issues import Issue, Severity
from conformance.results.acceptance import Acceptance, with_acceptance

if TYPE_CHECKING:
    from conformance.results.store import FindingStore

FindingSeverity: TypeAlias = Literal["error", "warning"]


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"
    ERROR = "error"


# a roll-up takes the first outcome of this list found among its parts
_PRIORITY = (Outcome.ERROR, Outcome.FAIL, Outcome.PASS, Outcome.SKIP)


def roll_up(outcomes: Iterable[Outcome]) -> Outcome:
    """error > fail > pass > skip; nothing at all is a skip."""
    found = set(outcomes)
    for outcome in _PRIORITY:
        if outcome in found:
            return outcome
    return Outcome.SKIP


@dataclass(slots=True)
class Finding:
    """One assertion's verdict, located where it can be: an exchange, a file and line, a FHIRPath."""

    check: str  # what was checked, e.g. "status is 200", "conforms to UKCore-Patient"
    outcome: Outcome
    message: str = ""
    severity: FindingSeverity = "error"  # a warning never fails its step
    code: str | None = None  # an issue code when the finding comes from validation
    location: str | None = None
    path: str | None = None  # a file, for file checks
    line: int | None = None
    column: int | None = None
    accepted: Acceptance | None = None  # a baseline entry accepts this failure (it is still a failure)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"check": self.check, "outcome": self.outcome.value, "message": self.message,
                                "severity": self.severity}
        for key in ("code", "location", "path", "line", "column"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return with_acceptance(data, self.accepted)

    @classmethod
    def from_issue(cls, issue: Issue, check: str, *, path: str | None = None,
                   severity: FindingSeverity | None = None) -> Finding:
        """The failing finding an `Issue` becomes: its code, message, location, line and column (0 = unknown).

        `severity` is `finding_severity(issue.severity)` unless the caller's rule decides it (a `validate`
        file rule whose threshold makes a warning fail).
        """
        return cls(check, Outcome.FAIL, issue.message, severity or finding_severity(issue.severity), issue.code,
                   issue.location or None, path, issue.line or None, issue.column or None)


def finding_severity(severity: Severity) -> FindingSeverity:
    """The one mapping of an issue's severity to a finding's: fatal and error are "error" (the finding fails its
    test); warning and information are "warning" (reported, never failing). Callers that do not report
    information issues filter them out before converting."""
    return "error" if severity.is_error else "warning"


REPRODUCE_LABEL = "Reproduce with: "  # what every report writes before `TestResult.reproduce`


class LazyArray:
    """A JSON array whose items are made as a streaming writer asks for them (`reports.stream_json`),
    so a test's million findings are never one list of dicts."""

    __slots__ = ("items",)

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = items

    def __iter__(self) -> Any:
        return iter(self.items)


Findings: TypeAlias = "list[Finding] | FindingStore"


@dataclass(slots=True)
class TestResult:
    """A step of a scenario, or one file check: the unit a JUnit test case and a TestReport action map to."""

    __test__ = False  # not a pytest test class, whatever its name

    id: str
    title: str
    outcome: Outcome
    requirements: tuple[str, ...] = ()
    findings: Findings = field(default_factory=list)  # a FindingStore when there can be many
    message: str = ""  # why it was skipped or errored
    duration_ms: float = 0.0
    exchanges: list[dict[str, Any]] = field(default_factory=list)  # recorded HTTP, secrets redacted
    accepted: Acceptance | None = None  # every failing finding of it is accepted by a baseline
    reproduce: str = ""  # a failed HTTP step's request as a curl command, secrets as $VARIABLES

    def to_json(self, stream: bool = False) -> dict[str, Any]:
        """The test as JSON; with `stream`, its findings as a `LazyArray` (for a streaming writer)."""
        findings = (f.to_json() for f in self.findings)
        data = with_acceptance({
            "id": self.id,
            "title": self.title,
            "outcome": self.outcome.value,
            "requirements": list(self.requirements),
            "message": self.message,
            "durationMs": round(self.duration_ms, 1),
            "findings": LazyArray(findings) if stream else list(findings),
            "exchanges": self.exchanges,
        }, self.accepted)
        if self.reproduce:
            data["reproduce"] = self.reproduce
        return data


@dataclass(slots=True)
class GroupResult:
    """A scenario (steps) or a file-check group: Inferno's group, JUnit's testsuite."""

    id: str
    title: str
    kind: Literal["scenario", "file-check"]
    tests: list[TestResult] = field(default_factory=list)
    requirements: tuple[str, ...] = ()
    message: str = ""
    outcome_override: Outcome | None = None  # a whole group skipped or errored before any test ran

    @property
    def outcome(self) -> Outcome:
        if self.outcome_override is not None:
            return self.outcome_override
        return roll_up(t.outcome for t in self.tests)

    @property
    def all_requirements(self) -> set[str]:
        ids = set(self.requirements)
        for t in self.tests:
            ids.update(t.requirements)
        return ids

    def to_json(self, stream: bool = False) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "outcome": self.outcome.value,
            "requirements": sorted(self.all_requirements),
            "message": self.message,
            "tests": [t.to_json(stream) for t in self.tests],
        }


def test_reason(test: TestResult) -> str:
    """Why a test did not pass, in one line: its message, else its first failing check."""
    if test.message:
        return test.message
    failing = (f for f in test.findings if f.outcome is Outcome.FAIL)
    first = next((f for f in failing if f.severity == "error"), None)
    if first is None:
        first = next((f for f in test.findings if f.outcome is Outcome.FAIL), None)
    if first is not None:
        return f"{first.check}: {first.message}" if first.message else first.check
    return test.outcome.value
