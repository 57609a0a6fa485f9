"""Create and update: 201/200, Location and ETag, If-Match/412, 415, 400, and 422 with located findings."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests

from conformance.reference import ReferenceServer
from tests.reference.conftest import FHIR_JSON, NHS, error_code, fixture_bytes, running

ISSUE_CODES = "urn:conformance:issue-code"


@pytest.fixture
def server() -> Iterator[ReferenceServer]:
    with running() as server:  # no validation: these tests are about the HTTP contract
        yield server


def test_create_patient_allocates_a_test_range_nhs_number(server: ReferenceServer, http: requests.Session) -> None:
    r = http.post(f"{server.base_url}/Patient", data=fixture_bytes("patient-new.json"), headers=FHIR_JSON)
    assert r.status_code == 201
    body = r.json()
    assert body["id"] == "9990000018"  # the first valid number of the test range 999 000 0000 - 999 999 9999
    assert {"system": NHS, "value": "9990000018"} in body["identifier"]
    assert body["meta"]["versionId"] == "1"
    assert r.headers["Location"] == f"{server.base_url}/Patient/9990000018/_history/1"
    assert r.headers["ETag"] == 'W/"1"'
    assert http.get(r.headers["Location"]).json() == body
    assert http.get(f"{server.base_url}/Patient?family=fenwick").json()["total"] == 1
    second = http.post(f"{server.base_url}/Patient", data=fixture_bytes("patient-new.json"), headers=FHIR_JSON)
    assert second.json()["id"] == "9990000026"


def test_create_patient_with_its_own_nhs_number(server: ReferenceServer, http: requests.Session) -> None:
    patient = {"resourceType": "Patient", "id": "ignored", "identifier": [{"system": NHS, "value": "9000000092"}]}
    r = http.post(f"{server.base_url}/Patient", json=patient, headers=FHIR_JSON)
    assert (r.status_code, r.json()["id"]) == (201, "9000000092")
    again = http.post(f"{server.base_url}/Patient", json=patient, headers=FHIR_JSON)
    assert error_code(again) == (409, "duplicate", "DUPLICATE_RESOURCE")


def test_create_with_an_invalid_nhs_number_without_validation_is_422(server: ReferenceServer,
                                                                     http: requests.Session) -> None:
    patient = {"resourceType": "Patient", "identifier": [{"system": NHS, "value": "9000000001"}]}
    r = http.post(f"{server.base_url}/Patient", json=patient, headers=FHIR_JSON)
    assert error_code(r) == (422, "value", "INVALID_VALUE")


def test_create_organization_gets_a_server_id(server: ReferenceServer, http: requests.Session) -> None:
    r = http.post(f"{server.base_url}/Organization", json={"resourceType": "Organization", "name": "New"},
                  headers={"Content-Type": "application/json"})
    assert r.status_code == 201
    assert r.headers["Location"] == f"{server.base_url}/Organization/{r.json()['id']}/_history/1"


@pytest.mark.parametrize(("body", "expected"), [
    (b"{not json", (400, "structure", "MESSAGE_NOT_WELL_FORMED")),
    (b"", (400, "structure", "MESSAGE_NOT_WELL_FORMED")),
    (b"[1, 2]", (400, "invalid", "INVALID_RESOURCE")),
    (b'{"name": "x"}', (400, "invalid", "INVALID_RESOURCE")),
    (b'{"resourceType": "Organization"}', (400, "invalid", "INVALID_RESOURCE")),
])
def test_create_unusable_body_is_400(server: ReferenceServer, http: requests.Session, body: bytes,
                                     expected: tuple[int, str, str]) -> None:
    assert error_code(http.post(f"{server.base_url}/Patient", data=body, headers=FHIR_JSON)) == expected


@pytest.mark.parametrize("content_type", [None, "application/xml", "application/fhir+xml", "text/plain",
                                          "application/fhir+json; charset=iso-8859-1",
                                          "application/x-www-form-urlencoded"])
def test_body_in_another_media_type_is_415(server: ReferenceServer, http: requests.Session,
                                           content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    body = fixture_bytes("patient-new.json")
    assert error_code(http.post(f"{server.base_url}/Patient", data=body, headers=headers)) == (
        415, "not-supported", "UNSUPPORTED_MEDIA_TYPE")
    put = http.put(f"{server.base_url}/Patient/9000000009", data=body, headers=headers)
    assert error_code(put)[0] == 415


def _seed_patient(http: requests.Session, server: ReferenceServer) -> dict:
    return http.get(f"{server.base_url}/Patient/9000000009").json()


def test_update_with_if_match(server: ReferenceServer, http: requests.Session) -> None:
    patient = _seed_patient(http, server)
    patient["birthDate"] = "1984-03-13"
    r = http.put(f"{server.base_url}/Patient/9000000009", json=patient, headers={**FHIR_JSON, "If-Match": 'W/"1"'})
    assert (r.status_code, r.headers["ETag"], r.json()["meta"]["versionId"]) == (200, 'W/"2"', "2")
    assert "Location" not in r.headers
    assert http.get(f"{server.base_url}/Patient/9000000009").json()["birthDate"] == "1984-03-13"
    assert http.get(f"{server.base_url}/Patient/9000000009/_history/1").json()["birthDate"] == "1984-03-12"
    assert [e["resource"]["id"] for e in http.get(f"{server.base_url}/Patient?birthdate=1984-03-13").json()["entry"]] \
        == ["9000000009"]
    stale = http.put(f"{server.base_url}/Patient/9000000009", json=patient, headers={**FHIR_JSON, "If-Match": 'W/"1"'})
    assert error_code(stale) == (412, "conflict", "PRECONDITION_FAILED")
    nonsense = http.put(f"{server.base_url}/Patient/9000000009", json=patient, headers={**FHIR_JSON, "If-Match": "*x"})
    assert error_code(nonsense)[0] == 412
    unconditional = http.put(f"{server.base_url}/Patient/9000000009", json=patient, headers=FHIR_JSON)
    assert (unconditional.status_code, unconditional.headers["ETag"]) == (200, 'W/"3"')


def test_update_creates_when_absent(server: ReferenceServer, http: requests.Session) -> None:
    patient = {"resourceType": "Patient", "id": "9000000092", "gender": "unknown"}
    r = http.put(f"{server.base_url}/Patient/9000000092", json=patient, headers=FHIR_JSON)
    assert r.status_code == 201
    assert r.headers["Location"] == f"{server.base_url}/Patient/9000000092/_history/1"
    assert r.json()["identifier"] == [{"system": NHS, "value": "9000000092"}]
    absent = http.put(f"{server.base_url}/Patient/9000000106", json={**patient, "id": "9000000106"},
                      headers={**FHIR_JSON, "If-Match": 'W/"1"'})
    assert error_code(absent) == (412, "conflict", "PRECONDITION_FAILED")


@pytest.mark.parametrize(("url_id", "body", "expected"), [
    ("9000000009", {"resourceType": "Patient"}, (400, "invalid", "INVALID_RESOURCE")),
    ("9000000009", {"resourceType": "Patient", "id": "9000000017"}, (400, "invalid", "INVALID_RESOURCE")),
    ("9000000001", {"resourceType": "Patient", "id": "9000000001"}, (400, "value", "INVALID_RESOURCE_ID")),
    ("9000000009", {"resourceType": "Patient", "id": "9000000009",
                    "identifier": [{"system": NHS, "value": "9000000017"}]}, (422, "value", "INVALID_VALUE")),
])
def test_update_errors(server: ReferenceServer, http: requests.Session, url_id: str, body: dict,
                       expected: tuple[int, str, str]) -> None:
    assert error_code(http.put(f"{server.base_url}/Patient/{url_id}", json=body, headers=FHIR_JSON)) == expected


# -- validation on write (our validator over the R4 core package) ------------------------------------
@pytest.fixture(scope="module")
def validating() -> Iterator[ReferenceServer]:
    with running(validate_on_write=True) as server:
        yield server


@pytest.mark.core
def test_create_invalid_is_422_with_located_findings(validating: ReferenceServer, http: requests.Session) -> None:
    r = http.post(f"{validating.base_url}/Patient", data=fixture_bytes("patient-invalid.json"), headers=FHIR_JSON)
    assert r.status_code == 422
    outcome = r.json()
    assert outcome["resourceType"] == "OperationOutcome"
    found = {(i["details"]["coding"][0]["code"], i["expression"][0], i["code"], i["diagnostics"])
             for i in outcome["issue"]}
    assert found == {
        ("uk.nhs-number.check-digit", "Patient.identifier[0].value", "value", "line 7, column 66"),
        ("binding.required", "Patient.gender", "code-invalid", "line 9, column 3"),
        ("value.invalid-date", "Patient.birthDate", "value", "line 10, column 3"),
        ("structure.unknown-element", "Patient.nickname", "structure", "line 11, column 3"),
    }
    assert all(i["details"]["coding"][0]["system"] == ISSUE_CODES for i in outcome["issue"])
    assert http.get(f"{validating.base_url}/Patient?family=fenwick").json()["total"] == 0


@pytest.mark.core
def test_update_invalid_is_422_and_keeps_the_stored_version(validating: ReferenceServer,
                                                            http: requests.Session) -> None:
    patient = http.get(f"{validating.base_url}/Patient/9000000017").json()
    r = http.put(f"{validating.base_url}/Patient/9000000017", json={**patient, "gender": "M"}, headers=FHIR_JSON)
    assert r.status_code == 422
    assert [i["expression"] for i in r.json()["issue"]] == [["Patient.gender"]]
    assert http.get(f"{validating.base_url}/Patient/9000000017").headers["ETag"] == 'W/"1"'


@pytest.mark.core
def test_create_valid_with_validation(validating: ReferenceServer, http: requests.Session) -> None:
    r = http.post(f"{validating.base_url}/Patient", data=fixture_bytes("patient-new.json"), headers=FHIR_JSON)
    assert r.status_code == 201, r.text
    assert json.loads(r.content)["name"][0]["family"] == "Fenwick"
