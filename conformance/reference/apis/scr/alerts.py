"""`POST /AuditEvent` (alert): a privacy alert when an SCR is accessed without the patient's permission.

The AuditEvent must have what the specification's schema requires (`id`, the
`Extension-SCR-NotificationMessage` extension, `type` in `SCR-AlertType` 1 or 2, one `subtype` in
`SCR-AlertReason` 1 to 6, `recorded`, three `agent`s, `source.observer.identifier`, `entity`), name
the patient by NHS number among its agents ("NHS number missing" otherwise), and use a permitted
type and subtype: the specification lists 1/5, 2/4 and 2/6 as "Not a permitted combination".
"""

from __future__ import annotations

from typing import Any

from conformance.reference.apis.scr.outcomes import invalid
from conformance.reference.nhs import is_valid_nhs_number
from conformance.validation.national import NHS_NUMBER_SYSTEM

NOTIFICATION = "https://fhir.nhs.uk/StructureDefinition/Extension-SCR-NotificationMessage"
ALERT_TYPE = "https://fhir.nhs.uk/CodeSystem/SCR-AlertType"
ALERT_REASON = "https://fhir.nhs.uk/CodeSystem/SCR-AlertReason"
NOT_PERMITTED = {("1", "5"), ("2", "4"), ("2", "6")}
_REQUIRED = ("id", "extension", "type", "subtype", "recorded", "agent", "source", "entity")


def check_alert(event: dict[str, Any], check_combination: bool = True) -> None:
    missing = [name for name in _REQUIRED if not event.get(name)]
    if missing:
        raise invalid("The AuditEvent is missing " + ", ".join(missing))
    if not any(isinstance(e, dict) and e.get("url") == NOTIFICATION and isinstance(e.get("valueString"), str)
               for e in event["extension"]):
        raise invalid(f"The AuditEvent needs the extension {NOTIFICATION} with a valueString")
    kind = event["type"] if isinstance(event["type"], dict) else {}
    if kind.get("system") != ALERT_TYPE or str(kind.get("code")) not in ("1", "2") or not kind.get("display"):
        raise invalid(f"Invalid value in field 'type': a code of {ALERT_TYPE} (1 or 2) with its display")
    subtypes = event["subtype"] if isinstance(event["subtype"], list) else []
    reason = subtypes[0] if len(subtypes) == 1 and isinstance(subtypes[0], dict) else {}
    if reason.get("system") != ALERT_REASON or str(reason.get("code")) not in ("1", "2", "3", "4", "5", "6") \
            or not reason.get("display"):
        raise invalid(f"Invalid value in field 'subtype': one code of {ALERT_REASON} (1 to 6) with its display")
    agents = event["agent"] if isinstance(event["agent"], list) else []
    if len(agents) != 3:
        raise invalid(f"The AuditEvent must have 3 agents, not {len(agents)}")
    numbers = [((a.get("who") or {}).get("identifier") or {}).get("value") for a in agents if isinstance(a, dict)
               and ((a.get("who") or {}).get("identifier") or {}).get("system") == NHS_NUMBER_SYSTEM]
    if not numbers or not isinstance(numbers[0], str):
        raise invalid("NHS number missing")
    if not is_valid_nhs_number(numbers[0]):
        raise invalid(f"Invalid value - '{numbers[0]}' in field 'agent': not a valid NHS number")
    observer = ((event["source"] if isinstance(event["source"], dict) else {}).get("observer") or {})
    if not (observer.get("identifier") or {}).get("value"):
        raise invalid("The AuditEvent's source.observer.identifier is missing")
    if check_combination and (str(kind["code"]), str(reason["code"])) in NOT_PERMITTED:
        raise invalid(f"Alert type {kind['code']} with reason {reason['code']} is not a permitted combination")
