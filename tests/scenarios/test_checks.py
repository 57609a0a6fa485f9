"""Expectations on a response: each gives a finding that says what was expected and what came back."""

from __future__ import annotations

import json

import pytest
from requests.structures import CaseInsensitiveDict

from conformance.fhir.json_reader import read_json
from conformance.results import Outcome
from conformance.scenarios.capability import parse_capabilities
from conformance.scenarios.checks import ResponseView, capture_value, check_response
from conformance.scenarios.expectations.error_coding import ErrorCoding
from conformance.scenarios.expectations.etag import EtagExpectation
from conformance.scenarios.http import Response
from conformance.scenarios.model import (
    Assertion,
    BundleExpectation,
    Condition,
    Count,
    Expectations,
    HeaderExpectation,
)

PATIENT = {"resourceType": "Patient", "id": "9000000009", "meta": {"versionId": "3"},
           "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9000000009"}],
           "gender": "female", "birthDate": "2010-10-22", "name": [{"family": "Smith"}]}
BUNDLE = {"resourceType": "Bundle", "type": "searchset", "total": 2,
          "entry": [{"resource": PATIENT}, {"resource": {"resourceType": "OperationOutcome", "issue": []}}]}
OUTCOME = {"resourceType": "OperationOutcome", "issue": [
    {"severity": "error", "code": "not-found",
     "details": {"coding": [{"system": "https://x", "code": "RESOURCE_NOT_FOUND"}]}}]}


def view(body: object, status: int = 200, headers: dict[str, str] | None = None, ms: float = 5.0) -> ResponseView:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    hdrs = CaseInsensitiveDict({"Content-Type": "application/fhir+json; charset=utf-8", **(headers or {})})
    return ResponseView(Response(status, hdrs, raw, ms, "http://x/Patient/1"))


def outcomes(expect: Expectations, response: ResponseView, **values: str) -> list[tuple[str, str, str]]:
    found = check_response(expect, response, values, None)  # type: ignore[arg-type]
    return [(f.check, f.outcome.value, f.message) for f in found]


def test_status_headers_content_type_and_resource_type() -> None:
    expect = Expectations.of(status=(200, 201), headers=(
        HeaderExpectation("X-Request-ID", equals="${rid}"), HeaderExpectation("ETag", matches='^W/"${v}"$'),
        HeaderExpectation("Set-Cookie", present=False), HeaderExpectation("Location", present=True)),
        content_type="application/fhir+json", resource_type="Patient")
    got = outcomes(expect, view(PATIENT, headers={"X-Request-ID": "r-1", "ETag": 'W/"3.0"'}), rid="r-1", v="3.0")
    assert got == [
        ("status is 200 or 201", "pass", ""),
        ("header X-Request-ID is 'r-1'", "pass", ""),
        ("header ETag matches '^W/\"3\\\\.0\"$'", "pass", 'W/"3.0"'),
        ("header Set-Cookie is absent", "pass", ""),
        ("header Location is present", "fail", "Location is absent"),
        ("Content-Type is application/fhir+json", "pass", ""),
        ("body is a Patient", "pass", ""),
    ]


def test_failures_say_what_came_back() -> None:
    expect = Expectations.of(status=(404,), headers=(HeaderExpectation("X-Request-ID", equals="r-1"),),
                          content_type="application/fhir+json", resource_type="OperationOutcome")
    got = outcomes(expect, view(b"oops", headers={"Content-Type": "text/plain"}))
    assert got == [
        ("status is 404", "fail", "status was 200"),
        ("header X-Request-ID is 'r-1'", "fail", "X-Request-ID is absent"),
        ("Content-Type is application/fhir+json", "fail", "Content-Type was 'text/plain'"),
        ("body is a OperationOutcome", "fail", "the body is not FHIR JSON: malformed JSON: "
                                              "Expecting value (line 1, column 1)"),
    ]


