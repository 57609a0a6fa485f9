"""The patients PDS holds, by NHS number: current, superseded, invalidated and restricted records.

The seed is Patients whose id is their NHS number, RelatedPersons naming their patient by NHS number
(`patient.identifier`) and Coverages (EHIC details) whose id is their subscriber's NHS number. Two record states are written in the seed the way FHIR says them:
- superseded: the Patient's `link` of type `replaced-by` names the retained record
  (`other.reference` `Patient/<NHS number>`); reading, searching or asking for related people of the
  superseded number answers the retained record ("the `id` is not the same as the one requested");
- invalidated and not superseded ("also known as `redacted` in FHIR terminology"): `meta.security`
  `v3-Confidentiality|REDACTED` (a code of the specification's `meta.security` enum); reading it is
  404 INVALIDATED_RESOURCE and searches never return it.
A restricted (sensitive) patient carries `meta.security` `v3-Confidentiality|R`; what is withheld
from it is in `views.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conformance.reference.apis.pds.outcomes import error
from conformance.reference.nhs import is_valid_nhs_number, nhs_numbers
from conformance.reference.store import Record, Store
from conformance.validation.national import NHS_NUMBER_SYSTEM

CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"


def replaced_by(patient: dict[str, Any]) -> str | None:
    """The NHS number of the record that supersedes this one, if any."""
    for link in patient.get("link") or []:
        reference = ((link or {}).get("other") or {}).get("reference") if isinstance(link, dict) else None
        if link.get("type") == "replaced-by" and isinstance(reference, str) and reference.startswith("Patient/"):
            return reference.removeprefix("Patient/")
    return None


def _confidentiality(patient: dict[str, Any]) -> set[str]:
    return {str(s.get("code")) for s in (patient.get("meta") or {}).get("security") or []
            if isinstance(s, dict) and s.get("system") == CONFIDENTIALITY}


def is_invalidated(patient: dict[str, Any]) -> bool:
    return "REDACTED" in _confidentiality(patient)


def is_restricted(patient: dict[str, Any]) -> bool:
    return bool(_confidentiality(patient) & {"R", "V"})


def related_to(person: dict[str, Any]) -> str | None:
    identifier = (person.get("patient") or {}).get("identifier") or {}
    value = identifier.get("value") if identifier.get("system") == NHS_NUMBER_SYSTEM else None
    return value if isinstance(value, str) else None


def seed_problem(resource: dict[str, Any]) -> str | None:
    """What the PDS behaviour cannot serve from a seed resource (None: it can)."""
    kind, rid = resource.get("resourceType"), resource.get("id")
    if not isinstance(rid, str) or not rid:
        return "a seed resource needs an id"
    if kind == "Patient":
        if not is_valid_nhs_number(rid) or nhs_numbers(resource) not in ([], [rid]):
            return "a seed Patient's id must be its NHS number"
        return None
    if kind == "RelatedPerson":
        return None if related_to(resource) else "a seed RelatedPerson names its patient by NHS number"
    if kind == "Coverage":
        subscriber = ((resource.get("subscriber") or {}).get("identifier") or {}).get("value")
        return None if subscriber == rid else "a seed Coverage's id is its subscriber's NHS number"
    return "the PDS behaviour is seeded with Patients, RelatedPersons and Coverages only"


@dataclass(frozen=True, slots=True)
class Found:
    """The record answered for a requested NHS number (`record.id` differs when it was superseded)."""

    requested: str
    record: Record


class Patients:
    def __init__(self, store: Store) -> None:
        self.store = store

    def find(self, nhs_number: str, follow: bool = True, refuse_invalidated: bool = True) -> Found:
        """The current record for the NHS number; 404 RESOURCE_NOT_FOUND or INVALIDATED_RESOURCE otherwise."""
        record = self.store.read("Patient", nhs_number)
        seen = {nhs_number}
        while record is not None and follow and (successor := replaced_by(record.resource)) and successor not in seen:
            seen.add(successor)
            record = self.store.read("Patient", successor)
        if record is None:
            raise error(404, "RESOURCE_NOT_FOUND", f"Patient does not exist for given NHS number '{nhs_number}'")
        if refuse_invalidated and is_invalidated(record.resource):
            raise error(404, "INVALIDATED_RESOURCE", f"Resource '{nhs_number}' has been invalidated")
        return Found(nhs_number, record)

    def current(self, with_invalidated: bool = False) -> list[Record]:
        """The records a search may return: neither superseded nor invalidated."""
        return [r for r in self.store.current("Patient")
                if not replaced_by(r.resource) and (with_invalidated or not is_invalidated(r.resource))]

    def coverage(self, nhs_number: str) -> dict[str, Any] | None:
        """The patient's EHIC details, if PDS holds any."""
        record = self.store.read("Coverage", nhs_number)
        return record.resource if record else None

    def set_coverage(self, patient: Record, coverage: dict[str, Any]) -> Record:
        """Replace the patient's EHIC record; the patient's version moves on (the answer's ETag)."""
        updated, _ = self.store.write("Patient", patient.id, patient.resource, (), if_match=patient.version)
        self.store.write("Coverage", patient.id, coverage, ())
        return updated

    def related_people(self, nhs_number: str) -> list[dict[str, Any]]:
        return [r.resource for r in self.store.current("RelatedPerson") if related_to(r.resource) == nhs_number]
