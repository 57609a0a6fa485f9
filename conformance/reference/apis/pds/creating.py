"""`POST /Patient` (create-patient): a record for a new patient, allocated a new NHS number, unless they match.

The body is the PatientCreateRequest schema: `name` (exactly one), `gender`, `birthDate`, `address` and
`extension` (the registering authority) are required, and nothing else but `resourceType` and
`telecom` is allowed (`additionalProperties: false`: 400 ADDITIONAL_PROPERTIES, "attempting to include
'pets'"); a missing field is 400 MISSING_VALUE, a second name 400 TOO_MANY_VALUES_SUBMITTED. The
demographics are matched against PDS first ("Only use this if a search for the patient has been done
and no NHS number can be found"): the same family and first given name, gender, date of birth and home
postcode as one current patient answers 200 SINGLE_MATCH (naming its NHS number), as several 200
MULTIPLE_MATCHES; otherwise the patient is created, 201 with the Patient and its new NHS number.
"""

from __future__ import annotations

import json
from typing import Any

from conformance.reference.apis.pds.outcomes import error, outcome
from conformance.reference.apis.pds.records import Patients
from conformance.reference.nhs import allocate_nhs_number
from conformance.reference.service import Request, Response
from conformance.validation.national import NHS_NUMBER_SYSTEM

REQUIRED = ("name", "gender", "birthDate", "address", "extension")
ALLOWED = frozenset({"resourceType", "telecom", *REQUIRED})


def _key(patient: dict[str, Any]) -> tuple[str, ...] | None:
    """What two records must share to be the same patient: family, first given name, gender, birth date, postcode."""
    name = next((n for n in patient.get("name") or [] if isinstance(n, dict) and n.get("use", "usual") == "usual"), None)
    home = next((a for a in patient.get("address") or [] if isinstance(a, dict) and a.get("use") == "home"), None)
    if name is None or home is None or not name.get("given"):
        return None
    return (str(name.get("family", "")).lower(), str(name["given"][0]).lower(), str(patient.get("gender")),
            str(patient.get("birthDate")), str(home.get("postalCode", "")).replace(" ", "").upper())


def body(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise error(400, "INVALID_VALUE", f"Invalid value - the body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise error(400, "INVALID_VALUE", "Invalid value - the body must be a Patient")
    extra = sorted(set(data) - ALLOWED)
    if extra:
        raise error(400, "ADDITIONAL_PROPERTIES", "Invalid request with error - additional properties are not "
                                                  f"allowed ('{extra[0]}' was unexpected)")
    missing = [name for name in REQUIRED if not data.get(name)]
    if missing:
        raise error(400, "MISSING_VALUE", f"Missing value - '{missing[0]}'")
    if len(data["name"]) > 1:
        raise error(400, "TOO_MANY_VALUES_SUBMITTED", "Too many values submitted - 'name' (at most 1)")
    return data


def create(request: Request, patients: Patients, check_matches: bool = True) -> Response:
    """The create answer (`check_matches` is for the fault that creates duplicates)."""
    data = body(request)
    key = _key(data)
    matches = [r.id for r in patients.current() if key is not None and _key(r.resource) == key]
    if check_matches and len(matches) == 1:
        return Response(200, outcome("SINGLE_MATCH", f"Unable to create new patient. A single match ({matches[0]}) "
                                                     "was found for the supplied demographic data."))
    if check_matches and matches:
        return Response(200, outcome("MULTIPLE_MATCHES", "Unable to create new patient. Multiple matches found for "
                                                         "supplied demographic data."))
    number = allocate_nhs_number(lambda n: patients.store.exists("Patient", n))
    patient = {k: v for k, v in data.items() if k != "resourceType"}
    patient["identifier"] = [{"system": NHS_NUMBER_SYSTEM, "value": number}]
    record, _ = patients.store.write("Patient", number, patient, (), must_be_new=True)
    return Response(201, record.resource, {"ETag": record.etag})