def test_fhirpath_assertions_pass_only_on_true() -> None:
    expect = Expectations.of(fhirpath=(
        Assertion("id = '${id}'", "the id is ${id}"), Assertion("gender = 'male'", "male"),
        Assertion("name.given", "has a given name"), Assertion("name.where(", "broken")))
    got = outcomes(expect, view(PATIENT), id="9000000009")
    assert got[0] == ("the id is 9000000009", "pass", "")
    assert got[1] == ("male", "fail", "gender = 'male' gave [False]")
    assert got[2] == ("has a given name", "fail", "name.given gave nothing (empty)")
    assert got[3][1] == "fail" and got[3][2].startswith("name.where( could not be evaluated:")


def test_bundle_type_total_entries_and_entry_types() -> None:
    expect = Expectations.of(bundle=BundleExpectation("searchset", Count(1, 1), Count(1, None), ("Patient",)))
    assert outcomes(expect, view(BUNDLE)) == [
        ("Bundle type is searchset", "pass", ""),
        ("Bundle total is 1", "fail", "Bundle total is 2"),
        ("Bundle entries is at least 1", "pass", ""),
        ("every entry is a Patient", "fail", "entries include OperationOutcome"),
    ]
    assert outcomes(expect, view(PATIENT)) == [("body is a Bundle", "fail", "body is a Patient")]


@pytest.mark.parametrize(("codes", "outcome"), [(("not-found",), "pass"), (("RESOURCE_NOT_FOUND",), "pass"),
                                                 (("value", "invalid"), "fail")])
def test_operation_outcome_code_matches_issue_code_or_details_code(codes: tuple[str, ...], outcome: str) -> None:
    got = outcomes(Expectations.of(operation_outcome=codes), view(OUTCOME, 404))
    assert got[0][1] == outcome
    if outcome == "fail":
        assert got[0][2] == "issue codes: not-found, RESOURCE_NOT_FOUND"


def test_a_slow_response_is_a_warning_that_does_not_fail() -> None:
    found = check_response(Expectations.of(max_time_ms=100), view(PATIENT, ms=250.0), {}, None)  # type: ignore[arg-type]
    assert [(f.check, f.outcome, f.severity, f.message) for f in found] == [
        ("responds within 100 ms", Outcome.FAIL, "warning", "took 250 ms")]


@pytest.mark.core
def test_conformance_is_checked_with_the_validator_entry_by_entry_in_a_bundle(validator) -> None:  # type: ignore[no-untyped-def]
    bad = {**PATIENT, "gender": "M"}
    bundle = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": PATIENT}, {"resource": bad}]}
    url = "http://hl7.org/fhir/StructureDefinition/Patient"
    got = check_response(Expectations.of(conforms_to=(url,)), view(bundle), {}, validator)
    assert [(f.outcome, f.code, f.location, f.line) for f in got] == [
        (Outcome.FAIL, "binding.required", "Bundle.entry[1].resource.gender", 1)]
    assert check_response(Expectations.of(conforms_to=("https://nowhere/x",)), view(PATIENT), {}, validator)[0].message \
        .startswith("the profile https://nowhere/x is not in the loaded packages")


def test_captures_take_the_first_value() -> None:
    v = view(PATIENT)
    assert capture_value("meta.versionId", v) == ("3", "")
    assert capture_value("identifier.exists()", v) == ("true", "")
    assert capture_value("telecom.value", v) == (None, "telecom.value gave nothing")
    assert capture_value("name", v) == (None, "name gave an element without a value")


def test_capabilities_are_read_per_resource_interaction_and_search_parameter() -> None:
    statement = {"resourceType": "CapabilityStatement", "rest": [
        {"mode": "server", "resource": [{"type": "Patient", "interaction": [{"code": "read"}],
                                         "searchParam": [{"name": "family", "type": "string"}]}]},
        {"mode": "client", "resource": [{"type": "Observation", "interaction": [{"code": "read"}]}]}]}
    caps = parse_capabilities(read_json(json.dumps(statement)).root)
    assert caps.declares(Condition("Patient", "read"))
    assert not caps.declares(Condition("Patient", "search-type"))
    assert caps.declares(Condition("Patient", None, "family"))
    assert not caps.declares(Condition("Patient", None, "birthdate"))
    assert not caps.declares(Condition("Observation", "read"))
    assert parse_capabilities(read_json(json.dumps(PATIENT)).root).problem == \
        "GET /metadata returned a Patient, not a CapabilityStatement"


