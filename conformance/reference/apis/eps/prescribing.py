"""The prescribing operations: `$prepare`, and `$process-message` for prescription-order and prescription-order-update.

- `$prepare` answers a Parameters with the digest to sign (a base64 XML-DSig SignedInfo over the
  SHA-1 digest of the prescription, as EPS's RS1 signatures use), its timestamp and `algorithm` RS1.
- prescription-order: the verification errors, then MISSING_DIGITAL_SIGNATURE (no Provenance
  signature with data), FAILURE_TO_PROCESS_MESSAGE (a prescription ID whose ISO 7064 MOD 37-2
  check character is wrong, or an invalid NHS number), MISSING_VALUE (several dosage lines without
  sequence numbers), DUPLICATE_PRESCRIPTION_ID; else the prescription is held, 200.
- prescription-order-update (cancel): exactly one MedicationRequest with a statusReason (400
  `value`), then the cancel response: R-0008 (not found: OperationOutcome), R-0006 (already
  cancelled), R-0002 (with a dispenser), R-0004 (dispensed) as 400 Bundles, or R-0001, 200.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from conformance.reference.apis.eps.messages import prescription_id, resources
from conformance.reference.apis.eps.outcomes import error, invalid, success, value
from conformance.reference.apis.eps.prescriptions import Prescriptions
from conformance.reference.nhs import is_valid_nhs_number
from conformance.reference.service import Response
from conformance.terminology.check_characters import iso7064_mod37_2

NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
STATUS_REASON = "https://fhir.nhs.uk/StructureDefinition/Extension-DM-PrescriptionTaskStatusReason"
STATUS_HISTORY = "https://fhir.nhs.uk/CodeSystem/medicationrequest-status-history"
CANCEL_CODES = {"R-0001": "Prescription/item was cancelled",
                "R-0002": "Prescription/item was not cancelled. With dispenser. Marked for cancellation",
                "R-0004": "Prescription/item was not cancelled. Prescription has been dispensed.",
                "R-0006": "Prescription/item had already been cancelled"}


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def prepare(bundle: dict[str, Any]) -> Response:
    digest = base64.b64encode(hashlib.sha1(json.dumps(bundle, sort_keys=True).encode("utf-8")).digest()).decode()
    signed_info = ('<SignedInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><CanonicalizationMethod '
                   'Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"></CanonicalizationMethod><SignatureMethod '
                   'Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"></SignatureMethod><Reference><Transforms>'
                   '<Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"></Transform></Transforms>'
                   '<DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"></DigestMethod>'
                   f'<DigestValue>{digest}</DigestValue></Reference></SignedInfo>')
    return Response(200, {"resourceType": "Parameters", "parameter": [
        {"name": "digest", "valueString": base64.b64encode(signed_info.encode("utf-8")).decode()},
        {"name": "timestamp", "valueString": now()},
        {"name": "algorithm", "valueString": "RS1"}]})


def signed(bundle: dict[str, Any]) -> bool:
    for provenance in resources(bundle, "Provenance"):
        for signature in provenance.get("signature") or []:
            data = signature.get("data") if isinstance(signature, dict) else None
            try:
                if isinstance(data, str) and base64.b64decode(data, validate=True):
                    return True
            except ValueError:
                continue
    return False


def create(bundle: dict[str, Any], held: Prescriptions, *, check: bool = True) -> Response:
    items = resources(bundle, "MedicationRequest")
    short = prescription_id(items[0]) if items else None
    if check and not signed(bundle):
        raise invalid("Digital signature not found.", "MISSING_DIGITAL_SIGNATURE")
    numbers = [i.get("value") for p in resources(bundle, "Patient") for i in p.get("identifier") or []
               if isinstance(i, dict) and i.get("system") == NHS_NUMBER]
    if check and (not short or len(short) != 20 or iso7064_mod37_2(short[:-1]) != short[-1].upper()
                  or not numbers or not all(isinstance(n, str) and is_valid_nhs_number(n) for n in numbers)):
        raise invalid("Unable to process message: the prescription ID has an invalid checksum or the NHS number "
                      "is invalid.", "FAILURE_TO_PROCESS_MESSAGE")
    if check and any(len(m.get("dosageInstruction") or []) > 1
                     and any("sequence" not in d for d in m["dosageInstruction"]) for m in items):
        raise invalid("The request contains multiple dosage instruction lines but no corresponding dosage "
                      "sequence number.", "MISSING_VALUE")
    with held.lock:
        if check and held.get(short) is not None:
            raise error(400, "duplicate", f"Duplicate prescription ID {short} exists.", "DUPLICATE_PRESCRIPTION_ID")
        held.add(copy.deepcopy(bundle))
    return Response(200, success(f"Prescription {short} created."))


def cancel(bundle: dict[str, Any], held: Prescriptions, *, record: bool = True) -> Response:
    items = resources(bundle, "MedicationRequest")
    if len(items) != 1:
        raise value("The Bundle must contain exactly one MedicationRequest if MessageHeader.eventCoding.code is "
                    "'prescription-order-update'.")
    if not items[0].get("statusReason"):
        raise value("Expected MedicationRequest to have a value for statusReason.")
    short = prescription_id(items[0])
    with held.lock:
        found = held.get(short)
        if found is None:
            raise error(400, "not-found", "Prescription/item not found", "R-0008")
        code = {"cancelled": "R-0006", "with-dispenser": "R-0002", "dispensed": "R-0004",
                "claimed": "R-0004"}.get(found.state, "R-0001")
        if code == "R-0001" and record:
            found.state = "cancelled"
    return Response(200 if code == "R-0001" else 400, cancel_response(bundle, code, found.dispenser))


def cancel_response(request: dict[str, Any], code: str, dispenser: str | None) -> dict[str, Any]:
    """The cancel-response message: the request's resources, its MedicationRequest carrying the response code."""
    response = copy.deepcopy(request)
    response["id"] = str(uuid.uuid4())
    response["identifier"] = {"system": "https://tools.ietf.org/html/rfc4122", "value": response["id"]}
    header = response["entry"][0]["resource"]
    header["eventCoding"] = {"system": "https://fhir.nhs.uk/CodeSystem/message-event",
                             "code": "prescription-order-response", "display": "Prescription Order Response"}
    header["response"] = {"identifier": str((request.get("identifier") or {}).get("value") or request.get("id")),
                          "code": "ok" if code == "R-0001" else "fatal-error"}
    for item in resources(response, "MedicationRequest"):
        item["extension"] = [e for e in item.get("extension") or [] if e.get("url") != STATUS_REASON] + [{
            "url": STATUS_REASON, "extension": [
                {"url": "status", "valueCoding": {"system": STATUS_HISTORY, "code": code, "display": CANCEL_CODES[code]}},
                {"url": "statusDate", "valueDateTime": now()}]}]
        if dispenser and code == "R-0002":
            item["dispenseRequest"] = {**(item.get("dispenseRequest") or {}),
                                       "performer": {"identifier": {"system": "https://fhir.nhs.uk/Id/ods-organization-code",
                                                                    "value": dispenser}}}
    return response
