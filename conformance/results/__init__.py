"""The results model: outcomes, their roll-up to requirements, acceptance, attestations and the verdict.

- `outcomes`: `Outcome`, `Finding`, `TestResult`, `GroupResult` and their roll-up;
- `store`: `FindingStore`, a test's findings spilled to disk once they are many;
- `requirements`: `Requirement`, `RequirementResult` and the roll-up of evidence to requirements;
- `acceptance`: a baseline's acceptance of a failure, as plain data;
- `attestations`: an assessor's word on a manual requirement;
- `run`: `RunResult`, `RunSummary`;
- `scope`: the environment, attestations and partial selection a run is judged against;
- `verdict`: PASS / FAIL / INCOMPLETE / PARTIAL and the exit code — the one place they are decided.
"""

from conformance.results.acceptance import (
    Acceptance,
    BaselineEntryState,
    BaselineSummary,
    acceptance_of,
)
from conformance.results.attestations import Attestation, AttestationError, load_attestations
from conformance.results.outcomes import (
    REPRODUCE_LABEL,
    Finding,
    Findings,
    GroupResult,
    LazyArray,
    Outcome,
    TestResult,
    roll_up,
    test_reason,
)
from conformance.results.requirements import (
    Requirement,
    RequirementResult,
    RequirementStatus,
    requirement_results,
)
from conformance.results.run import RunResult, RunSummary
from conformance.results.scope import Scope, scoped
from conformance.results.store import FindingStore, failing_count, has_error
from conformance.results.verdict import RULES, Verdict, decide

__all__ = [
    "REPRODUCE_LABEL",
    "RULES",
    "Acceptance",
    "Attestation",
    "AttestationError",
    "BaselineEntryState",
    "BaselineSummary",
    "Finding",
    "FindingStore",
    "Findings",
    "GroupResult",
    "LazyArray",
    "Outcome",
    "Requirement",
    "RequirementResult",
    "RequirementStatus",
    "RunResult",
    "RunSummary",
    "Scope",
    "TestResult",
    "Verdict",
    "acceptance_of",
    "decide",
    "failing_count",
    "has_error",
    "load_attestations",
    "requirement_results",
    "roll_up",
    "scoped",
    "test_reason",
]
