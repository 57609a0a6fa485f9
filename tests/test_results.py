"""The roll-up of outcomes to requirements and to the run's exit code (conformance/results.py)."""

from __future__ import annotations

import pytest

from conformance.results import (
    GroupResult,
    Outcome,
    Requirement,
    RequirementStatus,
    RunResult,
    TestResult,
    requirement_results,
    roll_up,
)

MUST = Requirement("R-MUST", "MUST", "a mandatory rule")
SHOULD = Requirement("R-SHOULD", "SHOULD", "a recommended rule")
MAY = Requirement("R-MAY", "MAY", "an optional rule")


def group(*tests: tuple[str, Outcome, tuple[str, ...]]) -> GroupResult:
    return GroupResult("g", "group", "scenario", [TestResult(i, i, o, reqs) for i, o, reqs in tests])


@pytest.mark.parametrize(("outcomes", "expected"), [
    ([], Outcome.SKIP),
    ([Outcome.PASS, Outcome.SKIP], Outcome.PASS),
    ([Outcome.PASS, Outcome.FAIL], Outcome.FAIL),
    ([Outcome.FAIL, Outcome.ERROR], Outcome.ERROR),
])
def test_group_roll_up_priority(outcomes: list[Outcome], expected: Outcome) -> None:
    assert roll_up(outcomes) is expected


@pytest.mark.parametrize(("requirement", "evidence", "status"), [
    (MUST, [Outcome.PASS, Outcome.PASS], RequirementStatus.PASSED),
    (MUST, [Outcome.PASS, Outcome.FAIL], RequirementStatus.FAILED),
    (SHOULD, [Outcome.FAIL], RequirementStatus.WARNING),
    (MAY, [Outcome.FAIL], RequirementStatus.PASSED),
    (MUST, [Outcome.FAIL, Outcome.ERROR], RequirementStatus.ERROR),
    (MUST, [Outcome.PASS, Outcome.SKIP], RequirementStatus.SKIPPED),  # evidence that did not run never passes
    (MUST, [Outcome.SKIP], RequirementStatus.SKIPPED),
    (MUST, [], RequirementStatus.NOT_TESTED),
])
def test_requirement_status_from_its_evidence(requirement: Requirement, evidence: list[Outcome],
                                              status: RequirementStatus) -> None:
    g = group(*[(f"t{i}", o, (requirement.id,)) for i, o in enumerate(evidence)])
    [result] = requirement_results([requirement], [g])
    assert result.status is status
    assert result.evidence == [f"t{i}" for i in range(len(evidence))]


@pytest.mark.parametrize(("evidence", "require_all", "code"), [
    ([Outcome.PASS], False, 0),
    ([Outcome.FAIL], False, 1),
    ([Outcome.ERROR], False, 2),
    ([], False, 2),  # a MUST without a verdict: INCOMPLETE
    ([], True, 2),
    ([Outcome.SKIP], True, 2),
])
def test_run_exit_code(evidence: list[Outcome], require_all: bool, code: int) -> None:
    g = group(*[(f"t{i}", o, (MUST.id,)) for i, o in enumerate(evidence)])
    run = RunResult("p", "1", "P", "target", "2026-01-01T00:00:00Z", groups=[g],
                    requirements=requirement_results([MUST], [g]), require_all=require_all)
    assert run.exit_code() == code
