"""The EPS API's error answers: OperationOutcomes coded with Spine-ErrorOrWarningCode.

The specification's `operation-outcome` schema: each issue has a severity, a FHIR IssueType `code`
and `details.coding` in `https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode`; the
verification errors (the "Errors" tables of the API description) give the IssueType and the
diagnostics, the system errors an EPS issue code such as `DUPLICATE_PRESCRIPTION_ID`.
"""

from __future__ import annotations

from typing import Any

from conformance.reference.outcomes import FhirError

SPINE = "https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode"
# the Spine code a verification error carries when the specification names none, by IssueType
_DEFAULT_CODE = {"value": "INVALID_VALUE", "invalid": "INVALID_VALUE", "structure": "INVALID_MESSAGE",
                 "not-supported": "NOT_SUPPORTED", "forbidden": "ACCESS_DENIED", "not-found": "NOT_FOUND",
                 "exception": "SERVER_ERROR", "business-rule": "BUSINESS_RULE", "duplicate": "DUPLICATE"}


def outcome(issue_type: str, code: str, text: str, severity: str = "error", system: str = SPINE) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": severity, "code": issue_type,
                       "details": {"coding": [{"system": system, "code": code, "display": text}]},
                       "diagnostics": text}]}


def error(status: int, issue_type: str, text: str, code: str | None = None,
          headers: dict[str, str] | None = None, contained: list[dict[str, Any]] | None = None) -> FhirError:
    """An EPS error answer to raise: `status` with one issue of `issue_type`, coded `code` (or the type's default)."""
    body = outcome(issue_type, code or _DEFAULT_CODE.get(issue_type, "INVALID_VALUE"), text)
    if contained:
        body = {"resourceType": "OperationOutcome", "contained": contained, "issue": body["issue"]}
    return FhirError(status, issue_type, code or "", text, headers=headers, outcome=body)


def value(text: str) -> FhirError:
    """400 `value`: a verification error in a value the specification constrains."""
    return error(400, "value", text)


def invalid(text: str, code: str | None = None) -> FhirError:
    return error(400, "invalid", text, code)


def success(text: str) -> dict[str, Any]:
    """The 200 answer of the operations that return no resource: an informational OperationOutcome."""
    return outcome("informational", "SUCCESS", text, severity="information")
