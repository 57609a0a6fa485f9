"""Bearer-token checks on FHIR requests and the OAuth2 token endpoint that issues the tokens.

Modes: `none` (nothing checked), `bearer` (the configured static tokens; no token endpoint) and
`oauth2` (tokens from `POST /oauth2/token` by client credentials — a secret, in the form or
HTTP Basic, or a signed JWT assertion verified against the JWKS — and the static tokens too).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import threading
import time
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote

from conformance.reference.assertions import JWT_BEARER, InvalidAssertion, load_jwks, verify_assertion
from conformance.reference.config import ServerConfig
from conformance.reference.negotiation import is_form
from conformance.reference.outcomes import FhirError

REALM = 'Bearer realm="conformance-reference"'


class TokenError(Exception):
    """An OAuth2 error response (RFC 6749 section 5.2)."""

    def __init__(self, status: int, error: str, description: str, basic_challenge: bool = False) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description
        self.basic_challenge = basic_challenge

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


class Authenticator:
    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.keys = load_jwks(config.jwks_file) if config.jwks_file else {}
        self._issued: dict[str, float] = {}  # token -> expiry (epoch seconds)
        self._seen_jti: dict[str, float] = {}  # jti -> the assertion's expiry
        self._lock = threading.Lock()

    @property
    def token_endpoint_enabled(self) -> bool:
        return self.config.auth == "oauth2"

    def check(self, authorization: str | None) -> None:
        """Raise a 401 FhirError unless the request carries a token this server accepts."""
        if self.config.auth == "none" or self.config.has("token-not-checked"):
            return
        scheme, _, token = (authorization or "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise FhirError(401, "login", "ACCESS_DENIED", "this request needs Authorization: Bearer <token>",
                            headers={"WWW-Authenticate": REALM})
        if not self._valid(token):
            raise FhirError(401, "login", "ACCESS_DENIED", "the access token is invalid or has expired",
                            headers={"WWW-Authenticate": f'{REALM}, error="invalid_token"'})

    def _valid(self, token: str) -> bool:
        if any(hmac.compare_digest(token, static) for static in self.config.static_tokens):
            return True
        with self._lock:
            expiry = self._issued.get(token)
            return expiry is not None and expiry > time.time()

    def issue(self) -> dict[str, Any]:
        """A new access token, valid for the configured lifetime."""
        token, now = secrets.token_urlsafe(32), time.time()
        with self._lock:
            self._issued = {t: expiry for t, expiry in self._issued.items() if expiry > now}
            self._issued[token] = now + self.config.token_lifetime
        return {"access_token": token, "token_type": "Bearer", "expires_in": self.config.token_lifetime}

    def token_request(self, content_type: str | None, authorization: str | None, body: bytes,
                      audiences: Collection[str]) -> dict[str, Any]:
        """Answer `POST /oauth2/token`: the token response, or a TokenError."""
        if not is_form(content_type):
            raise TokenError(400, "invalid_request", "the body must be application/x-www-form-urlencoded")
        try:
            form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False))
        except UnicodeDecodeError:
            raise TokenError(400, "invalid_request", "the form is not UTF-8") from None
        if form.get("grant_type") != "client_credentials":
            raise TokenError(400, "unsupported_grant_type", "only grant_type=client_credentials is supported")
        basic = _basic_credentials(authorization)
        methods = [m for m, given in (("basic", basic), ("secret", "client_secret" in form),
                                      ("assertion", "client_assertion" in form)) if given]
        if len(methods) > 1:
            raise TokenError(400, "invalid_request", "use exactly one way of authenticating the client")
        if not methods:
            raise TokenError(401, "invalid_client", "no client authentication was given")
        if methods[0] == "assertion":
            self._check_assertion(form, audiences)
            return self.issue()
        client_id, secret = basic if basic else (form.get("client_id", ""), form.get("client_secret", ""))
        if not self._secret_matches(client_id, secret):
            raise TokenError(401, "invalid_client", "unknown client or wrong secret", basic_challenge=bool(basic))
        return self.issue()

    def _secret_matches(self, client_id: str, secret: str) -> bool:
        expected = self.config.clients.get(client_id)
        return expected is not None and hmac.compare_digest(secret.encode(), expected.encode())

    def _check_assertion(self, form: Mapping[str, str], audiences: Collection[str]) -> None:
        if form.get("client_assertion_type") != JWT_BEARER:
            raise TokenError(400, "invalid_request", f"client_assertion_type must be {JWT_BEARER}")
        if not self.keys:
            raise TokenError(401, "invalid_client", "signed JWT assertions are not accepted: no JWKS is registered")
        now = time.time()
        try:
            claims = verify_assertion(form.get("client_assertion", ""), self.keys, audiences, now,
                                      form.get("client_id"))
        except InvalidAssertion as exc:
            raise TokenError(401, "invalid_client", str(exc)) from None
        with self._lock:
            self._seen_jti = {j: exp for j, exp in self._seen_jti.items() if exp > now - 60}
            if claims["jti"] in self._seen_jti:
                raise TokenError(401, "invalid_client", "this 'jti' has been used before")
            self._seen_jti[claims["jti"]] = float(claims["exp"])


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    scheme, _, encoded = (authorization or "").strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, ValueError):
        raise TokenError(400, "invalid_request", "the Basic credentials are not valid base64") from None
    if not sep:
        raise TokenError(400, "invalid_request", "the Basic credentials need client_id:client_secret")
    return unquote(user), unquote(password)
