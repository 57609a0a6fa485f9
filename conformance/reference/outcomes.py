"""OperationOutcomes the reference server answers errors with, and the error its handlers raise.

Every error carries a FHIR IssueType (`issue.code`) and one of our own error codes in
`details.coding` (system `ERROR_SYSTEM`), in the manner of England's national APIs, so a
scenario can check both. Validation findings travel with our stable issue codes, located by
`expression` (FHIRPath) and by line and column in `diagnostics`.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import Any

from conformance.issues import Issue

ERROR_SYSTEM = "https://fhir.nhs.uk/CodeSystem/conformance-reference-error"
ISSUE_CODE_SYSTEM = "urn:conformance:issue-code"

# our error code -> display
ERROR_CODES: dict[str, str] = {
    "RESOURCE_NOT_FOUND": "Resource not found",
    "INVALID_RESOURCE_ID": "Invalid resource id",
    "INVALID_SEARCH_DATA": "Invalid search data",
    "INVALID_RESOURCE": "Invalid resource",
    "INVALID_VALUE": "Invalid value",
    "MESSAGE_NOT_WELL_FORMED": "Message not well formed",
    "DUPLICATE_RESOURCE": "Duplicate resource",
    "PRECONDITION_FAILED": "Precondition failed",
    "ACCESS_DENIED": "Access denied",
    "NOT_ACCEPTABLE": "Not acceptable",
    "UNSUPPORTED_MEDIA_TYPE": "Unsupported media type",
    "UNSUPPORTED_SERVICE": "Unsupported service",
    "METHOD_NOT_ALLOWED": "Method not allowed",
    "LENGTH_REQUIRED": "Length required",
    "PAYLOAD_TOO_LARGE": "Payload too large",
    "SERVER_ERROR": "Internal server error",
}

# our validation codes -> R4 IssueType (by code, then by the code's first part)
_ISSUE_TYPE_BY_CODE = {"cardinality.min": "required", "value.too-long": "too-long", "profile.unknown": "not-found"}
_ISSUE_TYPE_BY_PREFIX = {
    "json": "structure", "structure": "structure", "cardinality": "structure", "choice": "structure",
    "extension": "structure", "value": "value", "binding": "code-invalid", "invariant": "invariant",
    "bundle": "invariant", "uk": "value",
}


class FhirError(Exception):
    """An HTTP error answered with an OperationOutcome."""

    def __init__(self, status: int, issue_type: str, error_code: str, message: str,
                 expression: str | None = None, headers: Mapping[str, str] | None = None,
                 outcome: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self._outcome = outcome
        self.status = status
        self.issue_type = issue_type
        self.error_code = error_code
        self.message = message
        self.expression = expression
        self.headers = dict(headers or {})

    def outcome(self) -> dict[str, Any]:
        if self._outcome is not None:
            return self._outcome
        return error_outcome(self.issue_type, self.error_code, self.message, self.expression)


def error_outcome(issue_type: str, error_code: str, message: str, expression: str | None = None) -> dict[str, Any]:
    issue: dict[str, Any] = {
        "severity": "error",
        "code": issue_type,
        "details": {"coding": [{"system": ERROR_SYSTEM, "code": error_code, "display": ERROR_CODES[error_code]}]},
        "diagnostics": message,
    }
    if expression:
        issue["expression"] = [expression]
    return outcome_with_issues([issue], message)


def findings_outcome(issues: Iterable[Issue]) -> dict[str, Any]:
    """One OperationOutcome issue per validation finding, located by expression, line and column."""
    entries = [_finding(i) for i in issues]
    summary = f"the resource has {sum(i['severity'] in ('error', 'fatal') for i in entries)} error(s)"
    return outcome_with_issues(entries, summary)


def _finding(issue: Issue) -> dict[str, Any]:
    # line and column go in diagnostics: the HL7 line/column extensions are not in the R4 core package,
    # and a reference server's answers must conform to base R4 as they are
    entry: dict[str, Any] = {"severity": issue.severity.value}
    entry["code"] = _ISSUE_TYPE_BY_CODE.get(issue.code) or _ISSUE_TYPE_BY_PREFIX.get(
        issue.code.partition(".")[0], "invalid")
    entry["details"] = {"coding": [{"system": ISSUE_CODE_SYSTEM, "code": issue.code}], "text": issue.message}
    if issue.line:
        entry["diagnostics"] = f"line {issue.line}, column {issue.column}"
    if issue.location:
        entry["expression"] = [issue.location]
    return entry


def outcome_with_issues(issues: list[dict[str, Any]], summary: str) -> dict[str, Any]:
    div = f'<div xmlns="http://www.w3.org/1999/xhtml"><p>{html.escape(summary)}</p></div>'
    return {"resourceType": "OperationOutcome", "text": {"status": "generated", "div": div}, "issue": issues}
