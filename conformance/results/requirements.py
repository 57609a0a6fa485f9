"""Requirements and their roll-up: every test's outcome, every attestation, every out-of-scope reason.

How a requirement gets its status (the README's "How the verdict is decided" says the same):
- not applicable in the selected environment (the profile says so, with the specification's
  reason): `not-applicable` — listed, never counted as passed or failed;
- `manual` (witness testing): `passed`/`failed` only from an attestation, else `not-tested`
  with the reason "needs an attestation";
- automated: evidence that errored makes it `error`; failing evidence makes a MUST `failed`, a
  SHOULD `warning` and a MAY reported but passed; any skipped evidence makes it `skipped` —
  evidence that did not run never lets a requirement pass; no evidence at all is `not-tested`,
  with the reason (e.g. a package to install, or "not in this partial run").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, Protocol, TypeAlias

from conformance.results.acceptance import Acceptance, with_acceptance
from conformance.results.attestations import Attestation
from conformance.results.outcomes import GroupResult, Outcome

Level: TypeAlias = Literal["MUST", "SHALL", "SHOULD", "MAY"]
Verification: TypeAlias = Literal["automated", "manual"]


class RequirementStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    WARNING = "warning"  # a SHOULD with failing evidence
    ERROR = "error"
    SKIPPED = "skipped"
    NOT_TESTED = "not-tested"
    NOT_APPLICABLE = "not-applicable"  # out of scope in the selected environment, with the spec's reason


# statuses that are a verdict on the requirement (with acceptance, FAILED still counts as a verdict)
VERDICT_STATUSES = frozenset({RequirementStatus.PASSED, RequirementStatus.FAILED, RequirementStatus.WARNING})


@dataclass(frozen=True, slots=True)
class Requirement:
    """One line of a profile's requirement catalogue (the columns of an NHS assurance sheet)."""

    id: str
    level: Level
    description: str
    use_case: str = ""
    test_cases: str = ""
    evidence: str = ""
    source: str = ""
    prerequisite: str = ""  # why it may be untestable here (e.g. a package to install), shown when not tested
    verification: Verification = "automated"  # manual: satisfied only by an attestation

    @property
    def mandatory(self) -> bool:
        return self.level.upper() in ("MUST", "SHALL")

    @property
    def manual(self) -> bool:
        return self.verification == "manual"


@dataclass(slots=True)
class RequirementResult:
    requirement: Requirement
    status: RequirementStatus
    evidence: list[str] = field(default_factory=list)  # ids of the tests that bear on it
    message: str = ""  # why it has this status, for people
    accepted: Acceptance | None = None  # a baseline accepts its failure (it still failed)
    attestation: Attestation | None = None  # a manual requirement's verdict comes from here

    @property
    def has_verdict(self) -> bool:
        return self.status in VERDICT_STATUSES

    def to_json(self) -> dict[str, Any]:
        r = self.requirement
        data: dict[str, Any] = {"id": r.id, "level": r.level, "description": r.description,
                                "status": self.status.value, "evidence": self.evidence, "message": self.message}
        if r.use_case:
            data["useCase"] = r.use_case
        if r.source:
            data["source"] = r.source
        if r.manual:
            data["verification"] = "manual"
        if self.attestation is not None:
            data["attestation"] = self.attestation.to_json()
        return with_acceptance(data, self.accepted)


class OutOfScope(Protocol):
    """What the roll-up needs of an environment: why a requirement does not apply there, if it does not."""

    @property
    def id(self) -> str: ...

    def reason_not_applicable(self, requirement_id: str) -> Any: ...


def requirement_results(requirements: Sequence[Requirement], groups: Sequence[GroupResult], *,
                        environment: OutOfScope | None = None,
                        attestations: Mapping[str, Attestation] | None = None,
                        partial: str = "") -> list[RequirementResult]:
    """Roll every test's outcome up to the requirements it names (see the module docstring).

    `partial` names the restriction of a partial run (e.g. "--scenario read"): a requirement no
    selected test evidences is then "not in this partial run" rather than "no test covers it".
    """
    evidence: dict[str, list[tuple[str, Outcome, str]]] = {}
    for g in groups:
        for t in g.tests:
            for rid in set(t.requirements) | set(g.requirements):
                evidence.setdefault(rid, []).append((t.id, t.outcome, t.message or g.message))
        if not g.tests and g.outcome_override is not None:
            for rid in g.requirements:
                evidence.setdefault(rid, []).append((g.id, g.outcome_override, g.message))
    attested = attestations or {}
    results: list[RequirementResult] = []
    for req in requirements:
        out_of_scope = environment.reason_not_applicable(req.id) if environment is not None else None
        if out_of_scope is not None:
            results.append(RequirementResult(req, RequirementStatus.NOT_APPLICABLE, [],
                                             f"not applicable in {environment.id}: {out_of_scope.reason}"))  # type: ignore[union-attr]
        elif req.manual:
            results.append(_manual(req, attested.get(req.id)))
        else:
            results.append(_automated(req, evidence.get(req.id, []), partial))
    return results


def _manual(req: Requirement, attestation: Attestation | None) -> RequirementResult:
    if attestation is None:
        return RequirementResult(req, RequirementStatus.NOT_TESTED, [],
                                 "manual requirement: needs an attestation (--attestations FILE.yaml)")
    status = RequirementStatus.PASSED if attestation.passed else _failing_status(req)
    return RequirementResult(req, status, [], attestation.describe(), attestation=attestation)


def _failing_status(req: Requirement) -> RequirementStatus:
    if req.mandatory:
        return RequirementStatus.FAILED
    return RequirementStatus.WARNING if req.level.upper() == "SHOULD" else RequirementStatus.PASSED


def _automated(req: Requirement, items: list[tuple[str, Outcome, str]], partial: str) -> RequirementResult:
    outcomes = {o for _, o, _ in items}
    ids = [i for i, _, _ in items]
    if not items:
        if partial:
            return RequirementResult(req, RequirementStatus.NOT_TESTED, [], f"not in this partial run ({partial})")
        return RequirementResult(req, RequirementStatus.NOT_TESTED, [],
                                 req.prerequisite or "no test covers this requirement")
    if Outcome.ERROR in outcomes:
        return RequirementResult(req, RequirementStatus.ERROR, ids,
                                 "evidence could not run: " + _why(items, Outcome.ERROR))
    if Outcome.FAIL in outcomes:
        return RequirementResult(req, _failing_status(req), ids,
                                 "failing evidence: " + ", ".join(i for i, o, _ in items if o is Outcome.FAIL))
    if Outcome.SKIP in outcomes:
        # part of the evidence did not run: the requirement is not shown to be met (as Inferno ranks skip
        # above pass), so an optional package left out can never make a requirement look passed
        every = all(o is Outcome.SKIP for _, o, _ in items)
        message = ("every test that evidences it was skipped: " if every
                   else "not all of its evidence ran: ") + _why(items, Outcome.SKIP)
        return RequirementResult(req, RequirementStatus.SKIPPED, ids, message)
    return RequirementResult(req, RequirementStatus.PASSED, ids, "")


def _why(items: list[tuple[str, Outcome, str]], outcome: Outcome) -> str:
    """`test-a (reason); test-b (reason)` for the evidence with this outcome: the reason is never lost."""
    return "; ".join(f"{i} ({m})" if m else i for i, o, m in items if o is outcome)
