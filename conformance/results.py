"""Outcomes of a conformance run and their roll-up to requirements and to the run.

Every check the tool makes ends as an `Outcome`: pass, fail, skip or error. Assertions roll up to
steps, steps to scenarios, and — through the requirement ids each declares — everything rolls up
to the profile's requirements:

- a MUST (or SHALL) requirement with any failing evidence fails;
- a SHOULD requirement with failing evidence is a warning (it does not fail the run);
- a MAY requirement with failing evidence is reported but never fails;
- evidence that errored (the target was unreachable, a scenario could not run) makes the
  requirement `error`, whatever its level;
- a requirement with no evidence at all is `not-tested`; one with any skipped evidence (and nothing
  failing) is `skipped` — evidence that did not run never lets a requirement pass; both count
  against coverage.

Every output format (console, JSON, JUnit, HTML, TestReport, ...) is rendered from a `RunResult`,
so they can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


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


class RequirementStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    WARNING = "warning"  # a SHOULD with failing evidence
    ERROR = "error"
    SKIPPED = "skipped"
    NOT_TESTED = "not-tested"


@dataclass(frozen=True, slots=True)
class Requirement:
    """One line of a profile's requirement catalogue (the columns of an NHS assurance sheet)."""

    id: str
    level: str  # MUST | SHOULD | MAY
    description: str
    use_case: str = ""
    test_cases: str = ""
    evidence: str = ""
    source: str = ""
    prerequisite: str = ""  # why it may be untestable here (e.g. a package to install), shown when not tested
    verification: str = "automated"  # automated | manual (satisfied only by an attestation)

    @property
    def manual(self) -> bool:
        return self.verification == "manual"

    @property
    def mandatory(self) -> bool:
        return self.level.upper() in ("MUST", "SHALL")


@dataclass(slots=True)
class Finding:
    """One assertion's verdict, located where it can be: an exchange, a file and line, a FHIRPath."""

    check: str  # what was checked, e.g. "status is 200", "conforms to UKCore-Patient"
    outcome: Outcome
    message: str = ""
    severity: str = "error"  # error | warning (a warning never fails its step)
    code: str | None = None  # an issue code when the finding comes from validation
    location: str | None = None
    path: str | None = None  # a file, for file checks
    line: int | None = None
    column: int | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"check": self.check, "outcome": self.outcome.value, "message": self.message,
                                "severity": self.severity}
        for key in ("code", "location", "path", "line", "column"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass(slots=True)
class TestResult:
    """A step of a scenario, or one file check: the unit a JUnit test case and a TestReport action map to."""

    __test__ = False  # not a pytest test class, whatever its name

    id: str
    title: str
    outcome: Outcome
    requirements: tuple[str, ...] = ()
    findings: list[Finding] = field(default_factory=list)
    message: str = ""  # why it was skipped or errored
    duration_ms: float = 0.0
    exchanges: list[dict[str, Any]] = field(default_factory=list)  # recorded HTTP, secrets redacted

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "outcome": self.outcome.value,
            "requirements": list(self.requirements),
            "message": self.message,
            "durationMs": round(self.duration_ms, 1),
            "findings": [f.to_json() for f in self.findings],
            "exchanges": self.exchanges,
        }


@dataclass(slots=True)
class GroupResult:
    """A scenario (steps) or a file-check group: Inferno's group, JUnit's testsuite."""

    id: str
    title: str
    kind: str  # scenario | file-check
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

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "outcome": self.outcome.value,
            "requirements": sorted(self.all_requirements),
            "message": self.message,
            "tests": [t.to_json() for t in self.tests],
        }


@dataclass(slots=True)
class RequirementResult:
    requirement: Requirement
    status: RequirementStatus
    evidence: list[str] = field(default_factory=list)  # ids of the tests that bear on it
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        r = self.requirement
        data: dict[str, Any] = {"id": r.id, "level": r.level, "description": r.description,
                                "status": self.status.value, "evidence": self.evidence, "message": self.message}
        if r.use_case:
            data["useCase"] = r.use_case
        if r.source:
            data["source"] = r.source
        return data


