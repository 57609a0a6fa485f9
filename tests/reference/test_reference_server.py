"""The server's life cycle, its storage and seed, and the small rules it is built from."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import pytest
import requests

from conformance.reference import BUILTIN_SEED, ConfigError, ReferenceServer, ServerConfig
from conformance.reference.negotiation import body_acceptable, response_acceptable
from conformance.reference.nhs import allocate_nhs_number, is_valid_nhs_number
from conformance.reference.search import date_range, normalise
from conformance.reference.seed import load_seed
from tests.reference.conftest import FHIR_JSON, NHS, SEED_PATIENTS, running

ODS = "https://fhir.nhs.uk/Id/ods-organization-code"


# -- life cycle -------------------------------------------------------------------------------------------
def test_stop_closes_keep_alive_connections_and_joins_every_thread() -> None:
    before = set(threading.enumerate())
    server = ReferenceServer(ServerConfig(validate_on_write=False)).start()
    assert server.running
    with requests.Session() as http:
        assert http.get(f"{server.base_url}/Patient/9000000009").status_code == 200  # connection kept open
        raw = socket.create_connection(("127.0.0.1", server.port))  # and one that never sends a request
        server.stop()
        raw.close()
    assert not server.running
    assert set(threading.enumerate()) - before == set()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{server.base_url}/metadata", timeout=5)
    server.stop()  # twice is harmless


def test_start_twice_is_refused() -> None:
    with ReferenceServer(ServerConfig()) as server, pytest.raises(RuntimeError, match="already running"):
        server.start()


def test_each_server_gets_its_own_free_port() -> None:
    with running() as one, running() as two:
        assert one.port != two.port
        assert one.port > 0


def test_database_file_keeps_data_across_restarts(tmp_path: Path) -> None:
    database = tmp_path / "store.sqlite"
    with running(database=database) as server:
        patient = requests.get(f"{server.base_url}/Patient/9000000009").json()
        r = requests.put(f"{server.base_url}/Patient/9000000009", json={**patient, "gender": "unknown"},
                         headers=FHIR_JSON)
        assert r.headers["ETag"] == 'W/"2"'
    with running(database=database) as server:  # not seeded again
        r = requests.get(f"{server.base_url}/Patient/9000000009")
        assert (r.headers["ETag"], r.json()["gender"]) == ('W/"2"', "unknown")


def test_unusable_database_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "not-a-db").write_text("this is not SQLite " * 100)
    with pytest.raises(ConfigError, match="cannot use the database"):
        ReferenceServer(ServerConfig(database=tmp_path / "not-a-db")).start()


# -- the seed ---------------------------------------------------------------------------------------------
def test_builtin_seed_patients_are_in_the_demographics_style() -> None:
    resources = load_seed(BUILTIN_SEED)
    patients = [r for r in resources if r["resourceType"] == "Patient"]
    assert [p["id"] for p in patients] == SEED_PATIENTS
    for p in patients:
        assert is_valid_nhs_number(p["id"])
        assert p["identifier"][0] == {"system": NHS, "value": p["id"]}
        assert p["name"][0]["family"] and p["name"][0]["given"]
        assert p["gender"] in ("male", "female", "other", "unknown")
        assert date_range(p["birthDate"]) is not None
        assert p["address"][0]["postalCode"]
        assert p["generalPractitioner"][0]["identifier"]["system"] == ODS
        assert p["text"]["status"] == "generated"
    ods_codes = {r["id"] for r in resources if r["resourceType"] == "Organization"}
    assert {p["generalPractitioner"][0]["identifier"]["value"] for p in patients} == ods_codes
    assert sorted({r["resourceType"] for r in resources}) == ["Organization", "Patient", "Practitioner"]


@pytest.mark.core
def test_builtin_seed_is_valid_r4_without_warnings(validator) -> None:  # type: ignore[no-untyped-def]
    from conformance.fhir.json_reader import read_json

    for path in sorted(BUILTIN_SEED.glob("*.json")):
        parsed = read_json(path.read_bytes())
        assert parsed.root is not None and parsed.issues == []
        assert validator.validate(parsed.root) == [], path.name


def _seed(tmp_path: Path, *resources: object) -> Path:
    folder = tmp_path / "seed"
    folder.mkdir(exist_ok=True)
    for i, resource in enumerate(resources):
        (folder / f"{i}.json").write_text(resource if isinstance(resource, str) else json.dumps(resource))
    return folder


@pytest.mark.parametrize(("resource", "message"), [
    ("{oops", "0.json: cannot read the seed resource"),
    ([], "0.json: a seed entry must be a JSON object"),
    ({"resourceType": "Observation", "id": "o1"}, "resourceType 'Observation' is not served"),
    ({"resourceType": "Organization"}, "the Organization has no id"),
    ({"resourceType": "Patient", "id": "9000000001"}, "Patient id '9000000001' is not a valid NHS number"),
    ({"resourceType": "Patient", "id": "9000000009", "identifier": [{"system": NHS, "value": "9000000017"}]},
     "Patient 9000000009 carries an NHS number identifier different from its id"),
])
def test_bad_seed_is_a_config_error(tmp_path: Path, resource: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ReferenceServer(ServerConfig(seed_dir=_seed(tmp_path, resource))).start()


def test_seed_from_a_bundle(tmp_path: Path) -> None:
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "9000000106", "gender": "female"}},
        {"resource": {"resourceType": "Organization", "id": "X1", "name": "Only one"}},
    ]}
    with running(seed_dir=_seed(tmp_path, bundle)) as server:
        assert requests.get(f"{server.base_url}/Patient/9000000106").json()["gender"] == "female"
        assert requests.get(f"{server.base_url}/Patient/9000000009").status_code == 404
        assert requests.get(f"{server.base_url}/Organization?name=only").json()["total"] == 1


# -- the rules underneath --------------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "valid"), [
    ("9000000009", True), ("9434765919", True), ("9990000018", True), ("9000000001", False),
    ("9000000050", False),  # the check value is 10: no NHS number starts with these nine digits
    ("900000000", False), ("90000000091", False), ("900000000a", False), ("900 000 0009", False), ("", False),
])
def test_nhs_number_validity(value: str, valid: bool) -> None:
    assert is_valid_nhs_number(value) is valid


def test_allocation_skips_taken_and_invalid_numbers() -> None:
    assert allocate_nhs_number(lambda n: False) == "9990000018"
    assert allocate_nhs_number(lambda n: n == "9990000018") == "9990000026"


@pytest.mark.parametrize(("value", "expected"), [
    ("1984", ("1984-01-01", "1984-12-31")),
    ("2024-02", ("2024-02-01", "2024-02-29")),
    ("2023-02", ("2023-02-01", "2023-02-28")),
    ("1984-03-12", ("1984-03-12", "1984-03-12")),
    ("1984-13", None), ("1984-02-30", None), ("84", None), ("1984-3-12", None), ("1984-03-12T00:00:00Z", None),
])
def test_date_ranges(value: str, expected: tuple[str, str] | None) -> None:
    assert date_range(value) == expected


def test_string_matching_ignores_case_accents_and_spacing() -> None:
    assert normalise("  Zoë  O'Brien-ÉLIE ") == "zoe o'brien-elie"


@pytest.mark.parametrize(("accept", "format_param", "ok"), [
    (None, None, True), ("", None, True), ("application/fhir+json", None, True),
    ("application/json+fhir", None, True), ("APPLICATION/FHIR+JSON", None, True),
    ("application/fhir+json;q=0", None, False), ("image/png", None, False),
    ("application/fhir+json; fhirVersion=4.0.1", None, True), ("application/fhir+json; fhirVersion=5.0", None, False),
    ("application/xml", "application/fhir+json", True), (None, "json", True), (None, "xml", False),
    ("text/html;q=bad, */*", None, True),
])
def test_response_negotiation(accept: str | None, format_param: str | None, ok: bool) -> None:
    assert response_acceptable(accept, format_param) is ok


@pytest.mark.parametrize(("content_type", "ok"), [
    ("application/fhir+json", True), ("application/json", True), ("application/fhir+json;charset=UTF-8", True),
    ("application/fhir+json; fhirVersion=4.0", True), ("application/fhir+json; fhirVersion=3.0", False),
    ("application/fhir+json; charset=latin-1", False), ("application/fhir+xml", False), ("", False), (None, False),
])
def test_body_media_types(content_type: str | None, ok: bool) -> None:
    assert body_acceptable(content_type) is ok


def test_a_burst_of_200_concurrent_connections_is_all_answered() -> None:
    """The listen backlog holds a burst (socketserver's default of 5 reset about a third of 100)."""
    with running() as server:
        sockets = [socket.create_connection(("127.0.0.1", server.port), timeout=30) for _ in range(200)]
        try:
            for s in sockets:
                s.sendall(b"GET /FHIR/R4/metadata HTTP/1.1\r\nHost: x\r\nAccept: application/fhir+json\r\n"
                          b"Connection: close\r\n\r\n")
            answers = [s.recv(12) for s in sockets]
        finally:
            for s in sockets:
                s.close()
    assert answers == [b"HTTP/1.1 200"] * 200
