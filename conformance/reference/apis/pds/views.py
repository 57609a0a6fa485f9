"""What of a patient each answer shows: the whole record on a read, less on a search, less still when restricted.

- Read: everything, except for a restricted patient, whose "location-sensitive fields such as
  `address`, `telecom` and `generalPractitioner` are removed".
- Search: "not the full set of data": names other than usual, nickname and temporary, addresses
  other than home, place of birth, pharmacy details, communication details and contact preferences
  are excluded; for a restricted patient `address`, `telecom`, `contact` and `generalPractitioner`
  are removed.
The restricted flag itself (`meta.security`) is always returned.
"""

from __future__ import annotations

from typing import Any

from conformance.reference.apis.pds.records import is_restricted

_UKCORE = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-"
SEARCH_EXCLUDED_EXTENSIONS = frozenset({
    f"{_UKCORE}NominatedPharmacy", f"{_UKCORE}PreferredDispenserOrganization", f"{_UKCORE}MedicalApplianceSupplier",
    f"{_UKCORE}NHSCommunication", f"{_UKCORE}ContactPreference",
    "http://hl7.org/fhir/StructureDefinition/patient-birthPlace",
})
SEARCH_NAME_USES = ("usual", "nickname", "temp")
READ_WITHHELD = ("address", "telecom", "generalPractitioner")
SEARCH_WITHHELD = ("address", "telecom", "contact", "generalPractitioner")


def read_view(patient: dict[str, Any], withhold: bool = True) -> dict[str, Any]:
    if withhold and is_restricted(patient):
        return {k: v for k, v in patient.items() if k not in READ_WITHHELD}
    return dict(patient)


def search_view(patient: dict[str, Any], withhold: bool = True, trim: bool = True) -> dict[str, Any]:
    shown = dict(patient)
    if trim:
        shown["name"] = [n for n in patient.get("name") or [] if n.get("use", "usual") in SEARCH_NAME_USES]
        shown["address"] = [a for a in patient.get("address") or [] if a.get("use") == "home"]
        shown["extension"] = [e for e in patient.get("extension") or [] if e.get("url") not in SEARCH_EXCLUDED_EXTENSIONS]
    if withhold and is_restricted(patient):
        shown = {k: v for k, v in shown.items() if k not in SEARCH_WITHHELD}
    return {k: v for k, v in shown.items() if v != []}
