"""What the SCR behaviour keeps: patients with their ACS permission, and each patient's SCR documents.

- A patient the service knows is a `Patient` whose id is the NHS number; its permission to view the
  SCR (`https://fhir.nhs.uk/CodeSystem/SCR-ACSPermission`: Yes, No or Ask) is kept as a
  `meta.security` coding. A patient the service does not know has no consent to store an SCR
  (`POST /Bundle` 403) and cannot be given a permission (`$setPermission` 400), as in the
  specification's sandbox (NHS number 9111231130).
- An SCR is the uploaded document `Bundle`, stored under its SCR UUID (the Composition's
  `identifier.value`, which `GET /DocumentReference` returns as `masterIdentifier` and `GET /Bundle`
  takes as `composition.identifier`). A patient's latest SCR is the one stored last (ties: the later
  `Composition.date`); the others are out of date.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conformance.reference.nhs import is_valid_nhs_number, nhs_numbers
from conformance.reference.store import Record, Store, VersionConflict

PERMISSION_SYSTEM = "https://fhir.nhs.uk/CodeSystem/SCR-ACSPermission"
PERMISSIONS = ("Yes", "No", "Ask")


class DuplicateScr(Exception):
    """An SCR with this UUID is stored already."""


@dataclass(frozen=True, slots=True)
class Scr:
    uuid: str
    nhs_number: str
    bundle: dict[str, Any]
    stored: str  # when it was stored (FHIR instant)
    date: str  # Composition.date


def composition(bundle: dict[str, Any]) -> dict[str, Any] | None:
    for entry in bundle.get("entry") or []:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict) and resource.get("resourceType") == "Composition":
            return resource
    return None


def scr_uuid(bundle: dict[str, Any]) -> str | None:
    comp = composition(bundle) or {}
    identifier = comp.get("identifier")
    value = identifier.get("value") if isinstance(identifier, dict) else None
    return value if isinstance(value, str) else None


def subject_nhs_number(bundle: dict[str, Any]) -> str | None:
    """The NHS number of the Bundle's Patient entry (the one the Composition's subject names, else the first)."""
    patients = [e["resource"] for e in bundle.get("entry") or []
                if isinstance(e, dict) and isinstance(e.get("resource"), dict)
                and e["resource"].get("resourceType") == "Patient"]
    subject = ((composition(bundle) or {}).get("subject") or {}).get("reference", "")
    chosen = [p for p in patients if subject.endswith(f"Patient/{p.get('id')}")] or patients
    for patient in chosen:
        for number in nhs_numbers(patient):
            return number
    return None


def seed_problem(resource: dict[str, Any]) -> str | None:
    """What the SCR behaviour cannot serve from a seed resource (None: it can)."""
    kind = resource.get("resourceType")
    if kind == "Patient":
        if not is_valid_nhs_number(str(resource.get("id"))):
            return "a seed Patient's id must be its NHS number"
        return None
    if kind == "Bundle":
        if resource.get("type") != "document" or scr_uuid(resource) != resource.get("id"):
            return "a seed SCR is a document Bundle whose id is its Composition's identifier value"
        if subject_nhs_number(resource) is None:
            return "a seed SCR needs a Patient entry with an NHS number"
        return None
    return "the SCR behaviour is seeded with Patients and SCR document Bundles only"


class ScrRecords:
    def __init__(self, store: Store) -> None:
        self.store = store

    def patient(self, nhs_number: str) -> dict[str, Any] | None:
        record = self.store.read("Patient", nhs_number)
        return record.resource if record else None

    def permission(self, nhs_number: str) -> str | None:
        patient = self.patient(nhs_number)
        if patient is None:
            return None
        for coding in (patient.get("meta") or {}).get("security") or []:
            if coding.get("system") == PERMISSION_SYSTEM:
                return str(coding.get("code"))
        return "Ask"  # "permission to view is required" unless the patient said otherwise

    def set_permission(self, nhs_number: str, code: str) -> bool:
        """Record the patient's permission; False when the patient is not known."""
        patient = self.patient(nhs_number)
        if patient is None:
            return False
        meta = dict(patient.get("meta") or {})
        others = [c for c in meta.get("security") or [] if c.get("system") != PERMISSION_SYSTEM]
        meta["security"] = [*others, {"system": PERMISSION_SYSTEM, "code": code}]
        self.store.write("Patient", nhs_number, {**patient, "meta": meta}, ())
        return True

    def scrs(self, nhs_number: str) -> list[Scr]:
        """The patient's SCRs, latest first."""
        found = [self._scr(r) for r in self.store.current("Bundle")]
        mine = [s for s in found if s.nhs_number == nhs_number]
        return sorted(mine, key=lambda s: (s.stored, s.date), reverse=True)

    def latest(self, nhs_number: str) -> Scr | None:
        scrs = self.scrs(nhs_number)
        return scrs[0] if scrs else None

    def get(self, uuid: str) -> Scr | None:
        record = self.store.read("Bundle", uuid)
        return self._scr(record) if record else None

    def add(self, uuid: str, bundle: dict[str, Any]) -> Scr:
        try:
            record, _ = self.store.write("Bundle", uuid, bundle, (), must_be_new=True)
        except VersionConflict:
            raise DuplicateScr(uuid) from None
        return self._scr(record)

    @staticmethod
    def _scr(record: Record) -> Scr:
        bundle = record.resource
        date = (composition(bundle) or {}).get("date")
        return Scr(record.id, subject_nhs_number(bundle) or "", bundle, record.last_updated,
                   date if isinstance(date, str) else "")
