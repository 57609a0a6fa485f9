"""`GET /Patient/{id}/RelatedPerson` (get-related-people): the patient's related people in a searchset Bundle.

Each entry's `fullUrl` is `<base>/Patient/<NHS number>/RelatedPerson/<id>`, its resource a
RelatedPerson with `patient` and `relationship` (the schema requires them). "Related people are not
returned for a restricted patient and an empty bundle is returned." When no related people exist
for the NHS number (a number PDS does not hold), 404 RESOURCE_NOT_FOUND; an invalidated record,
404 INVALIDATED_RESOURCE (both from `Patients.find`).
"""

from __future__ import annotations

from typing import Any

from conformance.reference.apis.pds.records import Found, Patients, is_restricted
from conformance.reference.store import now_instant


def related_people(found: Found, patients: Patients, base_url: str, withhold: bool = True) -> dict[str, Any]:
    patient = found.record
    people = [] if withhold and is_restricted(patient.resource) else patients.related_people(patient.id)
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "timestamp": now_instant(),
                              "total": len(people)}
    if people:
        bundle["entry"] = [{"fullUrl": f"{base_url}/Patient/{patient.id}/RelatedPerson/{p['id']}", "resource": p}
                           for p in people]
    return bundle