def requirement_results(requirements: Sequence[Requirement], groups: Sequence[GroupResult]) -> list[RequirementResult]:
    """Roll every test's outcome up to the requirements it names (see the module docstring)."""
    evidence: dict[str, list[tuple[str, Outcome]]] = {}
    for g in groups:
        for t in g.tests:
            for rid in set(t.requirements) | set(g.requirements):
                evidence.setdefault(rid, []).append((t.id, t.outcome))
        if not g.tests and g.outcome_override is not None:
            for rid in g.requirements:
                evidence.setdefault(rid, []).append((g.id, g.outcome_override))
    results: list[RequirementResult] = []
    for req in requirements:
        items = evidence.get(req.id, [])
        outcomes = {o for _, o in items}
        ids = [i for i, _ in items]
        if not items:
            status, message = RequirementStatus.NOT_TESTED, req.prerequisite or "no test covers this requirement"
        elif Outcome.ERROR in outcomes:
            status, message = RequirementStatus.ERROR, "a test that evidences it could not run"
        elif Outcome.FAIL in outcomes:
            if req.mandatory:
                status = RequirementStatus.FAILED
            elif req.level.upper() == "SHOULD":
                status = RequirementStatus.WARNING
            else:
                status = RequirementStatus.PASSED
            message = "failing evidence: " + ", ".join(i for i, o in items if o is Outcome.FAIL)
        elif Outcome.SKIP in outcomes:
            # part of the evidence did not run: the requirement is not shown to be met (as Inferno ranks skip
            # above pass), so an optional package left out can never make a requirement look passed
            skipped = [i for i, o in items if o is Outcome.SKIP]
            status = RequirementStatus.SKIPPED
            message = ("every test that evidences it was skipped" if len(skipped) == len(items)
                       else "not all of its evidence ran: " + ", ".join(skipped) + " skipped")
        else:
            status, message = RequirementStatus.PASSED, ""
        results.append(RequirementResult(req, status, ids, message))
    return results


@dataclass(slots=True)
class RunSummary:
    requirements: int
    passed: int
    failed: int
    warnings: int
    errors: int
    skipped: int
    not_tested: int

    @property
    def coverage(self) -> float:
        """Share of requirements with a verdict (passed, failed or warning)."""
        if not self.requirements:
            return 1.0
        return (self.passed + self.failed + self.warnings) / self.requirements

    def to_json(self) -> dict[str, Any]:
        return {"requirements": self.requirements, "passed": self.passed, "failed": self.failed,
                "warnings": self.warnings, "errors": self.errors, "skipped": self.skipped,
                "notTested": self.not_tested, "coverage": round(self.coverage, 4)}


@dataclass(slots=True)
class RunResult:
    """Everything a report needs about one run of a profile."""

    profile_id: str
    profile_version: str
    profile_title: str
    target: str
    started: str  # ISO 8601
    finished: str = ""
    groups: list[GroupResult] = field(default_factory=list)
    requirements: list[RequirementResult] = field(default_factory=list)
    packages: list[str] = field(default_factory=list)
    tool_version: str = ""
    incomplete: bool = False  # interrupted: reports show what ran
    command: list[str] = field(default_factory=list)  # the command line, secrets removed
    inputs: dict[str, str] = field(default_factory=dict)  # declared inputs used, secrets redacted

    def summary(self) -> RunSummary:
        counts = {s: 0 for s in RequirementStatus}
        for r in self.requirements:
            counts[r.status] += 1
        return RunSummary(len(self.requirements), counts[RequirementStatus.PASSED], counts[RequirementStatus.FAILED],
                          counts[RequirementStatus.WARNING], counts[RequirementStatus.ERROR],
                          counts[RequirementStatus.SKIPPED], counts[RequirementStatus.NOT_TESTED])

    def exit_code(self, *, require_all: bool = False) -> int:
        """0: everything required passed; 1: a conformance failure; 2: the tool could not do what was asked."""
        statuses = {r.status for r in self.requirements}
        if RequirementStatus.ERROR in statuses or any(g.outcome is Outcome.ERROR for g in self.groups):
            return 2
        if require_all and statuses & {RequirementStatus.NOT_TESTED, RequirementStatus.SKIPPED}:
            return 2
        if RequirementStatus.FAILED in statuses:
            return 1
        return 0

    def to_json(self) -> dict[str, Any]:
        return {
            "profile": {"id": self.profile_id, "version": self.profile_version, "title": self.profile_title},
            "target": self.target,
            "started": self.started,
            "finished": self.finished,
            "incomplete": self.incomplete,
            "tool": {"name": "conformance", "version": self.tool_version},
            "packages": self.packages,
            "command": self.command,
            "inputs": self.inputs,
            "summary": self.summary().to_json(),
            "requirements": [r.to_json() for r in self.requirements],
            "groups": [g.to_json() for g in self.groups],
        }
