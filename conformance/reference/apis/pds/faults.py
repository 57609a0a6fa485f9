"""The rules the PDS behaviour breaks on purpose, one per requirement family of `personal-demographics`.

Each `ApiFault` names the requirements that must fail, and only those, when it is on (the profile's
self-test in `tests/reference/apis/pds/` holds it to that). Faults that change a decision are read
where it is taken (`service.py`); those that change what goes out are applied here.
"""

from __future__ import annotations

from conformance.reference.apis.base import ApiContext, ApiFault
from conformance.reference.apis.shared import answer_other_tracing_ids
from conformance.reference.service import Request, Response

HEADERS_NOT_CHECKED = "headers-not-checked"
TRACING_NOT_MIRRORED = "tracing-headers-not-mirrored"
NOT_DEDUPLICATED = "requests-not-deduplicated"
TOKEN_NOT_CHECKED = "token-not-checked"
PLAIN_JSON = "plain-json-content-type"
GENERIC_ERRORS = "errors-not-spine-coded"
NO_ETAG = "no-etag"
SUPERSEDED_NOT_FOLLOWED = "superseded-not-followed"
INVALIDATED_SERVED = "invalidated-records-served"
RESTRICTED_NOT_WITHHELD = "restricted-data-not-withheld"
SEARCH_RULES_UNCHECKED = "search-combinations-unchecked"
SEARCH_UNRANKED = "search-results-unranked"
SEARCH_UNLIMITED = "search-ignores-max-results"
SEARCH_FULL_RECORDS = "search-returns-full-records"
VERSION_UNCHECKED = "update-ignores-version"
PATCH_RULES_UNCHECKED = "patch-rules-unchecked"
RESTRICTED_UPDATABLE = "restricted-patients-updatable"
PATCH_NOT_ATOMIC = "patch-not-atomic"
CREATE_IGNORES_MATCHES = "create-ignores-matches"
COVERAGE_VERSION_UNCHECKED = "coverage-ignores-version"
ODS_HEADER_REFUSED = "ods-header-refused"
WILDCARDS_ANYWHERE = "wildcards-allowed-anywhere"
GIVEN_WILDCARD_ANY_NAME = "given-wildcard-matches-any-given-name"
FIELD_RULES_UNCHECKED = "patch-field-rules-unchecked"

FAULTS = (
    ApiFault(HEADERS_NOT_CHECKED, ("PDS-HDR-001", "PDS-HDR-002", "PDS-HDR-005"),
             "requests without X-Request-ID, with one that is not a UUID, or with a malformed NHSD-Session-URID are "
             "served"),
    ApiFault(TRACING_NOT_MIRRORED, ("PDS-HDR-003", "PDS-HDR-004"),
             "X-Request-ID and X-Correlation-ID are answered with other values than the ones sent"),
    ApiFault(NOT_DEDUPLICATED, ("PDS-HDR-006",),
             "a create re-sent with the same X-Request-ID is processed again (a second answer, not the first)"),
    ApiFault(ODS_HEADER_REFUSED, ("PDS-HDR-007",),
             "requests carrying NHSD-End-User-Organisation-ODS are refused as having a header the API does not know"),
    ApiFault(TOKEN_NOT_CHECKED, ("PDS-SEC-001", "PDS-SEC-002"), "requests are served without a valid bearer token"),
    ApiFault(PLAIN_JSON, ("PDS-FHIR-001",), "answers are labelled application/json, not application/fhir+json"),
    ApiFault(GENERIC_ERRORS, ("PDS-ERR-001",),
             "errors are coded in the server's own code system instead of Spine-ErrorOrWarningCode"),
    ApiFault(NO_ETAG, ("PDS-READ-003", "PDS-UPD-002", "PDS-COV-004"), "patients and coverage are answered without "
                                                                        "their ETag"),
    ApiFault(SUPERSEDED_NOT_FOLLOWED, ("PDS-READ-008",),
             "reading a superseded NHS number answers the superseded record, not the one that replaced it"),
    ApiFault(INVALIDATED_SERVED, ("PDS-READ-007", "PDS-SRCH-023", "PDS-REL-005"),
             "invalidated records are read, searched and asked for related people like any other"),
    ApiFault(RESTRICTED_NOT_WITHHELD, ("PDS-READ-009", "PDS-SRCH-021", "PDS-SRCH-022", "PDS-REL-002"),
             "restricted patients are answered with their location-sensitive data and related people"),
    ApiFault(SEARCH_RULES_UNCHECKED, ("PDS-SRCH-006", "PDS-SRCH-007", "PDS-SRCH-014"),
             "searches are run whatever the combination of parameters (no minimum, no fuzzy combinations)"),
    ApiFault(WILDCARDS_ANYWHERE, ("PDS-SRCH-012", "PDS-SRCH-029"),
             "family and given name wildcards are accepted in the first two characters"),
    ApiFault(GIVEN_WILDCARD_ANY_NAME, ("PDS-SRCH-028",),
             "a given-name wildcard matches any of the patient's given names, not only the first"),
    ApiFault(SEARCH_UNRANKED, ("PDS-SRCH-003",), "search results are listed worst match first"),
    ApiFault(SEARCH_UNLIMITED, ("PDS-SRCH-019",), "searches return every match, however many _max-results allows"),
    ApiFault(SEARCH_FULL_RECORDS, ("PDS-SRCH-020",),
             "searches return whole records (every name, address, pharmacy, communication and preference)"),
    ApiFault(VERSION_UNCHECKED, ("PDS-UPD-004",), "updates are applied whatever version If-Match names"),
    ApiFault(PATCH_RULES_UNCHECKED, ("PDS-UPD-009", "PDS-UPD-010"),
             "list items are added at any index and removed without a test before them"),
    ApiFault(FIELD_RULES_UNCHECKED, ("PDS-UPD-015", "PDS-UPD-016", "PDS-UPD-017", "PDS-UPD-018", "PDS-UPD-019",
                                     "PDS-UPD-020", "PDS-UPD-021", "PDS-UPD-022", "PDS-UPD-023",
                                     "PDS-UPD-024", "PDS-UPD-025", "PDS-UPD-026"),
             "patches are applied whatever the field rules say (gender other, a future date of birth, a period "
             "ending before it starts, characters a name may not hold, a second usual name or nickname, a contact that is not an emergency "
             "contact, a malformed email, a fax for a contact, a lower-case suffix, a period without a start or starting in the future)"),
    ApiFault(PATCH_NOT_ATOMIC, ("PDS-UPD-008",), "the patches before a failing one are kept"),
    ApiFault(RESTRICTED_UPDATABLE, ("PDS-UPD-013",), "restricted patients are updated like any other"),
    ApiFault(CREATE_IGNORES_MATCHES, ("PDS-CRT-002", "PDS-CRT-003"),
             "a new record and NHS number are created for a patient PDS already holds"),
    ApiFault(COVERAGE_VERSION_UNCHECKED, ("PDS-COV-007",), "coverage updates are applied whatever version If-Match names"),
)


def outgoing(response: Response, request: Request, ctx: ApiContext) -> Response:
    """The response as the active faults change it on the way out."""
    if ctx.has(TRACING_NOT_MIRRORED):
        answer_other_tracing_ids(response, request)
    if ctx.has(PLAIN_JSON):
        response.headers["Content-Type"] = "application/json"
    if ctx.has(NO_ETAG):
        response.headers.pop("ETag", None)
    return response
