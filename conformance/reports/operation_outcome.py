"""Findings as FHIR R4 OperationOutcome (one per file; a collection Bundle for several).

Issue codes map to the R4 `IssueType` value set; our stable code travels in
`details.coding`, line and column in the extensions the HL7 validator uses.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from conformance.files.validate import FileResult
from conformance.issues import Issue

ISSUE_CODE_SYSTEM = "urn:conformance:issue-code"
LINE_EXT = "http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-line"
COL_EXT = "http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-col"
FILE_EXT = "http://hl7.org/fhir/StructureDefinition/operationoutcome-file"

_BY_CODE = {
    "file.unreadable": "exception",
    "file.too-large": "too-costly",
    "xml.dtd-forbidden": "security",
    "cardinality.min": "required",
    "id.missing-contained": "required",
    "value.too-long": "too-long",
    "profile.unknown": "not-found",
    "binding.not-expandable": "not-supported",
    "internal.error": "exception",
}
_BY_PREFIX = {
    "file": "invalid",
    "encoding": "invalid",
    "json": "structure",
    "xml": "structure",
    "ndjson": "structure",
    "structure": "structure",
    "cardinality": "structure",
    "choice": "structure",
    "extension": "structure",
    "value": "value",
    "binding": "code-invalid",
    "profile": "invalid",
    "invariant": "invariant",
    "bundle": "invariant",
}


def issue_type(code: str) -> str:
    """The R4 IssueType for one of our codes."""
    return _BY_CODE.get(code) or _BY_PREFIX.get(code.partition(".")[0], "processing")


def issue_to_fhir(issue: Issue) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    if issue.line:
        entry["extension"] = [
            {"url": LINE_EXT, "valueInteger": issue.line},
            {"url": COL_EXT, "valueInteger": issue.column},
        ]
    entry["severity"] = issue.severity.value
    entry["code"] = issue_type(issue.code)
    entry["details"] = {"coding": [{"system": ISSUE_CODE_SYSTEM, "code": issue.code}], "text": issue.message}
    if issue.location:
        entry["expression"] = [issue.location]
    return entry


def outcome(result: FileResult) -> dict[str, Any]:
    issues = [issue_to_fhir(i) for i in result.issues]
    if not issues:  # OperationOutcome.issue is 1..*: say that all is well
        issues = [{"severity": "information", "code": "informational", "details": {"text": "no issues found"}}]
    return {
        "resourceType": "OperationOutcome",
        "extension": [{"url": FILE_EXT, "valueString": result.path}],
        "issue": issues,
    }


def render(results: Sequence[FileResult]) -> str:
    if len(results) == 1:
        return json.dumps(outcome(results[0]), indent=2, ensure_ascii=False)
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": outcome(r)} for r in results],
    }
    return json.dumps(bundle, indent=2, ensure_ascii=False)
