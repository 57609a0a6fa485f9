"""Throwaway credentials for the built-in target: made for one run, known to both ends, then gone.

For the profile's `reference.auth` mode this gives the keyword arguments the reference server's
configuration takes (a static token, a client and secret, or a JWKS file of a fresh RSA key) and
the matching client-side `Auth`, which needs the server's token URL once it has started.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from conformance.scenarios import jwt
from conformance.scenarios.auth import Auth, BearerAuth, ClientCredentialsAuth, JwtAssertionAuth

CLIENT_ID = "conformance-runner"


@dataclass(slots=True)
class BuiltinCredentials:
    server: dict[str, Any]  # ServerConfig keyword arguments
    auth_for: Callable[[str], Auth]  # token URL -> the client's Auth


def builtin_credentials(mode: str, folder: Path) -> BuiltinCredentials:
    """`mode` is none | bearer | client-credentials | jwt; `folder` holds the JWKS file for jwt."""
    if mode == "bearer":
        token = secrets.token_urlsafe(32)
        return BuiltinCredentials({"auth": "bearer", "static_tokens": {token}}, lambda _url: BearerAuth(token))
    if mode == "client-credentials":
        secret = secrets.token_urlsafe(32)
        return BuiltinCredentials({"auth": "oauth2", "clients": {CLIENT_ID: secret}},
                                  lambda url: ClientCredentialsAuth(CLIENT_ID, secret, url))
    if mode == "jwt":
        key, kid = _process_key()
        jwks_file = folder / "jwks.json"
        jwks_file.write_text(json.dumps(jwt.jwks(key, kid)), encoding="utf-8")
        return BuiltinCredentials({"auth": "oauth2", "jwks_file": jwks_file},
                                  lambda url: JwtAssertionAuth(CLIENT_ID, key, kid, url))
    return BuiltinCredentials({"auth": "none"}, lambda _url: Auth())


@cache
def _process_key() -> tuple[rsa.RSAPrivateKey, str]:
    """One signing key per process: it never leaves it, and making RSA keys is slow."""
    return jwt.generate_key(), "conformance-" + secrets.token_hex(4)
