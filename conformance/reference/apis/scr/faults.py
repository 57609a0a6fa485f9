"""The rules the SCR behaviour breaks on purpose, one per requirement family of `summary-care-record`.

Each `ApiFault` names the requirements that must fail, and only those, when it is on (the
profile's self-test in `tests/reference/apis/scr/` holds it to that). Faults that change a
decision are read where it is taken (`service.py`); those that change what goes out are here.
"""

from __future__ import annotations

from conformance.reference.apis.base import ApiContext, ApiFault
from conformance.reference.apis.shared import answer_other_tracing_ids
from conformance.reference.service import Request, Response

NO_CONSENT_LABEL = "no-consent-label"
STALE_SCR_RETURNED = "stale-scr-returned"
UPLOAD_IGNORES_CONSENT = "upload-ignores-consent"
PERMISSION_NOT_RECORDED = "permission-not-recorded"
ALERT_COMBINATIONS_UNCHECKED = "alert-combinations-unchecked"
CONTENT_TYPE_UNCHECKED = "content-type-unchecked"
TOKEN_NOT_CHECKED = "token-not-checked"
TRACING_NOT_MIRRORED = "tracing-headers-not-mirrored"
INVALID_FHIR = "invalid-fhir-bundle"

FAULTS = (
    ApiFault(NO_CONSENT_LABEL, ("SCR-DOCREF-004", "SCR-ACS-002"),
             "GET /DocumentReference answers DocumentReferences without the consent securityLabel (so a permission set is not seen either)"),
    ApiFault(STALE_SCR_RETURNED, ("SCR-GET-006",),
             "GET /Bundle answers an out-of-date SCR UUID with that SCR instead of a Bundle with 0 entries"),
    ApiFault(UPLOAD_IGNORES_CONSENT, ("SCR-UPL-004",),
             "POST /Bundle stores SCRs of patients without consent to store one (201 instead of 403)"),
    ApiFault(PERMISSION_NOT_RECORDED, ("SCR-ACS-002",),
             "POST /$setPermission answers 201 but the permission is not recorded"),
    ApiFault(ALERT_COMBINATIONS_UNCHECKED, ("SCR-ALERT-002",),
             "POST /AuditEvent accepts the alert type and reason combinations the specification does not permit"),
    ApiFault(CONTENT_TYPE_UNCHECKED, ("SCR-HDR-005",),
             "POSTs are read whatever their Content-Type (no 415)"),
    ApiFault(TOKEN_NOT_CHECKED, ("SCR-SEC-001", "SCR-SEC-002"),
             "requests are served without a valid bearer token"),
    ApiFault(TRACING_NOT_MIRRORED, ("SCR-HDR-001", "SCR-HDR-002"),
             "X-Request-ID and X-Correlation-ID are answered with other values than the ones sent"),
    ApiFault(INVALID_FHIR, ("SCR-FHIR-001",),
             "the Patient entry of GET /DocumentReference has an identifier use outside FHIR's required value set"),
)


def outgoing(response: Response, request: Request, ctx: ApiContext) -> Response:
    """The response as the active faults change it on the way out."""
    if ctx.has(TRACING_NOT_MIRRORED):
        answer_other_tracing_ids(response, request)
    return response
