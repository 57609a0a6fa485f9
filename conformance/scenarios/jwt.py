"""The signed-JWT client assertion NHS national APIs use for application-restricted access.

RS512 over `header.claims` (base64url, no padding), header `{"alg": "RS512", "typ": "JWT", "kid"}`,
claims iss = sub = client id, aud = the token URL, a unique jti, exp at most five minutes ahead.
Also what a test or the built-in target needs to make keys and publish them as a JWKS.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

LIFETIME_SECONDS = 300


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def load_private_key(pem: bytes) -> rsa.RSAPrivateKey:
    """An RSA private key from PEM; ValueError with a plain reason otherwise."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not an unencrypted PEM private key ({exc})") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the key is not an RSA key (RS512 needs RSA)")
    return key


def client_assertion(key: rsa.RSAPrivateKey, client_id: str, token_url: str, kid: str,
                     now: float | None = None, lifetime: int = LIFETIME_SECONDS) -> str:
    issued = int(now if now is not None else time.time())
    header = {"alg": "RS512", "typ": "JWT", "kid": kid}
    claims = {"iss": client_id, "sub": client_id, "aud": token_url, "jti": str(uuid.uuid4()),
              "iat": issued, "exp": issued + lifetime}
    signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "."
                     + b64url(json.dumps(claims, separators=(",", ":")).encode()))
    signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA512())
    return signing_input + "." + b64url(signature)


def generate_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def private_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    numbers = key.public_key().public_numbers()

    def encode(n: int) -> str:
        return b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))

    return {"kty": "RSA", "kid": kid, "alg": "RS512", "use": "sig", "n": encode(numbers.n), "e": encode(numbers.e)}


def jwks(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    return {"keys": [public_jwk(key, kid)]}
