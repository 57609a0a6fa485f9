"""`validate`'s findings as a `RunResult`, so every report format (SARIF, JUnit, HTML, GitHub annotations, ...)
serves `validate` as it serves `run` and `check` — one test per file, one finding per issue.

Validation has no requirement catalogue, so the run carries one requirement, VALID ("every file is valid"),
evidenced by every file: the verdict in every format is `validate`'s own (fail when an error or fatal issue
exists). Information-level issues are left out, as in the text output.
"""

from __future__ import annotations

from collections.abc import Sequence

from conformance import __version__
from conformance.files.validate import FileResult
from conformance.issues import Severity
from conformance.results import (
    Finding,
    GroupResult,
    Outcome,
    Requirement,
    RunResult,
    TestResult,
    requirement_results,
)

VALID = Requirement("VALID", "MUST", "Every file is valid FHIR R4 (no issue of severity error or fatal), "
                    "against the loaded packages and the profiles applied.")


def validation_run(results: Sequence[FileResult], *, packages: Sequence[str], target: str, started: str,
                   finished: str, command: Sequence[str] = ()) -> RunResult:
    tests: list[TestResult] = []
    for r in results:
        findings = [
            Finding.from_issue(i, r.path, path=r.path) for i in r.issues if i.severity is not Severity.INFORMATION
        ]
        title = f"{r.path} ({r.resource_type})" if r.resource_type else r.path
        tests.append(TestResult(r.path, title, Outcome.PASS if r.valid else Outcome.FAIL, (VALID.id,), findings))
    group = GroupResult("validate", "FHIR R4 validation", "file-check", tests)
    return RunResult("validate", "", "FHIR validation", target, started, finished, groups=[group],
                     requirements=requirement_results([VALID], [group]), packages=list(packages),
                     tool_version=__version__, command=list(command))
