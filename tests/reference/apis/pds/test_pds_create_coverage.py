"""POST /Patient and /Coverage called directly: a new record and NHS number unless the demographics match one or
several patients PDS holds, the create request's schema rules, and the EHIC details read and replaced under the
patient's version, with the error code of each rule."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from conformance.reference.apis.pds import coverage
from conformance.reference.apis.pds.creating import create
from conformance.reference.apis.pds.records import Patients
from conformance.reference.nhs import is_valid_nhs_number
from conformance.reference.outcomes import FhirError
from conformance.reference.service import Request, Response

BASE = "https://pds.example/personal-demographics/FHIR/R4"
NEW: dict[str, Any] = {
    "resourceType": "Patient", "name": [{"use": "usual", "given": ["Jane"], "family": "Edwards"}], "gender": "female",
    "birthDate": "1982-07-10", "address": [{"use": "home", "line": ["1 Trevelyan Square"], "postalCode": "LS1 6AE"}],
    "extension": [{"url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-RegisteringAuthority"}]}
EHIC: dict[str, Any] = {
    "resourceType": "Coverage", "status": "active",
    "subscriber": {"identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9000000033"}},
    "identifier": [{"value": "29401395498043123948", "assigner": {"display": "France"}}],
    "payor": [{"identifier": {"value": "92847ADGJL"}}], "beneficiary": {"identifier": {"value": "178705ABC"}},
    "period": {"end": "2030-12-31"}}


def post(path: str, body: Any, if_match: str | None = None, query: list[tuple[str, str]] | None = None) -> Request:
    headers = {"content-type": "application/json", **({"if-match": if_match} if if_match else {})}
    return Request("POST", path, query or [], headers, json.dumps(body).encode("utf-8"))


def code(answer: Response) -> str:
    assert answer.body is not None
    return str(answer.body["issue"][0]["details"]["coding"][0]["code"])


def changed(**fields: Any) -> dict[str, Any]:
    body = copy.deepcopy(NEW)
    for name, value in fields.items():
        if value is None:
            body.pop(name)
        else:
            body[name] = value
    return body


def test_new_demographics_get_a_new_nhs_number_and_known_ones_a_match(patients: Patients) -> None:
    created = create(post("/Patient", NEW), patients)
    assert created.status == 201 and created.body is not None
    number = created.body["id"]
    assert is_valid_nhs_number(number) and number.startswith("999")  # the range set aside for testing
    assert created.body["identifier"] == [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": number}]
    again = create(post("/Patient", NEW), patients)  # the record just made is found now
    assert (again.status, code(again)) == (200, "SINGLE_MATCH") and number in again.body["issue"][0]["diagnostics"]
    louisa = changed(name=[{"use": "usual", "given": ["Louisa"], "family": "McMatch-Multiple"}],
                     address=[{"use": "home", "postalCode": "dn197ud"}])
    many = create(post("/Patient", louisa), patients)
    assert (many.status, code(many)) == (200, "MULTIPLE_MATCHES")
    assert create(post("/Patient", louisa), patients, check_matches=False).status == 201


@pytest.mark.parametrize(("body", "expected"), [
    (changed(pets="cat"), "ADDITIONAL_PROPERTIES"),
    (changed(birthDate=None), "MISSING_VALUE"),
    (changed(extension=None), "MISSING_VALUE"),
    (changed(name=[{"family": "A"}, {"family": "B"}]), "TOO_MANY_VALUES_SUBMITTED"),
    ([NEW], "INVALID_VALUE"),
])
def test_each_create_rule_is_refused_with_its_error_code(patients: Patients, body: Any, expected: str) -> None:
    with pytest.raises(FhirError) as caught:
        create(post("/Patient", body), patients)
    assert (caught.value.status, caught.value.error_code) == (400, expected)


def test_coverage_is_read_with_the_patients_version_and_replaced_under_it(patients: Patients) -> None:
    held = coverage.read(patients.find("9000000009"), patients, BASE)
    assert held.body is not None and (held.body["total"], held.headers["ETag"]) == (1, 'W/"1"')
    assert held.body["entry"][0]["fullUrl"] == f"{BASE}/Coverage?subscriber:identifier=9000000009"
    none = coverage.read(patients.find("9000000033"), patients, BASE)
    assert none.body is not None and (none.body["total"], none.body["meta"], "entry" in none.body) == (
        0, {"versionId": "1"}, False)
    added = coverage.post(post("/Coverage", EHIC, 'W/"1"'), patients, BASE)
    assert (added.status, added.headers["ETag"]) == (201, 'W/"2"')
    assert patients.coverage("9000000033") is not None
    assert patients.find("9000000033").record.version == 2


@pytest.mark.parametrize(("body", "if_match", "expected"), [
    (EHIC, None, (412, "PRECONDITION_FAILED")),
    (EHIC, 'W/"7"', (409, "RESOURCE_VERSION_MISMATCH")),
    ({k: v for k, v in EHIC.items() if k != "identifier"}, 'W/"1"', (400, "MISSING_VALUE")),
    ({**EHIC, "identifier": [{"value": "2940"}]}, 'W/"1"', (400, "MISSING_VALUE")),  # no assigner
    ({**EHIC, "subscriber": {}}, 'W/"1"', (400, "MISSING_VALUE")),
    ({**EHIC, "resourceType": "Patient"}, 'W/"1"', (400, "INVALID_VALUE")),
])
def test_each_coverage_update_rule_is_refused_with_its_error_code(patients: Patients, body: Any, if_match: str | None,
                                                                  expected: tuple[int, str]) -> None:
    with pytest.raises(FhirError) as caught:
        coverage.post(post("/Coverage", body, if_match), patients, BASE)
    assert (caught.value.status, caught.value.error_code) == expected
    assert patients.coverage("9000000033") is None


@pytest.mark.parametrize(("query", "expected"), [
    ([], "INVALID_SEARCH_DATA"),
    ([("subscriber:identifier", "9000000009"), ("year", "2003")], "INVALID_SEARCH_DATA"),
    ([("patient", "9000000009")], "INVALID_SEARCH_DATA"),
    ([("subscriber:identifier", "9000000000")], "INVALID_RESOURCE_ID"),
])
def test_a_coverage_search_is_subscriber_identifier_only(query: list[tuple[str, str]], expected: str) -> None:
    with pytest.raises(FhirError) as caught:
        coverage.subscriber(Request("GET", "/Coverage", query, {}))
    assert (caught.value.status, caught.value.error_code) == (400, expected)
