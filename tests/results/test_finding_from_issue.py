"""`Finding.from_issue`: the one conversion of an `Issue` to a `Finding`, with the one severity mapping."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conformance.issues import Issue, Severity
from conformance.results import Finding, Outcome
from conformance.results.outcomes import finding_severity

PACKAGE = Path(__file__).resolve().parents[2] / "conformance"
# names of objects with a message and a code that are not Issues: the counted fold of bounded findings
NOT_ISSUES = {"fold"}


@pytest.mark.parametrize(("severity", "expected"), [
    (Severity.FATAL, "error"),
    (Severity.ERROR, "error"),
    (Severity.WARNING, "warning"),
    (Severity.INFORMATION, "warning"),  # reported, never failing (before: "error" in three of six copies)
])
def test_issue_severity_maps_to_finding_severity(severity: Severity, expected: str) -> None:
    assert finding_severity(severity) == expected
    assert Finding.from_issue(Issue(severity, "x.y", "m"), "check").severity == expected


def test_every_located_field_is_carried_over() -> None:
    issue = Issue(Severity.ERROR, "structure.cardinality", "too few", "Patient.name", 12, 5)
    finding = Finding.from_issue(issue, "export/Patient.ndjson", path="export/Patient.ndjson")
    assert finding == Finding("export/Patient.ndjson", Outcome.FAIL, "too few", "error", "structure.cardinality",
                              "Patient.name", "export/Patient.ndjson", 12, 5)


def test_unknown_position_and_location_become_none() -> None:
    finding = Finding.from_issue(Issue(Severity.WARNING, "a.b", "msg", "", 0, 0), "check")
    assert (finding.location, finding.path, finding.line, finding.column) == (None, None, None, None)
    assert finding.to_json() == {"check": "check", "outcome": "fail", "message": "msg", "severity": "warning",
                                 "code": "a.b"}


def test_a_rule_may_decide_the_severity() -> None:
    # a `validate` file rule with threshold "warning" makes a warning fail its test
    assert Finding.from_issue(Issue(Severity.WARNING, "a.b", "m"), "c", severity="error").severity == "error"


def _hand_conversions(path: Path) -> list[int]:
    """Lines where a `Finding(...)` is built from some `x.message` and `x.code` (an Issue converted by hand)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Finding":
            owners: dict[str, set[str]] = {}
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                if isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name):
                    owners.setdefault(arg.value.id, set()).add(arg.attr)
            if any({"message", "code"} <= attrs for owner, attrs in owners.items() if owner not in NOT_ISSUES):
                lines.append(node.lineno)
    return lines


def test_no_module_converts_an_issue_by_hand() -> None:
    found = {str(p.relative_to(PACKAGE)): lines for p in PACKAGE.rglob("*.py")
             if (lines := _hand_conversions(p)) and p.name != "outcomes.py"}
    assert found == {}


def test_the_guard_sees_a_hand_conversion(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("f = Finding(p, Outcome.FAIL, issue.message, 'error', issue.code)\n", encoding="utf-8")
    assert _hand_conversions(source) == [1]
