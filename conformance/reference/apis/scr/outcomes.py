"""The Summary Care Record API's error answers, shaped as its specification shows them.

Its 4XX responses are OperationOutcomes whose one issue has severity `error`, an IssueType code
from the table of each operation (400 `invalid`, 401 and 403 `forbidden`, 415 `not-supported`)
and the explanation in `details.text`; its 5XX responses name the error in `details.coding`
with the SCR code system `https://fhir.nhs.uk/CodeSystem/Spine-ErrorOrWarningCode` (no `/R4/`
segment, unlike PDS and EPS), version 1, code `UNKNOWN_ERROR`.
"""

from __future__ import annotations

from typing import Any

from conformance.reference.outcomes import FhirError

ERROR_SYSTEM = "https://fhir.nhs.uk/CodeSystem/Spine-ErrorOrWarningCode"
SUPPORT = "https://digital.nhs.uk/developer/help-and-support"


def outcome(issue_type: str, text: str) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": issue_type, "details": {"text": text}}]}


def error(status: int, issue_type: str, text: str, headers: dict[str, str] | None = None) -> FhirError:
    """An SCR error response to raise: `status` with an OperationOutcome of one issue."""
    return FhirError(status, issue_type, "", text, headers=headers, outcome=outcome(issue_type, text))


def invalid(text: str) -> FhirError:
    """400 `invalid`: "Bad request, error in business logic on the client's side"."""
    return error(400, "invalid", text)


def server_error(message_id: str) -> dict[str, Any]:
    """The 500 body of the specification's example, with this request's message id."""
    return {"resourceType": "OperationOutcome", "issue": [{
        "severity": "error", "code": "unknown",
        "details": {"coding": [{"system": ERROR_SYSTEM, "version": "1", "code": "UNKNOWN_ERROR",
                                "display": "Unknown Error"}]},
        "diagnostics": "An unknown server-side error occurred processing this request. Contact us for assistance "
                       f"diagnosing this issue: {SUPPORT}. (Message ID: {message_id})"}]}
