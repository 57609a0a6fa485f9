"""`GET /Coverage` (get-coverage) and `POST /Coverage` (post-coverage): a patient's EHIC details.

- GET: the only search is `subscriber:identifier=<NHS number>` ("Coverage search request must follow
  the format /Coverage?subscriber:identifier=NHS_NUMBER", else 400 INVALID_SEARCH_DATA; an invalid NHS
  number 400 INVALID_RESOURCE_ID); the answer is a searchset Bundle with zero or one Coverage, its
  `meta.versionId` and `ETag` the patient's version, "that can be used to apply an update"; a
  superseded NHS number answers the retained record's coverage.
- POST: `If-Match` with the patient's version (412 PRECONDITION_FAILED without, 409
  RESOURCE_VERSION_MISMATCH when old); the Coverage must have every EHIC field its schema requires
  ("they must enter information for all the EHIC data fields": status, subscriber, beneficiary, payor,
  identifier with value and assigner, period; 400 MISSING_VALUE otherwise); it replaces the patient's
  EHIC record and moves the patient's version on: 201 with the Coverage in a searchset Bundle and the
  new `ETag`.
"""

from __future__ import annotations

import json
from typing import Any

from conformance.reference.apis.pds.incoming import nhs_number
from conformance.reference.apis.pds.outcomes import error, invalid_search
from conformance.reference.apis.pds.records import Found, Patients
from conformance.reference.apis.pds.updating import expected_version
from conformance.reference.service import Request, Response
from conformance.reference.store import Record, VersionConflict, now_instant
from conformance.validation.national import NHS_NUMBER_SYSTEM

SUBSCRIBER = "subscriber:identifier"
REQUIRED = ("status", "subscriber", "beneficiary", "payor", "identifier", "period")


def subscriber(request: Request) -> str:
    names = [k for k, _ in request.query]
    if names != [SUBSCRIBER]:
        raise invalid_search("Invalid search data provided - 'Coverage search request must follow the format "
                             "/Coverage?subscriber:identifier=NHS_NUMBER'")
    return nhs_number(request.query[0][1])


def bundle(found: Record, coverage: dict[str, Any] | None, base_url: str) -> dict[str, Any]:
    answer: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "timestamp": now_instant(),
                              "total": 0 if coverage is None else 1, "meta": {"versionId": str(found.version)}}
    if coverage is not None:
        shown = {k: v for k, v in coverage.items() if k not in ("id", "meta")}
        answer["entry"] = [{"fullUrl": f"{base_url}/Coverage?{SUBSCRIBER}={found.id}", "resource": shown}]
    return answer


def read(found: Found, patients: Patients, base_url: str) -> Response:
    record = found.record
    return Response(200, bundle(record, patients.coverage(record.id), base_url), {"ETag": record.etag})


def _missing(coverage: dict[str, Any]) -> list[str]:
    missing = [name for name in REQUIRED if not coverage.get(name)]
    identifiers = coverage.get("identifier") if isinstance(coverage.get("identifier"), list) else []
    if identifiers and not all(isinstance(i, dict) and i.get("value") and i.get("assigner") for i in identifiers):
        missing.append("identifier.value/assigner")
    return missing


def post(request: Request, patients: Patients, base_url: str, check_version: bool = True) -> Response:
    """The stored coverage answered 201; FhirError by the rules above (`check_version` is for the fault)."""
    version = expected_version(request)
    try:
        coverage = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise error(400, "INVALID_VALUE", f"Invalid value - the body is not JSON: {exc}") from None
    if not isinstance(coverage, dict) or coverage.get("resourceType") != "Coverage":
        raise error(400, "INVALID_VALUE", "Invalid value - the body must be a Coverage resource")
    holder = ((coverage.get("subscriber") or {}).get("identifier") or {})
    if holder.get("system") != NHS_NUMBER_SYSTEM or not isinstance(holder.get("value"), str):
        raise error(400, "MISSING_VALUE", "Missing value - 'subscriber.identifier' (the patient's NHS number)")
    found = patients.find(nhs_number(holder["value"]))
    record = found.record
    if check_version and version != record.version:
        raise error(409, "RESOURCE_VERSION_MISMATCH", "Invalid update with error - This resource has changed since "
                                                      f"you last read. Please re-read and try again with the new "
                                                      f"version number ({record.version}).")
    missing = _missing(coverage)
    if missing:
        raise error(400, "MISSING_VALUE", f"Missing value - '{', '.join(missing)}'")
    try:
        updated = patients.set_coverage(record, {**coverage, "subscriber": {"identifier": {
            "system": NHS_NUMBER_SYSTEM, "value": record.id}}})
    except VersionConflict:
        raise error(409, "RESOURCE_VERSION_MISMATCH", "Invalid update with error - This resource has changed since "
                                                      "you last read") from None
    return Response(201, bundle(updated, patients.coverage(updated.id), base_url), {"ETag": updated.etag})
