"""The rules the EPS behaviour breaks on purpose, one per requirement family of `eps-fhir-api`.

Each `ApiFault` names the requirements that must fail, and only those, when it is on (the profile's
self-test in `tests/reference/apis/eps/` holds it to that). Faults that change a decision are read
where it is taken; those that change what goes out are applied here.
"""

from __future__ import annotations

from typing import Any

from conformance.reference.apis.base import ApiContext, ApiFault
from conformance.reference.apis.shared import answer_other_tracing_ids
from conformance.reference.service import Request, Response

HEADERS_NOT_CHECKED = "headers-not-checked"
TRACING_NOT_MIRRORED = "tracing-headers-not-mirrored"
TOKEN_NOT_CHECKED = "token-not-checked"
PLAIN_JSON = "plain-json-content-type"
RESOURCE_TYPE_UNCHECKED = "resource-type-unchecked"
PREPARE_UNVERIFIED = "prepare-accepts-invalid-messages"
ORDER_UNCHECKED = "order-accepts-invalid-prescriptions"
CANCEL_NOT_RECORDED = "cancel-not-recorded"
RELEASE_TO_ANYONE = "release-ignores-other-dispenser"
RETURN_STATE_UNCHECKED = "return-state-unchecked"
DISPENSE_AUTHORITY_UNCHECKED = "dispense-authority-unchecked"
WITHDRAW_CODE_UNCHECKED = "withdraw-code-unchecked"
CLAIM_ENDORSEMENT_UNCHECKED = "claim-endorsement-unchecked"
RELEASED_DMD_SYSTEM = "released-items-coded-dmd"
UNEXPECTED_ERROR_SYSTEM = "https://conformance.invalid/unexpected-error"  # what resource-type-unchecked answers with

FAULTS = (
    ApiFault(HEADERS_NOT_CHECKED, ("EPS-HDR-001", "EPS-HDR-004"),
             "requests without a valid X-Request-ID, or with a malformed NHSD-Session-URID, are served"),
    ApiFault(TRACING_NOT_MIRRORED, ("EPS-HDR-002", "EPS-HDR-003"),
             "X-Request-ID and X-Correlation-ID are answered with other values than the ones sent"),
    ApiFault(TOKEN_NOT_CHECKED, ("EPS-SEC-001",), "requests are served without a valid bearer token"),
    ApiFault(PLAIN_JSON, ("EPS-FHIR-001",), "answers are labelled application/json, not application/fhir+json"),
    ApiFault(RESOURCE_TYPE_UNCHECKED, ("EPS-ERR-001", "EPS-ERR-002"),
             "a body of the wrong resource type is read anyway and fails as a server error (500, not Spine-coded)"),
    ApiFault(PREPARE_UNVERIFIED, ("EPS-PRE-002", "EPS-PRE-003", "EPS-PRE-004", "EPS-PRE-005", "EPS-PRE-006",
                                  "EPS-PRE-007"),
             "$prepare encodes messages the verification errors should refuse"),
    ApiFault(ORDER_UNCHECKED, ("EPS-ORD-002", "EPS-ORD-003", "EPS-ORD-004", "EPS-ORD-005"),
             "prescription-orders are created unsigned, duplicated, with a wrong check character or without dosage sequences"),
    ApiFault(CANCEL_NOT_RECORDED, ("EPS-CAN-005",), "a cancellation answers R-0001 but the prescription stays active"),
    ApiFault(RELEASE_TO_ANYONE, ("EPS-REL-005",), "a prescription another dispenser has is released again"),
    ApiFault(RETURN_STATE_UNCHECKED, ("EPS-RET-005",), "a prescription not with the dispenser can be returned"),
    ApiFault(DISPENSE_AUTHORITY_UNCHECKED, ("EPS-DSP-002",),
             "dispense notifications without the reimbursement authority are accepted"),
    ApiFault(WITHDRAW_CODE_UNCHECKED, ("EPS-WDR-002",), "a withdraw Task without code is accepted"),
    ApiFault(CLAIM_ENDORSEMENT_UNCHECKED, ("EPS-CLM-002",), "claims without endorsement codes are accepted"),
    ApiFault(RELEASED_DMD_SYSTEM, ("EPS-MSG-005",),
             "released prescriptions code their products with system https://dmd.nhs.uk instead of SNOMED CT"),
)


def outgoing(response: Response, request: Request, ctx: ApiContext) -> Response:
    """The response as the active faults change it on the way out."""
    if ctx.has(TRACING_NOT_MIRRORED):
        answer_other_tracing_ids(response, request)
    if ctx.has(PLAIN_JSON):
        response.headers["Content-Type"] = "application/json"
    if ctx.has(RELEASED_DMD_SYSTEM) and response.body is not None and request.path == "/Task/$release":
        _recode_dmd(response.body)
    return response


def _recode_dmd(parameters: dict[str, Any]) -> None:
    for parameter in parameters.get("parameter") or []:
        for entry in (parameter.get("resource") or {}).get("entry") or []:
            for inner in entry.get("resource", {}).get("entry") or []:
                item = inner.get("resource") or {}
                for coding in (item.get("medicationCodeableConcept") or {}).get("coding") or []:
                    coding["system"] = "https://dmd.nhs.uk"
