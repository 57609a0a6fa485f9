"""Secrets are scrubbed before an exchange is kept; the signed JWT client assertion is what NHS APIs expect."""

from __future__ import annotations

import base64
import json
import time

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from conformance.scenarios import REDACTED, Redactor, build_auth
from conformance.scenarios import jwt as jwt_module
from conformance.scenarios.auth import ASSERTION_TYPE, BearerAuth, ClientCredentialsAuth, JwtAssertionAuth


def test_credential_headers_are_redacted_whatever_their_case() -> None:
    r = Redactor()
    got = r.headers({"authorization": "Bearer abc", "Cookie": "s=1", "Set-Cookie": "s=2", "Accept": "x"})
    assert got == {"authorization": REDACTED, "Cookie": REDACTED, "Set-Cookie": REDACTED, "Accept": "x"}


def test_credential_fields_in_form_and_json_bodies_are_redacted() -> None:
    r = Redactor()
    form = r.body("grant_type=client_credentials&client_secret=s&client_assertion=a.b.c",
                  "application/x-www-form-urlencoded")
    assert form == "grant_type=client_credentials&client_secret=%5Bredacted%5D&client_assertion=%5Bredacted%5D"
    body = r.body('{"access_token": "tok", "nested": [{"refresh_token": "r"}], "expires_in": 599}', "application/json")
    assert json.loads(body) == {"access_token": REDACTED, "nested": [{"refresh_token": REDACTED}], "expires_in": 599}
    assert r.body('{"resourceType": "Patient"}', "application/fhir+json") == '{"resourceType": "Patient"}'


def test_known_secret_values_are_redacted_everywhere_but_short_ones_only_in_named_places() -> None:
    r = Redactor(["s3cret-value", "abc"])
    assert r.url("https://x/a?note=s3cret-value&access_token=t&n=abc") == \
        "https://x/a?note=[redacted]&access_token=[redacted]&n=abc"
    assert r.headers({"X-Note": "a s3cret-value b"}) == {"X-Note": f"a {REDACTED} b"}
    assert r.text("abc s3cret-values") == f"abc {REDACTED}s"
    spaced = Redactor(["pass word+1"])
    assert spaced.url("https://x/?a=pass+word%2B1&b=pass%20word%2B1") == f"https://x/?a={REDACTED}&b={REDACTED}"


def test_each_auth_registers_the_secrets_it_sends() -> None:
    r = Redactor()
    BearerAuth("static-token-1").register_secrets(r)
    ClientCredentialsAuth("app", "client-secret-2", "https://x/token").register_secrets(r)
    assert r.text("static-token-1 client-secret-2 app") == f"{REDACTED} {REDACTED} app"


@pytest.fixture(scope="module")
def key():  # type: ignore[no-untyped-def]
    return jwt_module.generate_key()


def _decode(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_the_client_assertion_is_rs512_with_kid_and_nhs_claims(key) -> None:  # type: ignore[no-untyped-def]
    now = time.time()
    token = jwt_module.client_assertion(key, "my-app", "https://auth.example/oauth2/token", "kid-1", now=now)
    header, claims, signature = token.split(".")
    assert _decode(header) == {"alg": "RS512", "typ": "JWT", "kid": "kid-1"}
    body = _decode(claims)
    assert (body["iss"], body["sub"], body["aud"]) == ("my-app", "my-app", "https://auth.example/oauth2/token")
    assert body["exp"] - int(now) == 300 and body["iat"] == int(now) and len(body["jti"]) == 36
    raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    key.public_key().verify(raw, f"{header}.{claims}".encode(), padding.PKCS1v15(), hashes.SHA512())
    again = jwt_module.client_assertion(key, "my-app", "https://auth.example/oauth2/token", "kid-1", now=now)
    assert _decode(again.split(".")[1])["jti"] != body["jti"]


def test_the_jwk_carries_the_public_key(key) -> None:  # type: ignore[no-untyped-def]
    jwk = jwt_module.jwks(key, "k")["keys"][0]
    n = int.from_bytes(base64.urlsafe_b64decode(jwk["n"] + "=" * (-len(jwk["n"]) % 4)), "big")
    assert (jwk["kty"], jwk["alg"], jwk["kid"], n) == ("RSA", "RS512", "k", key.public_key().public_numbers().n)


def test_the_jwt_form_asks_for_client_credentials_with_an_assertion(key) -> None:  # type: ignore[no-untyped-def]
    auth = JwtAssertionAuth("app", key, "k", "https://x/token")
    form = auth.form()
    assert (form["grant_type"], form["client_assertion_type"]) == ("client_credentials", ASSERTION_TYPE)
    assert form["client_assertion"].count(".") == 2


@pytest.mark.parametrize(("mode", "options", "message"), [
    ("bearer", {}, "--auth bearer needs a token: --token-file FILE or CONFORMANCE_TOKEN"),
    ("client-credentials", {"client_id": "a"}, "--auth client-credentials needs --token-url, --client-secret-file"),
    ("jwt", {"token_url": "u"}, "--auth jwt needs --client-id, --private-key, --kid"),
    ("jwt", {"token_url": "u", "client_id": "a", "kid": "k", "private_key_pem": b"not a key"},
     "--private-key: not an unencrypted PEM private key"),
])
def test_missing_or_wrong_auth_options_are_named(mode: str, options: dict, message: str) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        build_auth(mode, **options)
