"""`GET /DocumentReference` (get-scr-id): the UUID of a patient's latest SCR and their consent status.

Parameters, as specified: `patient` (required, `https://fhir.nhs.uk/Id/nhs-number|<NHS number>`;
"When no NHS Number is supplied in the patient query parameter, 400 HTTP status is returned"),
`type` (optional; "Must be equal" `http://snomed.info/sct|196981000000101`), `_sort` ("The only
supported value is _sort=date. If a different value is provided 400"), `_count` ("Currently the
only supported value is _count=1 ..."). The answer is a searchset Bundle with the latest SCR's
DocumentReference (masterIdentifier in `https://fhir.nhs.uk/Id/nhsSCRUUID`, the consent status in
`securityLabel`, the GET /Bundle URL in `content.attachment.url`) and the patient, or no entries
when the patient has no SCR.
"""

from __future__ import annotations

import uuid
from typing import Any

from conformance.reference.apis.scr.incoming import nhs_number_token, single
from conformance.reference.apis.scr.outcomes import invalid
from conformance.reference.apis.scr.records import PERMISSION_SYSTEM, ScrRecords
from conformance.reference.service import Request
from conformance.validation.national import NHS_NUMBER_SYSTEM

SCR_UUID_SYSTEM = "https://fhir.nhs.uk/Id/nhsSCRUUID"
GP_SUMMARY = {"system": "http://snomed.info/sct", "code": "196981000000101", "display": "General Practice Summary"}
TYPE_TOKEN = f"{GP_SUMMARY['system']}|{GP_SUMMARY['code']}"
_NAMESPACE = uuid.UUID("6f1d1c7e-5a43-4a56-9b1e-3f0a3c9e2d10")


def patient_uuid(nhs_number: str) -> str:
    """The patient's logical id in SCR answers: stable for an NHS number, never the number itself."""
    return str(uuid.uuid5(_NAMESPACE, f"Patient/{nhs_number}"))


def search(request: Request, records: ScrRecords, base_url: str, with_label: bool = True,
           identifier_use: str | None = None) -> dict[str, Any]:
    """The searchset; `with_label=False` and `identifier_use` exist for the faults that break them."""
    nhs_number = nhs_number_token(single(request, "patient"), "patient")
    kind = single(request, "type")
    if kind is not None and kind != TYPE_TOKEN:
        raise invalid(f"Invalid value - '{kind}' in field 'type': the only supported value is {TYPE_TOKEN}")
    sort = single(request, "_sort")
    if sort is not None and sort != "date":
        raise invalid(f"Invalid value - '{sort}' in field '_sort': the only supported value is date")
    count = single(request, "_count")
    if count is not None and count != "1":
        raise invalid(f"Invalid value - '{count}' in field '_count': the only supported value is 1")
    latest = records.latest(nhs_number)
    bundle: dict[str, Any] = {"resourceType": "Bundle", "id": str(uuid.uuid4()), "type": "searchset", "total": 0}
    if latest is None:
        return bundle
    permission = records.permission(nhs_number) or "Ask"
    pid = patient_uuid(nhs_number)
    document: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "id": str(uuid.uuid5(_NAMESPACE, f"DocumentReference/{latest.uuid}")),
        "masterIdentifier": {"system": SCR_UUID_SYSTEM, "value": latest.uuid},
        "status": "current",
        "type": {"coding": [GP_SUMMARY]},
        "subject": {"reference": f"Patient/{pid}"},
        "securityLabel": [{"coding": [{"system": PERMISSION_SYSTEM, "code": permission}]}],
        "content": [{"attachment": {"url": f"{base_url}/Bundle?composition.identifier={latest.uuid}"
                                           f"&composition.subject:Patient.identifier={NHS_NUMBER_SYSTEM}|{nhs_number}"}}],
        "context": {"event": [{"coding": [GP_SUMMARY]}]},
    }
    if not with_label:
        del document["securityLabel"]
    identifier = {"system": NHS_NUMBER_SYSTEM, "value": nhs_number, **({"use": identifier_use} if identifier_use else {})}
    bundle["total"] = 1
    bundle["entry"] = [
        {"fullUrl": f"{base_url}/DocumentReference/{document['id']}", "resource": document, "search": {"mode": "match"}},
        {"fullUrl": f"urn:uuid:{pid}", "resource": {"resourceType": "Patient", "id": pid, "identifier": [identifier]}},
    ]
    return bundle
