"""The PDS API's error answers: OperationOutcomes coded with Spine-ErrorOrWarningCode, as its tables list them.

Every 4XX response of the specification is an OperationOutcome whose issue has a severity, a FHIR
IssueType `code` and `details.coding` in `https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode`
(version 1, with the code's display), the particulars in `diagnostics`. The IssueType of each code is
the one the specification's examples show (MISSING_VALUE `required`, INVALID_VALUE `value`, ...).
TOO_MANY_MATCHES, SINGLE_MATCH and MULTIPLE_MATCHES are answered with status 200 (a completed search; a
create that found the patient already).
"""

from __future__ import annotations

from typing import Any

from conformance.reference.outcomes import FhirError

SPINE = "https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode"

# Spine code -> (FHIR IssueType, display)
CODES: dict[str, tuple[str, str]] = {
    "ACCESS_DENIED": ("forbidden", "Access denied"),
    "ADDITIONAL_PROPERTIES": ("structure", "Additional properties are not allowed"),
    "FORBIDDEN_UPDATE": ("forbidden", "Forbidden update"),
    "INVALID_RESOURCE_ID": ("value", "Resource Id is invalid"),
    "INVALID_SEARCH_DATA": ("value", "Search data is invalid"),
    "INVALID_UPDATE": ("structure", "Update is invalid"),
    "INVALID_VALUE": ("value", "Provided value is invalid"),
    "INVALIDATED_RESOURCE": ("not-found", "Resource that has been marked as invalid was requested"),
    "MISSING_VALUE": ("required", "Required value is missing"),
    "MULTIPLE_MATCHES": ("structure", "Multiple matches found"),
    "PRECONDITION_FAILED": ("business-rule", "Required condition was not fulfilled"),
    "RESOURCE_NOT_FOUND": ("not-found", "Resource not found"),
    "RESOURCE_VERSION_MISMATCH": ("business-rule", "Resource version mismatch"),
    "SERVER_ERROR": ("exception", "Unexpected internal server error"),
    "SINGLE_MATCH": ("structure", "Single match found"),
    "TOO_MANY_MATCHES": ("multiple-matches", "Too Many Matches"),
    "TOO_MANY_VALUES_SUBMITTED": ("invalid", "Too many values submitted"),
    "UNSUPPORTED_SERVICE": ("not-supported", "Unsupported Service"),
    # the error tables list it ("Invalid value in body of patch request") without an example: IssueType `value`
    # as INVALID_VALUE's, the display read from the code
    "UNSUPPORTED_CHARACTERS_IN_FIELD": ("value", "Unsupported characters in field"),
}


def outcome(code: str, diagnostics: str, severity: str = "error") -> dict[str, Any]:
    issue_type, display = CODES[code]
    return {"resourceType": "OperationOutcome", "issue": [{
        "severity": severity, "code": issue_type,
        "details": {"coding": [{"system": SPINE, "version": "1", "code": code, "display": display}]},
        "diagnostics": diagnostics}]}


def error(status: int, code: str, diagnostics: str, headers: dict[str, str] | None = None) -> FhirError:
    """A PDS error answer to raise: `status` with one issue coded `code` in Spine-ErrorOrWarningCode."""
    return FhirError(status, CODES[code][0], code, diagnostics, headers=headers, outcome=outcome(code, diagnostics))


def invalid_value(diagnostics: str) -> FhirError:
    return error(400, "INVALID_VALUE", diagnostics)


def invalid_search(diagnostics: str) -> FhirError:
    return error(400, "INVALID_SEARCH_DATA", diagnostics)


def invalid_update(diagnostics: str) -> FhirError:
    return error(400, "INVALID_UPDATE", f"Invalid update with error - {diagnostics}")


def too_many_matches() -> dict[str, Any]:
    """The 200 answer of a search that matched more patients than `_max-results` allows."""
    return outcome("TOO_MANY_MATCHES", "Too many matches were found - refine the search parameters",
                   severity="information")
