"""The pieces that bound a run and keep the target's credentials in: JSON depth on bytes, encoded
secrets, token-bearing FHIR shapes, deep bodies, and the target URL split and joined."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest

from conformance.scenarios.limits import json_depth
from conformance.scenarios.redact import REDACTED, Redactor, scrub
from conformance.scenarios.target import join_url, parse_target

SECRET = "s3cr3t/t0ken+value"


@pytest.mark.parametrize(("body", "depth"), [
    (b"", 0), (b"42", 0), (b"{}", 1), (b'{"a": [1, {"b": []}]}', 4), (b'["[[[[", "]]"]', 1),
    (b'{"a": "\\"[[["}', 1), (b"[" * 10_000 + b"]" * 10_000, 10_000),
])
def test_json_depth_is_measured_on_the_bytes_ignoring_brackets_in_strings(body: bytes, depth: int) -> None:
    assert json_depth(body) == depth


@pytest.mark.parametrize("echoed", [
    SECRET, quote(SECRET, safe=""), json.dumps(SECRET)[1:-1],
    base64.b64encode(SECRET.encode()).decode(), base64.urlsafe_b64encode(SECRET.encode()).decode().rstrip("="),
    base64.b64encode(b"Bearer " + SECRET.encode()).decode(),  # inside a longer base64 text: each alignment
    base64.b64encode(b"x:" + SECRET.encode() + b"!").decode(),
    base64.b64encode(b"ab:" + SECRET.encode()).decode(),
])
def test_a_known_secret_is_redacted_in_every_encoded_form(echoed: str) -> None:
    redacted = Redactor([SECRET]).text(f"seen: {echoed} .")
    assert REDACTED in redacted
    assert SECRET not in redacted and base64.b64encode(SECRET.encode()).decode()[:12] not in redacted


def test_a_parameters_parameter_named_access_token_is_redacted() -> None:
    body = {"resourceType": "Parameters", "parameter": [
        {"name": "access_token", "valueString": "unknown-to-the-run"}, {"name": "count", "valueInteger": 3}]}
    text = Redactor().body(json.dumps(body), "application/fhir+json")
    assert json.loads(text)["parameter"] == [{"name": "access_token", "valueString": REDACTED},
                                             {"name": "count", "valueInteger": 3}]


def test_redaction_of_a_body_10000_levels_deep_neither_recurses_nor_fails() -> None:
    deep = "[" * 10_000 + json.dumps({"access_token": SECRET}) + "]" * 10_000
    redacted = Redactor([SECRET]).body(deep, "application/json")
    assert SECRET not in redacted and redacted.count(REDACTED) == 1
    nested: list = []  # type: ignore[type-arg]
    inner = nested
    for _ in range(100_000):  # scrub walks with its own stack
        inner.append([])
        inner = inner[0]
    inner.append({"password": "x"})
    assert scrub(nested) is True


def test_the_target_url_is_split_into_base_query_credentials_and_secrets() -> None:
    url = parse_target("HTTPS://al%40ice:p%2Fss@Host.example:8443/FHIR/R4/?apikey=K123456&tenant=t1")
    assert url.base == "https://Host.example:8443/FHIR/R4"
    assert url.query == (("apikey", "K123456"), ("tenant", "t1"))
    assert (url.user, url.password) == ("al@ice", "p/ss")
    assert set(url.secrets) == {"K123456", "p/ss", "al@ice"}
    assert url.shown == "https://Host.example:8443/FHIR/R4?apikey=[redacted]&tenant=t1"
    with pytest.raises(ValueError):
        parse_target("ftp://host/x")


def test_the_base_query_is_joined_to_each_request_for_the_targets_origin_only() -> None:
    base, own = "https://h/fhir", (("apikey", "K"),)
    assert join_url(base, own, "Patient/1", []) == "https://h/fhir/Patient/1?apikey=K"
    assert join_url(base, own, "/Patient", [("name", "a b")]) == "https://h/fhir/Patient?apikey=K&name=a+b"
    assert join_url(base, own, "Patient?_id=1", [("x", "y")]) == "https://h/fhir/Patient?_id=1&apikey=K&x=y"
    assert join_url(base, own, "https://other/x", [("q", "1")]) == "https://other/x?q=1"
    assert join_url(base, (), "metadata", []) == "https://h/fhir/metadata"


def test_user_info_in_a_recorded_url_is_redacted() -> None:
    assert Redactor().url("http://u:p@h/x?token=abc&name=bob") == f"http://{REDACTED}@h/x?token={REDACTED}&name=bob"
