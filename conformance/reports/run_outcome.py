"""File-check findings as FHIR R4 OperationOutcomes: one per file, in a collection Bundle.

The same shape `validate --format outcome` gives (see `operation_outcome.py`), for the files a
profile's file checks looked at: each failing finding with a file becomes an issue (severity,
IssueType, our code in `details.coding`, FHIRPath in `expression`, line and column in the HL7
extensions). A file whose checks all passed gets one informational "no issues found".
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from conformance.reports.operation_outcome import COL_EXT, FILE_EXT, ISSUE_CODE_SYSTEM, LINE_EXT, issue_type
from conformance.results import Finding, Outcome, RunResult, acceptance_of

FILE_NAME = "outcome.json"
MAX_ISSUES = 1000  # per file; the rest are counted (results.json lists every finding)


def render(result: RunResult) -> str:
    return json.dumps(bundle(result), indent=2, ensure_ascii=False) + "\n"


def bundle(result: RunResult) -> dict[str, Any]:
    by_file: dict[str, list[dict[str, Any]]] = {}
    more: Counter[str] = Counter()
    for group in result.groups:
        for test in group.tests:
            for f in test.findings:
                if not f.path:
                    continue
                issues = by_file.setdefault(f.path, [])
                if f.outcome is Outcome.FAIL:
                    if len(issues) < MAX_ISSUES:
                        issues.append(_issue(f))
                    else:
                        more[f.path] += 1
    for path, count in more.items():
        by_file[path].append({"severity": "information", "code": "informational", "details": {
            "text": f"{count:,} more issues in this file are not listed here; results.json has them all"}})
    entries = [{"resource": _outcome(path, issues)} for path, issues in by_file.items()]
    if result.incomplete:
        entries.append({"resource": {"resourceType": "OperationOutcome", "issue": [
            {"severity": "warning", "code": "incomplete",
             "details": {"text": "the run was interrupted: these outcomes cover the files checked before it stopped"}}]}})
    data: dict[str, Any] = {"resourceType": "Bundle", "type": "collection"}
    if entries:
        data["entry"] = entries
    return data


def _outcome(path: str, issues: list[dict[str, Any]]) -> dict[str, Any]:
    if not issues:  # OperationOutcome.issue is 1..*
        issues = [{"severity": "information", "code": "informational", "details": {"text": "no issues found"}}]
    return {"resourceType": "OperationOutcome", "extension": [{"url": FILE_EXT, "valueString": path}], "issue": issues}


def _issue(f: Finding) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    if f.line:
        entry["extension"] = [{"url": LINE_EXT, "valueInteger": f.line}, {"url": COL_EXT, "valueInteger": f.column or 1}]
    entry["severity"] = "error" if f.severity == "error" else "warning"
    entry["code"] = issue_type(f.code) if f.code else "invariant"
    text = f.message or f.check
    accepted = acceptance_of(f)
    if accepted is not None:
        text += f" (accepted by baseline entry {accepted.entry} until {accepted.expires}: {accepted.justification})"
    details: dict[str, Any] = {"text": text}
    if f.code:
        details["coding"] = [{"system": ISSUE_CODE_SYSTEM, "code": f.code}]
    entry["details"] = details
    if f.location:
        entry["expression"] = [f.location]
    return entry
