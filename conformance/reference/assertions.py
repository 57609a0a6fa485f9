"""Signed-JWT client assertions (RFC 7523) as England's national APIs use them.

The client signs a JWT with its private key (RS512, header `kid`); the claims name it
(`iss` = `sub` = client id), the token endpoint (`aud`), a unique `jti` and an expiry at most
five minutes ahead. The server verifies the signature with the public key of that `kid`
from a JWKS. Replay (`jti` seen before) is the caller's to check: it holds the state.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Collection
from pathlib import Path
from typing import Any

from conformance.reference.config import ConfigError

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
MAX_LIFETIME = 300  # seconds an assertion may be valid for
LEEWAY = 10  # seconds of clock difference tolerated


class InvalidAssertion(Exception):
    """The assertion is refused; the message says why (never the assertion itself)."""


def load_jwks(path: Path) -> dict[str, Any]:
    """The RSA public keys of a JWKS file, by `kid`."""
    try:
        from cryptography.hazmat.primitives.asymmetric import rsa
    except ImportError:  # pragma: no cover - cryptography is a dependency of the reference server
        raise ConfigError("verifying signed JWT assertions needs the 'cryptography' package") from None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        keys = data["keys"]
        assert isinstance(keys, list)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AssertionError):
        raise ConfigError(f"{path}: not a readable JWKS (a JSON object with a 'keys' list)") from None
    found: dict[str, Any] = {}
    for key in keys:
        if not (isinstance(key, dict) and key.get("kty") == "RSA" and isinstance(key.get("kid"), str)):
            continue
        try:
            numbers = rsa.RSAPublicNumbers(_b64_int(key["e"]), _b64_int(key["n"]))
            found[key["kid"]] = numbers.public_key()
        except (KeyError, ValueError, TypeError):
            raise ConfigError(f"{path}: key '{key['kid']}' is not a valid RSA public key") from None
    if not found:
        raise ConfigError(f"{path}: the JWKS has no RSA key with a 'kid'")
    return found


def verify_assertion(assertion: str, keys: dict[str, Any], audiences: Collection[str], now: float,
                     client_id: str | None = None) -> dict[str, Any]:
    """The assertion's claims once signature, issuer, audience and expiry are all right."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    parts = assertion.split(".")
    if len(parts) != 3:
        raise InvalidAssertion("the client assertion is not a signed JWT (three dot-separated parts)")
    header, claims = _json_part(parts[0], "header"), _json_part(parts[1], "claims")
    if header.get("alg") != "RS512":
        raise InvalidAssertion(f"the assertion must be signed with RS512, not {header.get('alg')!r}")
    key = keys.get(header.get("kid"))  # type: ignore[arg-type]
    if key is None:
        raise InvalidAssertion("the assertion's 'kid' names no key in the registered JWKS")
    try:
        key.verify(_b64(parts[2]), f"{parts[0]}.{parts[1]}".encode("ascii"), padding.PKCS1v15(), hashes.SHA512())
    except (InvalidSignature, ValueError, UnicodeEncodeError):
        raise InvalidAssertion("the assertion's signature does not verify with the key of its 'kid'") from None
    _check_claims(claims, audiences, now, client_id)
    return claims


def _check_claims(claims: dict[str, Any], audiences: Collection[str], now: float, client_id: str | None) -> None:
    iss, sub = claims.get("iss"), claims.get("sub")
    if not isinstance(iss, str) or not iss or sub != iss:
        raise InvalidAssertion("'iss' and 'sub' must both be the client id")
    if client_id is not None and client_id != iss:
        raise InvalidAssertion("client_id does not match the assertion's 'iss'")
    aud = claims.get("aud")
    given = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if not any(a in audiences for a in given):
        raise InvalidAssertion("'aud' must be the token endpoint's URL")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise InvalidAssertion("'exp' must be a number of seconds since the epoch")
    if exp <= now - LEEWAY:
        raise InvalidAssertion("the assertion has expired")
    if exp > now + MAX_LIFETIME + LEEWAY:
        raise InvalidAssertion(f"'exp' is more than {MAX_LIFETIME // 60} minutes ahead")
    if not isinstance(claims.get("jti"), str) or not claims["jti"]:
        raise InvalidAssertion("'jti' must be a unique string")


def _json_part(part: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(_b64(part))
    except (ValueError, UnicodeDecodeError):
        raise InvalidAssertion(f"the assertion's {what} is not base64url-encoded JSON") from None
    if not isinstance(value, dict):
        raise InvalidAssertion(f"the assertion's {what} is not a JSON object")
    return value


def _b64(part: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("not base64url") from None


def _b64_int(value: Any) -> int:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return int.from_bytes(_b64(value), "big")
