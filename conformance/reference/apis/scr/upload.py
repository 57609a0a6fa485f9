"""`POST /Bundle` (upload-scr): a patient's SCR as a FHIR document Bundle; 201 when stored.

The Bundle must have what the specification's UploadBundle schema requires (`identifier`, `type`
"document", `timestamp`, `entry`) and a Composition with `meta.lastUpdated`, `identifier`
(`system`, `value`: the new SCR UUID), `status`, `type`, `category`, `subject` and `date`, and a
Patient entry with the NHS number. `title`, also listed as required by the schema, is not enforced:
the specification's own upload example has none, and it must be accepted. A patient without
consent to store an SCR is 403 `forbidden` ("There's no patient's consent to store SCR"); an SCR
UUID already stored is a duplicate event (400, as the specification's 4XX example shows).
"""

from __future__ import annotations

from typing import Any

from conformance.reference.apis.scr.outcomes import error, invalid
from conformance.reference.apis.scr.records import (
    DuplicateScr,
    ScrRecords,
    composition,
    scr_uuid,
    subject_nhs_number,
)
from conformance.reference.apis.shared import UUID
from conformance.reference.nhs import is_valid_nhs_number

_BUNDLE_REQUIRED = ("identifier", "type", "timestamp", "entry")
_COMPOSITION_REQUIRED = ("meta", "identifier", "status", "type", "category", "subject", "date")


def upload(bundle: dict[str, Any], records: ScrRecords, check_consent: bool = True) -> None:
    missing = [name for name in _BUNDLE_REQUIRED if not bundle.get(name)]
    if missing:
        raise invalid("The SCR Bundle is missing " + ", ".join(missing))
    if bundle.get("type") != "document":
        raise invalid(f"Invalid value - '{bundle.get('type')}' in field 'type': an SCR is a document Bundle")
    comp = composition(bundle)
    if comp is None:
        raise invalid("The SCR Bundle has no Composition entry")
    missing = [name for name in _COMPOSITION_REQUIRED if not comp.get(name)]
    if missing:
        raise invalid("The Composition is missing " + ", ".join(missing))
    uuid = scr_uuid(bundle)
    if uuid is None or not UUID.fullmatch(uuid):
        raise invalid(f"Invalid value - '{uuid}' in field 'Composition.identifier.value': an SCR identifier is a UUID")
    nhs_number = subject_nhs_number(bundle)
    if nhs_number is None or not is_valid_nhs_number(nhs_number):
        raise invalid("The SCR Bundle has no Patient entry with a valid NHS number")
    if check_consent and records.permission(nhs_number) in (None, "No"):
        raise error(403, "forbidden", "There's no patient's consent to store SCR")
    try:
        records.add(uuid, bundle)
    except DuplicateScr:
        raise invalid(f"[PSIS-30134] - Duplicate event with eventId {uuid} and nhsNumber {nhs_number}.") from None
