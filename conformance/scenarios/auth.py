"""Credentials for the system under test: none, a bearer token, or a token fetched and refreshed.

Token endpoints are asked with `grant_type=client_credentials` and either a client id and secret,
or the NHS-style signed JWT client assertion (see `jwt.py`). A token is reused until shortly
before it expires; a 401 makes the runner ask for a fresh one once. Every secret an `Auth`
handles is given to the run's `Redactor` before it is used.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from cryptography.hazmat.primitives.asymmetric import rsa

from conformance.errors import ConformanceError
from conformance.scenarios import jwt
from conformance.scenarios.http import HttpClient, TransportError
from conformance.scenarios.redact import Redactor

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_EARLY_REFRESH_SECONDS = 30


class AuthError(Exception):
    """No usable credentials: the token endpoint refused, or could not be reached."""


class AuthOptionError(ConformanceError, ValueError):
    """The --auth options cannot make credentials (one missing, an unusable key); the message says which."""


class Auth:
    """No credentials (the base class): requests go out as they are."""

    kind = "none"

    def register_secrets(self, redactor: Redactor) -> None:
        """Tell the redactor every secret this auth will send."""

    def headers(self, client: HttpClient, record: list[dict[str, Any]]) -> dict[str, str]:
        return {}

    def refresh(self) -> bool:
        """Forget the current token; True when asking again may help (a 401 is then retried once)."""
        return False


@dataclass
class BearerAuth(Auth):
    token: str
    kind = "bearer"

    def register_secrets(self, redactor: Redactor) -> None:
        redactor.add(self.token)

    def headers(self, client: HttpClient, record: list[dict[str, Any]]) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class BasicAuth(Auth):
    """HTTP Basic credentials, from the user-info of `--target` (moved out of the URL)."""

    user: str
    password: str
    kind = "basic"

    def register_secrets(self, redactor: Redactor) -> None:
        redactor.add(self.password)
        redactor.add(self.user)
        redactor.add(f"{self.user}:{self.password}")

    def headers(self, client: HttpClient, record: list[dict[str, Any]]) -> dict[str, str]:
        pair = f"{self.user}:{self.password}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}


class TokenAuth(Auth):
    """A token from a token endpoint, cached until it is about to expire."""

    def __init__(self, client_id: str, token_url: str) -> None:
        self.client_id = client_id
        self.token_url = token_url
        self._token: str | None = None
        self._expires = 0.0
        self._redactor: Redactor | None = None

    def register_secrets(self, redactor: Redactor) -> None:
        self._redactor = redactor

    def form(self) -> dict[str, str]:
        raise NotImplementedError

    def headers(self, client: HttpClient, record: list[dict[str, Any]]) -> dict[str, str]:
        if self._token is None or time.time() >= self._expires - _EARLY_REFRESH_SECONDS:
            self._fetch(client, record)
        return {"Authorization": f"Bearer {self._token}"}

    def refresh(self) -> bool:
        self._token = None
        return True

    def _fetch(self, client: HttpClient, record: list[dict[str, Any]]) -> None:
        form = self.form()
        body = urlencode(form).encode("ascii")
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
        try:
            response = client.send("POST", self.token_url, headers=headers, body=body, record=record, role="token")
        except TransportError as exc:
            raise AuthError(f"could not get an access token: {exc.reason}") from None
        try:
            data = json.loads(response.body)
        except ValueError:
            data = None
        if response.status != 200 or not isinstance(data, dict) or not isinstance(data.get("access_token"), str):
            detail = ""
            if isinstance(data, dict):
                detail = str(data.get("error_description") or data.get("error") or "")
            raise AuthError(f"the token endpoint {self.token_url} answered {response.status}"
                            + (f": {detail}" if detail else "") + f" (client id {self.client_id})")
        self._token = data["access_token"]
        if self._redactor is not None:
            self._redactor.add(self._token)
        expires_in = data.get("expires_in")
        self._expires = time.time() + (float(expires_in) if isinstance(expires_in, (int, float)) else 300.0)
        # the exchange was recorded before the token was known to the redactor: scrub it now
        if record and self._redactor is not None:
            record[-1] = json.loads(self._redactor.text(json.dumps(record[-1])))


class ClientCredentialsAuth(TokenAuth):
    kind = "client-credentials"

    def __init__(self, client_id: str, client_secret: str, token_url: str) -> None:
        super().__init__(client_id, token_url)
        self.client_secret = client_secret

    def register_secrets(self, redactor: Redactor) -> None:
        super().register_secrets(redactor)
        redactor.add(self.client_secret)

    def form(self) -> dict[str, str]:
        return {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.client_secret}


class JwtAssertionAuth(TokenAuth):
    kind = "jwt"

    def __init__(self, client_id: str, private_key: rsa.RSAPrivateKey, kid: str, token_url: str) -> None:
        super().__init__(client_id, token_url)
        self.private_key = private_key
        self.kid = kid

    def form(self) -> dict[str, str]:
        assertion = jwt.client_assertion(self.private_key, self.client_id, self.token_url, self.kid)
        if self._redactor is not None:
            self._redactor.add(assertion)
        return {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": assertion}


def build_auth(mode: str, *, token: str | None = None, client_id: str | None = None,
               client_secret: str | None = None, private_key_pem: bytes | None = None, kid: str | None = None,
               token_url: str | None = None, private_key_name: str = "--private-key") -> Auth:
    """The Auth for `--auth MODE` and its options; AuthOptionError naming what is missing or wrong (a key that
    cannot be used is named by `private_key_name`, its file)."""
    if mode == "none":
        return Auth()
    if mode == "bearer":
        if not token:
            raise AuthOptionError("--auth bearer needs a token: --token-file FILE or CONFORMANCE_TOKEN")
        return BearerAuth(token)
    missing = [name for name, value in (("--client-id", client_id), ("--token-url", token_url)) if not value]
    if mode == "client-credentials":
        if not client_secret:
            missing.append("--client-secret-file (or CONFORMANCE_CLIENT_SECRET)")
        if missing:
            raise AuthOptionError("--auth client-credentials needs " + ", ".join(missing))
        return ClientCredentialsAuth(client_id or "", client_secret or "", token_url or "")
    if mode == "jwt":
        if private_key_pem is None:
            missing.append("--private-key")
        if not kid:
            missing.append("--kid")
        if missing:
            raise AuthOptionError("--auth jwt needs " + ", ".join(missing))
        try:
            key = jwt.load_private_key(private_key_pem or b"")
        except ValueError as exc:
            raise AuthOptionError(f"{private_key_name}: {exc}") from None
        return JwtAssertionAuth(client_id or "", key, kid or "", token_url or "")
    raise AuthOptionError(f"unknown --auth mode {mode!r}; use none, bearer, client-credentials or jwt")