SPINE = "https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode"
SPINE_OUTCOME = {"resourceType": "OperationOutcome", "issue": [
    {"severity": "error", "code": "value", "details": {"coding": [
        {"system": SPINE, "version": "1", "code": "INVALID_RESOURCE_ID", "display": "Resource Id is invalid"}]}}]}


@pytest.mark.parametrize(("etag", "params", "expected"), [
    ('W/"3"', EtagExpectation(), [("ETag is W/\"<version>\"", "pass", 'W/"3"'),
                                  ("ETag names the body's meta.versionId", "pass", "")]),
    ('W/"2"', EtagExpectation(), [("ETag is W/\"<version>\"", "pass", 'W/"2"'),
                                  ("ETag names the body's meta.versionId", "fail",
                                   "ETag names version '2', meta.versionId is '3'")]),
    ('"3"', EtagExpectation(), [("ETag is W/\"<version>\"", "fail", "ETag is '\"3\"'")]),
    (None, EtagExpectation(), [("ETag is W/\"<version>\"", "fail", "ETag is absent")]),
    ('W/"3"', EtagExpectation(matches_version_id=False, version="${next}"),
     [("ETag is W/\"<version>\"", "pass", 'W/"3"'), ("ETag names version 4", "fail", "ETag names version '3'")]),
])
def test_etag_is_a_weak_tag_naming_the_version(etag: str | None, params: EtagExpectation,
                                               expected: list[tuple[str, str, str]]) -> None:
    headers = {"ETag": etag} if etag is not None else {}
    assert outcomes(Expectations.of(etag=params), view(PATIENT, headers=headers), next="4") == expected


@pytest.mark.parametrize(("value", "form", "outcome"), [
    ("60E0B220-8136-4CA5-AE46-1D97EF59D068", "uuid", "pass"), ("1234", "uuid", "fail"),
    ('W/"12"', "weak-etag", "pass"), ('W/"a"', "weak-etag", "fail"), ("5", "integer", "pass"),
    ("soon", "integer", "fail"), ("Wed, 02 Dec 2026 18:00:00 GMT", "http-date", "pass"), ("yesterday", "http-date", "fail"),
])
def test_header_format(value: str, form: str, outcome: str) -> None:
    found = check_response(Expectations.of(header_format=(("X-Test", form),)), view(PATIENT, headers={"X-Test": value}),
                           {}, None)  # type: ignore[arg-type]
    assert [(f.outcome.value, f.code if outcome == "fail" else None) for f in found] == [
        (outcome, "expect.header-format" if outcome == "fail" else None)]


@pytest.mark.parametrize(("params", "message"), [
    (ErrorCoding(SPINE, ("INVALID_RESOURCE_ID",), "value", "1", True), ""),
    (ErrorCoding(SPINE), ""),
    (ErrorCoding(SPINE, ("RESOURCE_NOT_FOUND",)), f"coding {SPINE}|INVALID_RESOURCE_ID has another code"),
    (ErrorCoding("https://other", ("INVALID_RESOURCE_ID",)), f"coding {SPINE}|INVALID_RESOURCE_ID is from another system"),
    (ErrorCoding(SPINE, issue_code="not-found"),
     f"coding {SPINE}|INVALID_RESOURCE_ID is on an issue of type 'value', not 'not-found'"),
    (ErrorCoding(SPINE, version="2"), f"coding {SPINE}|INVALID_RESOURCE_ID has version '1', not '2'"),
])
def test_error_coding_names_the_system_code_and_what_differs(params: ErrorCoding, message: str) -> None:
    (finding,) = check_response(Expectations.of(error_coding=params), view(SPINE_OUTCOME, 400), {}, None)  # type: ignore[arg-type]
    assert (finding.outcome.value, finding.message) == ("fail" if message else "pass", message)
