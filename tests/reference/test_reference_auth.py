"""Auth: static bearer tokens, OAuth2 client credentials, signed JWT client assertions, and mutual TLS."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from conformance.reference import ConfigError, ReferenceServer, ServerConfig
from tests.reference.conftest import Pki, SigningKey, error_code, running

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _patient(server: ReferenceServer, token: str | None = None, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(f"{server.base_url}/Patient/9000000009", headers=headers, timeout=10, **kwargs)


# -- static bearer tokens --------------------------------------------------------------------------------
def test_bearer_mode_needs_a_known_token() -> None:
    with running(auth="bearer", static_tokens={"s3cret-token"}) as server:
        assert _patient(server, "s3cret-token").status_code == 200
        missing = _patient(server)
        assert error_code(missing) == (401, "login", "ACCESS_DENIED")
        assert missing.headers["WWW-Authenticate"] == 'Bearer realm="conformance-reference"'
        wrong = _patient(server, "other-token")
        assert error_code(wrong) == (401, "login", "ACCESS_DENIED")
        assert wrong.headers["WWW-Authenticate"] == 'Bearer realm="conformance-reference", error="invalid_token"'
        basic = requests.get(f"{server.base_url}/Patient/9000000009", headers={"Authorization": "Basic czNjcmV0"})
        assert basic.status_code == 401


def test_auth_comes_before_everything_but_metadata() -> None:
    with running(auth="bearer", static_tokens={"t"}) as server:
        ids = {"X-Request-ID": "req-1"}
        for path in ("Patient/9000000092", "Patient/123", "Observation/1", "Patient?family=x"):
            r = requests.get(f"{server.base_url}/{path}", headers={**ids, "Accept": "application/xml"})
            assert (r.status_code, r.headers["X-Request-ID"]) == (401, "req-1"), path
        metadata = requests.get(f"{server.base_url}/metadata").json()
        assert metadata["rest"][0]["security"]["service"][0]["coding"][0]["code"] == "OAuth"


def test_bearer_mode_has_no_token_endpoint() -> None:
    with running(auth="bearer", static_tokens={"t"}) as server:
        r = requests.post(server.token_url, data={"grant_type": "client_credentials"})
        assert (r.status_code, r.json()["error"]) == (404, "invalid_request")


# -- OAuth2 client credentials -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def oauth(tmp_path_factory: pytest.TempPathFactory, make_key: Callable[[str], SigningKey]) -> Iterator[ReferenceServer]:
    jwks = tmp_path_factory.mktemp("jwks") / "jwks.json"
    jwks.write_text(json.dumps({"keys": [make_key("key-1").jwk(), {"kty": "EC", "kid": "ignored"}]}))
    with running(auth="oauth2", clients={"app-1": "app-secret"}, static_tokens={"static"}, jwks_file=jwks,
                 token_lifetime=60) as server:
        yield server


def _token(server: ReferenceServer, **form: str) -> requests.Response:
    return requests.post(server.token_url, data={"grant_type": "client_credentials", **form}, timeout=10)


def test_client_secret_in_the_form(oauth: ReferenceServer) -> None:
    r = _token(oauth, client_id="app-1", client_secret="app-secret")
    assert r.status_code == 200
    assert (r.headers["Content-Type"], r.headers["Cache-Control"]) == ("application/json; charset=utf-8", "no-store")
    body = r.json()
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 60)
    assert _patient(oauth, body["access_token"]).status_code == 200
    assert _patient(oauth, "static").status_code == 200
    assert _patient(oauth).status_code == 401


def test_client_secret_by_http_basic(oauth: ReferenceServer) -> None:
    r = requests.post(oauth.token_url, data={"grant_type": "client_credentials"}, auth=("app-1", "app-secret"))
    assert _patient(oauth, r.json()["access_token"]).status_code == 200
    wrong = requests.post(oauth.token_url, data={"grant_type": "client_credentials"}, auth=("app-1", "nope"))
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
    assert wrong.headers["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize(("form", "status", "error"), [
    ({"client_id": "app-1", "client_secret": "wrong"}, 401, "invalid_client"),
    ({"client_id": "nobody", "client_secret": "app-secret"}, 401, "invalid_client"),
    ({}, 401, "invalid_client"),
    ({"grant_type": "password", "client_id": "app-1", "client_secret": "app-secret"}, 400, "unsupported_grant_type"),
    ({"client_id": "app-1", "client_secret": "app-secret", "client_assertion": "x",
      "client_assertion_type": JWT_BEARER}, 400, "invalid_request"),
])
def test_token_requests_refused(oauth: ReferenceServer, form: dict[str, str], status: int, error: str) -> None:
    r = _token(oauth, **form)
    assert (r.status_code, r.json()["error"]) == (status, error)
    assert "access_token" not in r.json()


def test_token_request_must_be_a_form(oauth: ReferenceServer) -> None:
    r = requests.post(oauth.token_url, json={"grant_type": "client_credentials", "client_id": "app-1",
                                             "client_secret": "app-secret"})
    assert (r.status_code, r.json()["error"]) == (400, "invalid_request")
    assert requests.get(oauth.token_url).status_code == 405


def test_issued_tokens_expire() -> None:
    with running(auth="oauth2", clients={"c": "s"}, token_lifetime=0) as server:
        token = _token(server, client_id="c", client_secret="s").json()["access_token"]
        assert error_code(_patient(server, token)) == (401, "login", "ACCESS_DENIED")


# -- signed JWT client assertions -----------------------------------------------------------------------
def _assert(server: ReferenceServer, assertion: str, **form: str) -> requests.Response:
    return _token(server, client_assertion_type=JWT_BEARER, client_assertion=assertion, **form)


def test_signed_jwt_assertion_gets_a_token(oauth: ReferenceServer, make_key: Callable[[str], SigningKey]) -> None:
    key = make_key("key-1")
    r = _assert(oauth, key.assertion(aud=oauth.token_url), client_id="test-app")
    assert r.status_code == 200, r.text
    assert _patient(oauth, r.json()["access_token"]).status_code == 200
    localhost_aud = oauth.token_url.replace("127.0.0.1", "localhost")
    via_localhost = requests.post(localhost_aud, data={"grant_type": "client_credentials",
                                  "client_assertion_type": JWT_BEARER,
                                  "client_assertion": key.assertion(aud=localhost_aud)})
    assert via_localhost.status_code == 200


def test_assertion_cannot_be_replayed(oauth: ReferenceServer, make_key: Callable[[str], SigningKey]) -> None:
    assertion = make_key("key-1").assertion(aud=oauth.token_url)
    assert _assert(oauth, assertion).status_code == 200
    again = _assert(oauth, assertion)
    assert (again.status_code, again.json()["error_description"]) == (401, "this 'jti' has been used before")


def _refusals(server: ReferenceServer, key: SigningKey, other: SigningKey) -> dict[str, str]:
    now = int(time.time())
    good = key.assertion(aud=server.token_url)
    head, claims, signature = good.split(".")
    tampered_sig = signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")
    return {
        "wrong key": SigningKey(other.key, "key-1").assertion(aud=server.token_url),
        "unknown kid": other.assertion(aud=server.token_url),
        "expired": key.assertion(aud=server.token_url, exp=now - 60),
        "too long": key.assertion(aud=server.token_url, lifetime=3600),
        "wrong aud": key.assertion(aud="https://elsewhere.example/oauth2/token"),
        "aud list without us": key.assertion(aud=["https://elsewhere.example/token"]),
        "sub differs": key.assertion(aud=server.token_url, sub="someone-else"),
        "no jti": key.assertion(aud=server.token_url, jti=""),
        "exp not a number": key.assertion(aud=server.token_url, exp="soon"),
        "alg RS256 claimed": key.assertion(aud=server.token_url, alg="RS256"),
        "tampered signature": f"{head}.{claims}.{tampered_sig}",
        "not a JWT": "abc.def",
        "header not JSON": f"bm90IGpzb24.{claims}.{signature}",
    }


EXPECTED_REASONS = {
    "wrong key": "signature does not verify", "unknown kid": "'kid' names no key", "expired": "has expired",
    "too long": "more than 5 minutes ahead", "wrong aud": "'aud' must be", "aud list without us": "'aud' must be",
    "sub differs": "'iss' and 'sub'", "no jti": "'jti'", "exp not a number": "'exp' must be a number",
    "alg RS256 claimed": "RS512", "tampered signature": "signature does not verify", "not a JWT": "three",
    "header not JSON": "header is not base64url-encoded JSON",
}


def test_bad_assertions_are_refused(oauth: ReferenceServer, make_key: Callable[[str], SigningKey]) -> None:
    refusals = _refusals(oauth, make_key("key-1"), make_key("key-2"))
    assert sorted(refusals) == sorted(EXPECTED_REASONS)
    for case, assertion in refusals.items():
        r = _assert(oauth, assertion)
        assert (r.status_code, r.json()["error"]) == (401, "invalid_client"), case
        assert EXPECTED_REASONS[case] in r.json()["error_description"], case
        assert assertion not in r.text


def test_assertion_client_id_must_match_iss(oauth: ReferenceServer, make_key: Callable[[str], SigningKey]) -> None:
    r = _assert(oauth, make_key("key-1").assertion(aud=oauth.token_url), client_id="app-1")
    assert (r.status_code, r.json()["error"]) == (401, "invalid_client")
    wrong_type = _token(oauth, client_assertion_type="urn:other", client_assertion="x")
    assert (wrong_type.status_code, wrong_type.json()["error"]) == (400, "invalid_request")


def test_assertions_need_a_jwks(make_key: Callable[[str], SigningKey]) -> None:
    with running(auth="oauth2", clients={"c": "s"}) as server:
        r = _assert(server, make_key("key-1").assertion(aud=server.token_url))
        assert (r.status_code, r.json()["error"]) == (401, "invalid_client")


@pytest.mark.parametrize(("content", "message"), [
    (None, "not a readable JWKS"),
    ("{]", "not a readable JWKS"),
    ('{"keys": {}}', "not a readable JWKS"),
    ('{"keys": [{"kty": "EC", "kid": "a"}]}', "no RSA key"),
    ('{"keys": [{"kty": "RSA", "kid": "a", "n": 5, "e": "AQAB"}]}', "key 'a' is not a valid RSA public key"),
])
def test_bad_jwks_is_a_config_error(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "jwks.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError, match=message):
        ReferenceServer(ServerConfig(auth="oauth2", jwks_file=path)).start()


# -- TLS and mutual TLS ---------------------------------------------------------------------------------
def test_tls(pki: Pki) -> None:
    with running(tls_cert=pki.server_cert, tls_key=pki.server_key) as server:
        assert server.base_url.startswith("https://127.0.0.1:")
        assert _patient(server, verify=str(pki.ca)).status_code == 200
        with pytest.raises(requests.exceptions.SSLError):
            _patient(server)  # not trusted by the system's CAs


def test_mutual_tls_needs_a_client_certificate_from_the_ca(pki: Pki) -> None:
    with running(tls_cert=pki.server_cert, tls_key=pki.server_key, client_ca=pki.ca) as server:
        ok = _patient(server, verify=str(pki.ca), cert=(str(pki.client_cert), str(pki.client_key)))
        assert ok.status_code == 200
        with pytest.raises(requests.exceptions.ConnectionError):
            _patient(server, verify=str(pki.ca))
        with pytest.raises(requests.exceptions.ConnectionError):
            _patient(server, verify=str(pki.ca), cert=(str(pki.stranger_cert), str(pki.stranger_key)))
        assert _patient(server, verify=str(pki.ca), cert=(str(pki.client_cert), str(pki.client_key))).ok


def test_mutual_tls_with_bearer_auth(pki: Pki) -> None:
    with running(tls_cert=pki.server_cert, tls_key=pki.server_key, client_ca=pki.ca, auth="bearer",
                 static_tokens={"t"}) as server:
        cert = (str(pki.client_cert), str(pki.client_key))
        assert _patient(server, "t", verify=str(pki.ca), cert=cert).status_code == 200
        assert _patient(server, verify=str(pki.ca), cert=cert).status_code == 401


def test_plain_http_to_a_tls_server_is_dropped(pki: Pki) -> None:
    with running(tls_cert=pki.server_cert, tls_key=pki.server_key) as server:
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(server.base_url.replace("https://", "http://") + "/metadata", timeout=10)
        assert _patient(server, verify=str(pki.ca)).status_code == 200


@pytest.mark.parametrize(("settings", "message"), [
    ({"tls_cert": Path("missing.crt"), "tls_key": Path("missing.key")}, "cannot load the TLS certificate"),
    ({"tls_cert": Path("x.crt")}, "TLS needs both a certificate and its private key"),
    ({"client_ca": Path("ca.crt")}, "needs TLS"),
    ({"auth": "magic"}, "unknown auth mode 'magic'"),
])
def test_tls_config_errors(settings: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ReferenceServer(ServerConfig(**settings)).start()


def test_bad_client_ca_is_a_config_error(pki: Pki, tmp_path: Path) -> None:
    (tmp_path / "ca.crt").write_text("not a certificate")
    with pytest.raises(ConfigError, match="cannot load the client CA"):
        ReferenceServer(ServerConfig(tls_cert=pki.server_cert, tls_key=pki.server_key,
                                     client_ca=tmp_path / "ca.crt")).start()
