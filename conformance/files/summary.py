"""Findings of a check grouped by code, for a console that cannot show a million of them.

Each test's findings are grouped by issue code (in order of first appearance), with how many
there are, in how many files, and the first few locations; the JSON report keeps them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.results import Finding, Outcome, RunResult


@dataclass(slots=True)
class FindingGroup:
    test_id: str
    code: str
    severity: str
    count: int = 0
    paths: set[str] = field(default_factory=set)
    first: list[Finding] = field(default_factory=list)


def group_findings(result: RunResult, first: int = 5) -> list[FindingGroup]:
    """One group per (test, code, severity) with failing findings: tests in report order, within a
    test the errors first, each in order of first appearance."""
    groups: list[FindingGroup] = []
    for group in result.groups:
        for test in group.tests:
            by_code: dict[tuple[str, str], FindingGroup] = {}
            for f in test.findings:
                if f.outcome is not Outcome.FAIL:
                    continue
                key = (f.code or f.check, f.severity)
                held = by_code.get(key)
                if held is None:
                    held = by_code[key] = FindingGroup(test.id, key[0], f.severity)
                held.count += 1
                if f.path:
                    held.paths.add(f.path)
                if len(held.first) < first:
                    held.first.append(f)
            groups.extend(sorted(by_code.values(), key=lambda g: g.severity != "error"))
    return groups


def where(f: Finding) -> str:
    """`path:line:column location`, as much of it as is known."""
    text = f.path or ""
    if f.line:
        text += f":{f.line}" + (f":{f.column}" if f.column else "")
    if f.location:
        text += f" {f.location}" if text else f.location
    return text
