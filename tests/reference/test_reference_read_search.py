"""Reads, searches, capabilities, content negotiation and request ids, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from conformance.reference import ReferenceServer
from tests.reference.conftest import NHS, SEED_PATIENTS, error_code


def test_base_and_token_urls(open_server: ReferenceServer) -> None:
    assert open_server.base_url == f"http://127.0.0.1:{open_server.port}/FHIR/R4"
    assert open_server.token_url == f"http://127.0.0.1:{open_server.port}/oauth2/token"


def test_read_patient(open_server: ReferenceServer, http: requests.Session) -> None:
    r = http.get(f"{open_server.base_url}/Patient/9000000009")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/fhir+json; charset=utf-8"
    assert r.headers["ETag"] == 'W/"1"'
    body = r.json()
    assert (body["resourceType"], body["id"], body["meta"]["versionId"]) == ("Patient", "9000000009", "1")
    assert body["meta"]["lastUpdated"].endswith("Z")
    assert {"system": NHS, "value": "9000000009"} in body["identifier"]
    assert r.headers["Last-Modified"].endswith(" GMT")


def test_read_other_types(open_server: ReferenceServer, http: requests.Session) -> None:
    assert http.get(f"{open_server.base_url}/Organization/Y90001").json()["name"] == "Riverside Medical Practice"
    assert http.get(f"{open_server.base_url}/Practitioner/G9000001").json()["name"][0]["family"] == "Clarke"


def test_vread(open_server: ReferenceServer, http: requests.Session) -> None:
    assert http.get(f"{open_server.base_url}/Patient/9000000009/_history/1").json()["meta"]["versionId"] == "1"
    assert error_code(http.get(f"{open_server.base_url}/Patient/9000000009/_history/2")) == (
        404, "not-found", "RESOURCE_NOT_FOUND")
    assert error_code(http.get(f"{open_server.base_url}/Patient/9000000009/_history/x")) == (
        400, "value", "INVALID_RESOURCE_ID")


@pytest.mark.parametrize("path", ["Patient/9000000092", "Organization/NOPE1", "Practitioner/nobody"])
def test_unknown_id_is_404_not_found(open_server: ReferenceServer, http: requests.Session, path: str) -> None:
    r = http.get(f"{open_server.base_url}/{path}")
    assert error_code(r) == (404, "not-found", "RESOURCE_NOT_FOUND")
    assert r.headers["Content-Type"] == "application/fhir+json; charset=utf-8"


@pytest.mark.parametrize("bad", ["9000000001", "900000000", "90000000099", "abcdefghij", "9000000050"])
def test_invalid_nhs_number_is_400(open_server: ReferenceServer, http: requests.Session, bad: str) -> None:
    assert error_code(http.get(f"{open_server.base_url}/Patient/{bad}")) == (400, "value", "INVALID_RESOURCE_ID")


def test_unknown_type_and_path(open_server: ReferenceServer, http: requests.Session) -> None:
    assert error_code(http.get(f"{open_server.base_url}/Observation/1")) == (404, "not-supported", "UNSUPPORTED_SERVICE")
    assert error_code(http.get(f"{open_server.base_url}/Patient/9000000009/x")) == (
        404, "not-supported", "UNSUPPORTED_SERVICE")
    origin = open_server.base_url.removesuffix("/FHIR/R4")
    assert error_code(http.get(f"{origin}/elsewhere")) == (404, "not-supported", "UNSUPPORTED_SERVICE")


def test_method_not_allowed(open_server: ReferenceServer, http: requests.Session) -> None:
    r = http.delete(f"{open_server.base_url}/Patient/9000000009")
    assert error_code(r) == (405, "not-supported", "METHOD_NOT_ALLOWED")
    assert r.headers["Allow"] == "GET, PUT"
    assert http.post(f"{open_server.base_url}/metadata").headers["Allow"] == "GET"
    head = http.head(f"{open_server.base_url}/Patient/9000000009")  # no body on HEAD, connection stays usable
    assert (head.status_code, head.content) == (405, b"")
    assert http.get(f"{open_server.base_url}/Patient/9000000009").status_code == 200


def test_capability_statement_declares_what_is_served(open_server: ReferenceServer, http: requests.Session) -> None:
    body = http.get(f"{open_server.base_url}/metadata").json()
    assert (body["resourceType"], body["fhirVersion"], body["kind"]) == ("CapabilityStatement", "4.0.1", "instance")
    assert body["implementation"]["url"] == open_server.base_url
    resources = {r["type"]: r for r in body["rest"][0]["resource"]}
    assert sorted(resources) == ["Organization", "Patient", "Practitioner"]
    patient = resources["Patient"]
    assert [i["code"] for i in patient["interaction"]] == ["read", "vread", "update", "create", "search-type"]
    assert [p["name"] for p in patient["searchParam"]] == [
        "_id", "identifier", "family", "given", "name", "gender", "birthdate", "address-postcode", "_count", "_page"]
    assert "security" not in body["rest"][0]


# -- search -----------------------------------------------------------------------------------------
def _ids(response: requests.Response) -> list[str]:
    assert response.status_code == 200, response.text
    bundle = response.json()
    assert (bundle["resourceType"], bundle["type"]) == ("Bundle", "searchset")
    return [e["resource"]["id"] for e in bundle.get("entry", [])]


SEARCHES = [
    ({"identifier": f"{NHS}|9000000017"}, ["9000000017"]),
    ({"identifier": "9000000017"}, ["9000000017"]),
    ({"identifier": f"{NHS}|9000000092"}, []),
    ({"identifier": "https://fhir.nhs.uk/Id/ods-organization-code|9000000017"}, []),
    ({"_id": "9000000025"}, ["9000000025"]),
    ({"family": "Harrington"}, ["9000000009", "9000000084"]),
    ({"family": "harr"}, ["9000000009", "9000000084"]),
    ({"family": "arrington"}, []),
    ({"family:exact": "Harrington"}, ["9000000009", "9000000084"]),
    ({"family:exact": "harrington"}, []),
    ({"family:contains": "ING"}, ["9000000009", "9000000084"]),
    ({"given": "rose"}, ["9000000009"]),
    ({"given": "Amelia,George"}, ["9000000009", "9000000084"]),
    ({"name": "okafor"}, ["9000000068"]),
    ({"gender": "female"}, ["9000000009", "9000000025", "9000000041"]),
    ({"gender": "other"}, ["9000000076"]),
    ({"family": "Harrington", "gender": "male"}, ["9000000084"]),
    ({"birthdate": "1984-03-12"}, ["9000000009"]),
    ({"birthdate": "eq1984-03-12"}, ["9000000009"]),
    ({"birthdate": "1984"}, ["9000000009"]),
    ({"birthdate": "1984-03"}, ["9000000009"]),
    ({"birthdate": "ge2001-12-31"}, ["9000000041", "9000000076"]),
    ({"birthdate": "gt2001-12-31"}, ["9000000041"]),
    ({"birthdate": "le1968-09-23"}, ["9000000033", "9000000068"]),
    ({"birthdate": "lt1968-09-23"}, ["9000000033"]),
    ({"birthdate": "lt1968"}, ["9000000033"]),
    ({"birthdate": "ge1990"}, ["9000000025", "9000000041", "9000000076"]),
    ({"birthdate": "ne1984"}, [p for p in SEED_PATIENTS if p != "9000000009"]),
    ({"address-postcode": "ls14ap"}, ["9000000009", "9000000084"]),
    ({"address-postcode": "LS1 4AP"}, ["9000000009", "9000000084"]),
    ({"family": "Harrington", "unknown-param": "x"}, ["9000000009", "9000000084"]),
]


@pytest.mark.parametrize(("params", "expected"), SEARCHES, ids=[str(p) for p, _ in SEARCHES])
def test_search(open_server: ReferenceServer, http: requests.Session, params: dict[str, str],
                expected: list[str]) -> None:
    r = http.get(f"{open_server.base_url}/Patient", params=params)
    assert _ids(r) == expected
    assert r.json()["total"] == len(expected)


def test_search_repeated_parameter_means_and(open_server: ReferenceServer, http: requests.Session) -> None:
    r = http.get(f"{open_server.base_url}/Patient?birthdate=ge1970&birthdate=lt1980")
    assert _ids(r) == ["9000000017"]


def test_search_entries(open_server: ReferenceServer, http: requests.Session) -> None:
    bundle = http.get(f"{open_server.base_url}/Patient", params={"family": "Okafor"}).json()
    (entry,) = bundle["entry"]
    assert entry["fullUrl"] == f"{open_server.base_url}/Patient/9000000068"
    assert entry["search"] == {"mode": "match"}
    assert [link["relation"] for link in bundle["link"]] == ["self"]


def test_other_types_search(open_server: ReferenceServer, http: requests.Session) -> None:
    ods = "https://fhir.nhs.uk/Id/ods-organization-code"
    assert _ids(http.get(f"{open_server.base_url}/Organization", params={"identifier": f"{ods}|Y90002"})) == ["Y90002"]
    assert _ids(http.get(f"{open_server.base_url}/Organization", params={"name": "canal"})) == ["Y90002"]
    assert _ids(http.get(f"{open_server.base_url}/Practitioner", params={"family": "patel"})) == ["G9000002"]


def test_paging_follows_next_links(open_server: ReferenceServer, http: requests.Session) -> None:
    url: str | None = f"{open_server.base_url}/Patient?birthdate=ge1900&_count=3"
    pages: list[list[str]] = []
    while url:
        bundle = http.get(url).json()
        assert bundle["total"] == 8
        pages.append([e["resource"]["id"] for e in bundle.get("entry", [])])
        links = {link["relation"]: link["url"] for link in bundle["link"]}
        assert parse_qs(urlsplit(links["self"]).query)["_count"] == ["3"]
        url = links.get("next")
    assert pages == [SEED_PATIENTS[:3], SEED_PATIENTS[3:6], SEED_PATIENTS[6:]]
    last = http.get(f"{open_server.base_url}/Patient?birthdate=ge1900&_count=3&_page=3").json()
    previous = next(link["url"] for link in last["link"] if link["relation"] == "previous")
    assert parse_qs(urlsplit(previous).query) == {"birthdate": ["ge1900"], "_count": ["3"], "_page": ["2"]}


def test_count_zero_gives_only_the_total(open_server: ReferenceServer, http: requests.Session) -> None:
    bundle = http.get(f"{open_server.base_url}/Patient?gender=male&_count=0").json()
    assert (bundle["total"], "entry" in bundle) == (4, False)


def test_page_size_is_capped(open_server: ReferenceServer, http: requests.Session) -> None:
    bundle = http.get(f"{open_server.base_url}/Patient?gender=male&_count=1000").json()
    assert "_count=100&" in bundle["link"][0]["url"]


BAD_SEARCHES = [
    ({}, (400, "required", "INVALID_SEARCH_DATA")),
    ({"_count": "5"}, (400, "required", "INVALID_SEARCH_DATA")),
    ({"unknown": "x"}, (400, "required", "INVALID_SEARCH_DATA")),
    ({"identifier": f"{NHS}|9000000001"}, (400, "value", "INVALID_RESOURCE_ID")),
    ({"identifier": f"{NHS}|12345"}, (400, "value", "INVALID_RESOURCE_ID")),
    ({"identifier": "|"}, (400, "value", "INVALID_SEARCH_DATA")),
    ({"birthdate": "1984-13"}, (400, "value", "INVALID_SEARCH_DATA")),
    ({"birthdate": "1984-02-30"}, (400, "value", "INVALID_SEARCH_DATA")),
    ({"birthdate": "xx1984"}, (400, "value", "INVALID_SEARCH_DATA")),
    ({"birthdate": "ge1984-03-12T10:00:00Z"}, (400, "value", "INVALID_SEARCH_DATA")),
    ({"gender": "M"}, (400, "value", "INVALID_SEARCH_DATA")),
    ({"family": ""}, (400, "value", "INVALID_SEARCH_DATA")),
    ({"family:missing": "true"}, (400, "not-supported", "INVALID_SEARCH_DATA")),
    ({"family": "x", "_count": "-1"}, (400, "value", "INVALID_SEARCH_DATA")),
    ({"family": "x", "_page": "0"}, (400, "value", "INVALID_SEARCH_DATA")),
]


@pytest.mark.parametrize(("params", "expected"), BAD_SEARCHES, ids=[str(p) for p, _ in BAD_SEARCHES])
def test_bad_search_is_400(open_server: ReferenceServer, http: requests.Session, params: dict[str, str],
                           expected: tuple[int, str, str]) -> None:
    assert error_code(http.get(f"{open_server.base_url}/Patient", params=params)) == expected


# -- content negotiation and request ids ---------------------------------------------------------------
@pytest.mark.parametrize("accept", [None, "application/fhir+json", "application/json", "*/*", "application/*",
                                    "application/fhir+json; fhirVersion=4.0", "text/html, application/json;q=0.5",
                                    "application/fhir+xml, application/fhir+json"])
def test_acceptable_accept_headers(open_server: ReferenceServer, http: requests.Session, accept: str | None) -> None:
    headers = {"Accept": accept} if accept else {}
    r = http.get(f"{open_server.base_url}/Patient/9000000009", headers=headers)
    assert (r.status_code, r.headers["Content-Type"]) == (200, "application/fhir+json; charset=utf-8")


@pytest.mark.parametrize("accept", ["application/xml", "application/fhir+xml", "text/plain",
                                    "application/fhir+json; fhirVersion=3.0", "application/json;q=0"])
def test_unacceptable_accept_is_406(open_server: ReferenceServer, http: requests.Session, accept: str) -> None:
    for path in ("Patient/9000000009", "metadata", "Patient?family=x"):
        r = http.get(f"{open_server.base_url}/{path}", headers={"Accept": accept})
        assert error_code(r) == (406, "not-supported", "NOT_ACCEPTABLE")
        assert r.headers["Content-Type"] == "application/fhir+json; charset=utf-8"


def test_format_parameter_overrides_accept(open_server: ReferenceServer, http: requests.Session) -> None:
    url = f"{open_server.base_url}/Patient/9000000009"
    assert http.get(url, params={"_format": "json"}, headers={"Accept": "application/xml"}).status_code == 200
    assert http.get(url, params={"_format": "xml"}).status_code == 406


def test_request_and_correlation_ids_are_echoed(open_server: ReferenceServer, http: requests.Session) -> None:
    ids = {"X-Request-ID": "60E0B220-8136-4CA5-AE46-1D97EF59D068", "X-Correlation-ID": "11C46F5F-CDEF-4865-94B2"}
    for path in ("Patient/9000000009", "Patient/9000000092", "Patient/123", "metadata", "Patient?family=x", "nowhere"):
        r = http.get(f"{open_server.base_url}/{path}", headers=ids)
        assert {k: r.headers.get(k) for k in ids} == ids, path
    r = http.get(f"{open_server.base_url}/Patient/9000000009", headers={"Accept": "application/xml", **ids})
    assert (r.status_code, r.headers["X-Request-ID"]) == (406, ids["X-Request-ID"])
    assert "X-Request-ID" not in http.get(f"{open_server.base_url}/metadata").headers


def test_bodies_over_the_limit_are_refused(http: requests.Session) -> None:
    from tests.reference.conftest import running

    with running(max_body_bytes=100) as server:
        r = http.post(f"{server.base_url}/Patient", data=b"{" + b" " * 200 + b"}",
                      headers={"Content-Type": "application/fhir+json", "X-Request-ID": "big-1"})
        assert error_code(r) == (413, "too-costly", "PAYLOAD_TOO_LARGE")
        assert (r.headers["X-Request-ID"], r.headers["Connection"]) == ("big-1", "close")
        assert http.get(f"{server.base_url}/Patient/9000000009").status_code == 200


def test_bodies_without_a_usable_length_are_refused(open_server: ReferenceServer) -> None:
    import http.client

    for headers, expected in ([("Transfer-Encoding", "chunked")], (411, "required", "LENGTH_REQUIRED")), \
                             ([("Content-Length", "twelve")], (400, "structure", "MESSAGE_NOT_WELL_FORMED")):
        conn = http.client.HTTPConnection("127.0.0.1", open_server.port, timeout=10)
        try:
            conn.putrequest("POST", "/FHIR/R4/Patient")
            for name, value in [*headers, ("Content-Type", "application/fhir+json"), ("X-Request-ID", "len-1")]:
                conn.putheader(name, value)
            conn.endheaders()
            response = conn.getresponse()
            body = json.loads(response.read())
            issue = body["issue"][0]
            assert (response.status, issue["code"], issue["details"]["coding"][0]["code"]) == expected
            assert response.getheader("X-Request-ID") == "len-1"
        finally:
            conn.close()


def test_broken_requests_get_operation_outcomes(open_server: ReferenceServer, http: requests.Session) -> None:
    unknown_method = http.request("FOO", f"{open_server.base_url}/Patient", headers={"X-Request-ID": "m-1"})
    assert error_code(unknown_method) == (501, "not-supported", "METHOD_NOT_ALLOWED")
    assert unknown_method.headers["X-Request-ID"] == "m-1"
    too_long = http.get(f"{open_server.base_url}/Patient?family={'a' * 70000}")
    assert error_code(too_long) == (414, "structure", "MESSAGE_NOT_WELL_FORMED")
    assert http.get(f"{open_server.base_url}/Patient/9000000009").status_code == 200


@pytest.mark.parametrize("depth", [2_000, 100_000])
def test_deeply_nested_bodies_are_400_not_500(depth: int, http: requests.Session) -> None:
    from tests.reference.conftest import FHIR_JSON, running

    body = b'{"resourceType": "Patient", "x": ' + b"[" * depth + b"]" * depth + b"}"
    with running() as server:
        r = http.post(f"{server.base_url}/Patient", data=body, headers=FHIR_JSON)
        assert error_code(r) == (400, "structure", "MESSAGE_NOT_WELL_FORMED")
