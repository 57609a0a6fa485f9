"""Reading EPS message Bundles, and the verification errors the specification lists for them.

The checks are the rows of the "Verification errors" table of the API description that apply to
`$prepare` and `$process-message`: the MessageHeader's event, MedicationRequest intent, values that
must be the same in every MedicationRequest (dispenseRequest.performer), distinct MedicationRequest
identifiers, medicationReference and medicationCodeableConcept together, and a PractitionerRole
whose practitioner is not a reference to a resource within the Bundle.
"""

from __future__ import annotations

import json
from typing import Any

from conformance.reference.apis.eps.outcomes import error, invalid, value

EVENT_SYSTEM = "https://fhir.nhs.uk/CodeSystem/message-event"
EVENTS = ("prescription-order", "prescription-order-update", "dispense-notification")
ORDER_NUMBER = "https://fhir.nhs.uk/Id/prescription-order-number"
INTENTS = ("order", "original-order", "instance-order")


def resources(bundle: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle.get("entry") or [] if isinstance(e, dict)
            and isinstance(e.get("resource"), dict) and e["resource"].get("resourceType") == resource_type]


def event(bundle: dict[str, Any]) -> str | None:
    entries = bundle.get("entry") or []
    first = entries[0].get("resource") if entries and isinstance(entries[0], dict) else None
    if not isinstance(first, dict) or first.get("resourceType") != "MessageHeader":
        return None
    code = (first.get("eventCoding") or {}).get("code")
    return code if isinstance(code, str) else None


def prescription_id(item: dict[str, Any]) -> str | None:
    """The short-form prescription ID a MedicationRequest (or Task) belongs to: its groupIdentifier."""
    group = item.get("groupIdentifier") or {}
    found = group.get("value") if group.get("system") == ORDER_NUMBER else None
    return found if isinstance(found, str) else None


def verify(bundle: dict[str, Any], *, prepare: bool) -> str:
    """The message's event once the verification errors are ruled out (each raised as the 400 the table gives)."""
    code = event(bundle)
    if code not in EVENTS:
        raise value("MessageHeader.eventCoding.code must be one of: " + ", ".join(EVENTS) + ".")
    items = resources(bundle, "MedicationRequest")
    if any(m.get("intent") not in INTENTS for m in items):
        raise value("MedicationRequest.intent must be order, original-order or instance-order.")
    performers = {json.dumps(((m.get("dispenseRequest") or {}).get("performer")), sort_keys=True) for m in items}
    if len(performers) > 1:
        raise value("Expected all MedicationRequests to have the same value for dispenseRequest.performer. "
                    f"Received {sorted(performers)}.")
    identifiers = [json.dumps(m.get("identifier"), sort_keys=True) for m in items]
    if prepare and len(set(identifiers)) != len(identifiers):
        raise value("Expected all MedicationRequests to have a different value for identifier.")
    if any("medicationReference" in m and "medicationCodeableConcept" in m for m in items):
        raise error(400, "structure", "MedicationRequest cannot contain both medicationReference and "
                                      "medicationCodeableConcept fields.")
    full_urls = {e.get("fullUrl") for e in bundle.get("entry") or [] if isinstance(e, dict)}
    for role in resources(bundle, "PractitionerRole"):
        reference = (role.get("practitioner") or {}).get("reference")
        if reference not in full_urls:
            raise invalid("practitionerRole.practitioner populated incorrectly. Please populate with Reference to "
                          "resource within Bundle.")
    return str(code)
