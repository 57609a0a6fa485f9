"""One run of a profile: what ran, what it found per requirement, and the facts the verdict rests on.

Every output format (console, JSON, JUnit, HTML, TestReport, Markdown, SARIF) renders from a
`RunResult`, and every one shows the verdict of `verdict.decide`, so they can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from conformance.results.acceptance import BaselineSummary
from conformance.results.outcomes import GroupResult
from conformance.results.requirements import RequirementResult, RequirementStatus

if TYPE_CHECKING:
    from conformance.results.verdict import Verdict


@dataclass(slots=True)
class RunSummary:
    requirements: int
    passed: int
    failed: int
    warnings: int
    errors: int
    skipped: int
    not_tested: int
    not_applicable: int = 0
    accepted: int = 0  # failed requirements a baseline accepts (not counted in `failed`)

    @property
    def in_scope(self) -> int:
        return self.requirements - self.not_applicable

    @property
    def with_verdict(self) -> int:
        return self.passed + self.failed + self.warnings + self.accepted

    @property
    def coverage(self) -> float:
        """Share of the requirements in scope that have a verdict (passed, failed, warning or accepted)."""
        if not self.in_scope:
            return 1.0
        return self.with_verdict / self.in_scope

    def to_json(self) -> dict[str, Any]:
        return {"requirements": self.requirements, "passed": self.passed, "failed": self.failed,
                "warnings": self.warnings, "errors": self.errors, "skipped": self.skipped,
                "notTested": self.not_tested, "notApplicable": self.not_applicable, "accepted": self.accepted,
                "coverage": round(self.coverage, 4)}


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
    environment: str = ""  # the profile environment selected (run --environment)
    partial: str = ""  # the restriction of a partial run, e.g. "--scenario read"; empty: a full run
    interrupted: str = ""  # the signal that stopped the run (SIGINT, SIGTERM); implies incomplete
    unreachable: str = ""  # why the target could not be reached, when it could not
    require_all: bool = False  # every requirement in scope (not only MUST) needs a verdict
    baseline: BaselineSummary | None = None
    attestations: str = ""  # the attestations file used
    hint: str = ""  # a likely cause of the failures, e.g. every request refused with 401 and no --auth given

    def summary(self) -> RunSummary:
        counts = {s: 0 for s in RequirementStatus}
        accepted = 0
        for r in self.requirements:
            if r.accepted is not None and r.status in (RequirementStatus.FAILED, RequirementStatus.WARNING):
                accepted += 1
            else:
                counts[r.status] += 1
        return RunSummary(len(self.requirements), counts[RequirementStatus.PASSED], counts[RequirementStatus.FAILED],
                          counts[RequirementStatus.WARNING], counts[RequirementStatus.ERROR],
                          counts[RequirementStatus.SKIPPED], counts[RequirementStatus.NOT_TESTED],
                          counts[RequirementStatus.NOT_APPLICABLE], accepted)

    def verdict(self) -> Verdict:
        from conformance.results.verdict import decide

        return decide(self)

    def exit_code(self) -> int:
        return self.verdict().exit_code

    def to_json(self, stream: bool = False) -> dict[str, Any]:
        """The run as JSON; with `stream`, each test's findings as a `LazyArray` (see `reports.stream_json`)."""
        data: dict[str, Any] = {
            "profile": {"id": self.profile_id, "version": self.profile_version, "title": self.profile_title},
            "target": self.target,
            "started": self.started,
            "finished": self.finished,
            "incomplete": self.incomplete,
            "tool": {"name": "conformance", "version": self.tool_version},
            "packages": self.packages,
            "command": self.command,
            "inputs": self.inputs,
            "verdict": self.verdict().to_json(),
            "summary": self.summary().to_json(),
            "requirements": [r.to_json() for r in self.requirements],
            "groups": [g.to_json(stream) for g in self.groups],
        }
        for key, value in (("environment", self.environment), ("partial", self.partial),
                           ("interrupted", self.interrupted), ("unreachable", self.unreachable),
                           ("attestations", self.attestations), ("hint", self.hint)):
            if value:
                data[key] = value
        if self.require_all:
            data["requireAll"] = True
        if self.baseline is not None:
            data["baseline"] = self.baseline.to_json()
        return data
