"""The dispensing operations: `Task/$release`, `Task` (return, withdraw), dispense notifications and `Claim`.

- release (Parameters: owner, status, agent, and group-identifier for a patient release): owner
  missing, 400 `invalid`; an agent whose practitioner is a reference, 400 `invalid`; an unknown
  prescription, 400 RESOURCE_NOT_FOUND; one released to another dispenser, 400
  PRESCRIPTION_WITH_ANOTHER_DISPENSER with that dispenser in `contained`; otherwise a Parameters
  whose `passedPrescriptions` is a searchset Bundle of prescription-order messages. A nominated
  release (no group-identifier) releases up to 25 prescriptions nominated to the owner. Releasing
  again to the dispenser that has it gives it again.
- Task: status `rejected` returns a prescription (statusReason in
  EPS-task-dispense-return-status-reason), `in-progress` withdraws the last dispense notification
  (code required); any other status is 400 `value`; an unknown prescription is 400
  PRESCRIPTION_NOT_FOUND, one not in the state the action needs 400 INVALID_STATE_TRANSITION.
- dispense notification: the Organization must name the reimbursement authority
  (Extension-ODS-OrganisationRelationships `reimbursementAuthority`), else 400 `invalid`.
- Claim: every dispensed item carries an endorsement code, else 400 `invalid`.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from conformance.reference.apis.eps.messages import ORDER_NUMBER, prescription_id, resources
from conformance.reference.apis.eps.outcomes import error, invalid, success, value
from conformance.reference.apis.eps.prescriptions import Prescription, Prescriptions
from conformance.reference.service import Response

ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
RETURN_REASONS = "https://fhir.nhs.uk/CodeSystem/EPS-task-dispense-return-status-reason"
RELATIONSHIPS = "https://fhir.nhs.uk/StructureDefinition/Extension-ODS-OrganisationRelationships"
ENDORSEMENTS = "https://fhir.nhs.uk/CodeSystem/medicationdispense-endorsement"
GROUP_IDENTIFIER = "https://fhir.nhs.uk/StructureDefinition/Extension-DM-GroupIdentifier"


def _parameter(body: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((p for p in body.get("parameter") or [] if isinstance(p, dict) and p.get("name") == name), None)


def _ods(resource: dict[str, Any] | None) -> str | None:
    for ident in (resource or {}).get("identifier") or []:
        if isinstance(ident, dict) and ident.get("system") == ODS and isinstance(ident.get("value"), str):
            return str(ident["value"])
    return None


def _organization(ods: str) -> dict[str, Any]:
    return {"resourceType": "Organization", "id": ods, "identifier": [{"system": ODS, "value": ods}]}


def release(body: dict[str, Any], held: Prescriptions, *, other_dispensers: bool = True) -> Response:
    owner = _parameter(body, "owner")
    owner_ods = _ods(owner.get("resource")) if owner else None
    if owner is None or owner_ods is None:
        raise invalid("Required parameter owner is missing.")
    agent = (_parameter(body, "agent") or {}).get("resource") or {}
    if "reference" in (agent.get("practitioner") or {}):
        raise invalid('Parameters.parameter("agent").resource.practitioner populated incorrectly. Please populate '
                      "with Identifier and Display.")
    group = _parameter(body, "group-identifier")
    with held.lock:
        if group is None:
            released = held.nominated_to(owner_ods)
        else:
            short = (group.get("valueIdentifier") or {}).get("value")
            found = held.get(short)
            if found is None:
                raise error(400, "not-found", f"The prescription ID {short} does not exist.", "RESOURCE_NOT_FOUND")
            if found.state == "with-dispenser" and found.dispenser != owner_ods and other_dispensers:
                raise error(400, "business-rule", "Another dispenser has previously released this prescription.",
                            "PRESCRIPTION_WITH_ANOTHER_DISPENSER", contained=[_organization(found.dispenser or "")])
            if found.state not in ("to-be-dispensed", "with-dispenser"):
                raise error(400, "business-rule", f"The prescription is {found.state}; it cannot be released.",
                            "PRESCRIPTION_INVALID_STATE_TRANSITION")
            released = [found]
        for p in released:
            p.state, p.dispenser = "with-dispenser", owner_ods
        messages = [copy.deepcopy(p.message) for p in released]
    return Response(200, released_parameters(messages))


def released_parameters(messages: list[dict[str, Any]]) -> dict[str, Any]:
    bundle_id = str(uuid.uuid4())
    passed = {"resourceType": "Bundle", "id": bundle_id,
              "identifier": {"system": "https://tools.ietf.org/html/rfc4122", "value": bundle_id},
              "type": "searchset", "total": len(messages),
              "entry": [{"fullUrl": f"urn:uuid:{m.get('id') or uuid.uuid4()}", "search": {"mode": "match"}, "resource": m}
                        for m in messages]}
    return {"resourceType": "Parameters", "id": str(uuid.uuid4()),
            "parameter": [{"name": "passedPrescriptions", "resource": passed}]}


def _held(held: Prescriptions, short: str | None) -> Prescription:
    found = held.get(short)
    if found is None:
        raise error(400, "not-found", "Prescription not found.", "PRESCRIPTION_NOT_FOUND")
    return found


def _transition() -> Exception:
    return error(400, "business-rule", "Invalid State Transition for Prescription.", "INVALID_STATE_TRANSITION")


def task(body: dict[str, Any], held: Prescriptions, *, check_state: bool = True, check_code: bool = True) -> Response:
    status = body.get("status")
    if status not in ("in-progress", "rejected"):
        raise value("Task.status must be one of: 'in-progress', 'rejected'")
    if status == "in-progress" and not body.get("code") and check_code:
        raise value("Task.code is required when Task.status is 'in-progress'.")
    if status == "rejected":
        codings = (body.get("statusReason") or {}).get("coding") or []
        if not any(isinstance(c, dict) and c.get("system") == RETURN_REASONS and c.get("code") for c in codings):
            raise value(f"Task.reasonCode must have a system of '{RETURN_REASONS}' and a value from that system.")
    with held.lock:
        found = _held(held, prescription_id(body))
        owner = ((body.get("owner") or {}).get("identifier") or {}).get("value")  # a Reference by identifier
        if status == "rejected":
            if check_state and (found.state != "with-dispenser" or found.dispenser != owner):
                raise _transition()
            found.state, found.dispenser = "to-be-dispensed", None
            return Response(200, success(f"Prescription {found.short_id} returned."))
        if check_state and found.state != "dispensed":
            raise _transition()
        found.state = "with-dispenser"
    return Response(200, success(f"Dispense notification for {found.short_id} withdrawn."))


def dispense(bundle: dict[str, Any], held: Prescriptions, *, check_authority: bool = True) -> Response:
    organizations = resources(bundle, "Organization")
    authority = [x for o in organizations for e in o.get("extension") or [] if e.get("url") == RELATIONSHIPS
                 for x in e.get("extension") or [] if x.get("url") == "reimbursementAuthority"]
    if check_authority and not authority:
        raise invalid("The dispense notification is missing the reimbursement authority and it should be provided.")
    if authority and not any(_ods({"identifier": [x.get("valueIdentifier") or {}]}) for x in authority):
        raise invalid("The dispense notification is missing the ODS code for the reimbursement authority and it "
                      "should be provided.")
    items = [c for d in resources(bundle, "MedicationDispense") for c in d.get("contained") or []
             if isinstance(c, dict) and c.get("resourceType") == "MedicationRequest"]
    short = prescription_id(items[0]) if items else None
    with held.lock:
        found = _held(held, short)
        if found.state not in ("with-dispenser", "dispensed"):
            raise error(400, "business-rule", f"The prescription is {found.state}.", "PRESCRIPTION_INVALID_STATE_TRANSITION")
        found.state = "dispensed"
    return Response(200, success(f"Dispense notification for {short} accepted."))


def claim(body: dict[str, Any], held: Prescriptions, *, check_endorsement: bool = True) -> Response:
    details = [d for item in body.get("item") or [] for d in item.get("detail") or []]
    endorsed = all(any(c.get("system") == ENDORSEMENTS and c.get("code") for pc in d.get("programCode") or []
                       for c in pc.get("coding") or []) for d in details)
    if check_endorsement and (not details or not endorsed):
        raise invalid("The claim is missing the required endorsement code.")
    short = next((x.get("valueIdentifier", {}).get("value") for e in (body.get("prescription") or {}).get("extension") or []
                  if e.get("url") == GROUP_IDENTIFIER for x in e.get("extension") or []
                  if x.get("url") == "shortForm" and (x.get("valueIdentifier") or {}).get("system") == ORDER_NUMBER), None)
    with held.lock:
        found = _held(held, short)
        if found.state not in ("dispensed", "claimed"):
            raise error(400, "business-rule", f"The prescription is {found.state}; only a dispensed one is claimed.",
                        "PRESCRIPTION_INVALID_LINE_STATE_TRANSITION")
        found.state = "claimed"
    return Response(200, success(f"Claim for {short} accepted."))
