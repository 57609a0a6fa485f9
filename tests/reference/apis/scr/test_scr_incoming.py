"""The checks every SCR request passes first: token, X-Request-ID, NHSD-Session-URID, Content-Type, and the
`https://fhir.nhs.uk/Id/nhs-number|<NHS number>` form of the patient parameters."""

from __future__ import annotations

import pytest

from conformance.reference.apis.scr.incoming import check_headers, json_body, nhs_number_token, single
from conformance.reference.auth import Authenticator
from conformance.reference.config import ServerConfig
from conformance.reference.outcomes import FhirError
from tests.reference.apis.scr.conftest import NHS, request

BEARER = Authenticator(ServerConfig(auth="bearer", static_tokens=frozenset({"good"})))


@pytest.mark.parametrize(("headers", "status", "issue", "text"), [
    ({}, 401, "forbidden", "Invalid access token"),
    ({"Authorization": "Bearer bad"}, 401, "forbidden", "Invalid access token"),
    ({"Authorization": "Bearer good", "X-Request-ID": "not-a-uuid"}, 400, "invalid",
     "Invalid value - 'not-a-uuid' in header 'X-Request-ID' (it must be a UUID)"),
    ({"Authorization": "Bearer good", "NHSD-Session-URID": "role1"}, 400, "invalid",
     "Invalid value - 'role1' in header 'NHSD-Session-URID' (a user role id is digits)"),
])
def test_headers_that_do_not_hold_are_answered_as_the_specification_tables_say(
        headers: dict[str, str], status: int, issue: str, text: str) -> None:
    with pytest.raises(FhirError) as caught:
        check_headers(request(headers=headers), BEARER)
    assert (caught.value.status, caught.value.outcome()["issue"]) == (
        status, [{"severity": "error", "code": issue, "details": {"text": text}}])


def test_good_headers_pass_and_the_token_check_can_be_switched_off() -> None:
    check_headers(request(headers={"Authorization": "Bearer good", "X-Request-ID": "60E0B220-8136-4CA5-AE46-1D97EF59D068",
                                   "NHSD-Session-URID": "555021935107"}), BEARER)
    check_headers(request(), BEARER, check_token=False)


@pytest.mark.parametrize(("value", "number", "text"), [
    (f"{NHS}|9000000009", "9000000009", None),
    (None, None, "Missing required query parameter 'patient'"),
    ("9000000009", None, f"Invalid value - '9000000009' in field 'patient': it must be {NHS}|<NHS number>"),
    ("https://example.org|9000000009", None,
     f"Invalid value - 'https://example.org|9000000009' in field 'patient': it must be {NHS}|<NHS number>"),
    (f"{NHS}|9000000001", None, "Invalid value - '9000000001' in field 'patient': not a valid NHS number"),
])
def test_nhs_number_tokens(value: str | None, number: str | None, text: str | None) -> None:
    if text is None:
        assert nhs_number_token(value, "patient") == number
        return
    with pytest.raises(FhirError) as caught:
        nhs_number_token(value, "patient")
    assert (caught.value.status, caught.value.outcome()["issue"][0]["details"]["text"]) == (400, text)


@pytest.mark.parametrize(("content_type", "body", "status", "issue"), [
    ("text/plain", b'{"resourceType": "Parameters"}', 415, "not-supported"),
    (None, b'{"resourceType": "Parameters"}', 415, "not-supported"),
    ("application/fhir+json; charset=utf-8", b"{", 400, "invalid"),
    ("application/fhir+json", b'{"resourceType": "Bundle"}', 400, "invalid"),
])
def test_post_bodies_must_be_fhir_json_of_the_operations_type(content_type: str | None, body: bytes, status: int,
                                                               issue: str) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    with pytest.raises(FhirError) as caught:
        json_body(request("POST", "/$setPermission", headers=headers, body=body), "Parameters")
    assert (caught.value.status, caught.value.outcome()["issue"][0]["code"]) == (status, issue)


def test_a_repeated_query_parameter_is_rejected() -> None:
    assert single(request(query={"_count": "1"}), "_count") == "1"
    repeated = request()
    repeated.query.extend([("_count", "1"), ("_count", "1")])
    with pytest.raises(FhirError, match="more than once"):
        single(repeated, "_count")
