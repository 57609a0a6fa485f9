"""Ed25519 keys for evidence packs: load them from the files people have, name them by fingerprint.

A signing key is a PEM private key (`openssl genpkey -algorithm ed25519 -out key.pem`); a
verification key is its PEM public key (`openssl pkey -in key.pem -pubout`), an OpenSSH
`ssh-ed25519 ...` line, or the private key itself. Encrypted private keys are refused with a
clear message (the tool never prompts). A key's fingerprint is `sha256:` and the hex SHA-256
of its 32 raw public bytes.
"""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM = "Ed25519"


class SigningKeyError(ValueError):
    """A key file that cannot be used (wrong type, encrypted, not a key); the message says which."""


def load_private_key(data: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError as exc:  # raised when the key is encrypted and no password was given
        raise SigningKeyError("the signing key is encrypted; give an unencrypted Ed25519 PEM key "
                        "(openssl genpkey -algorithm ed25519 -out signing-key.pem)") from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise SigningKeyError("not a PEM private key; create one with: openssl genpkey -algorithm ed25519 "
                        "-out signing-key.pem") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"the signing key is {type(key).__name__.removesuffix('PrivateKey') or 'another type'}, "
                        "not Ed25519; create one with: openssl genpkey -algorithm ed25519 -out signing-key.pem")
    return key


def load_public_key(data: bytes) -> Ed25519PublicKey:
    """A PEM public key, an OpenSSH ssh-ed25519 line, or a PEM private key (its public half)."""
    text = data.strip()
    key: object
    try:
        if text.startswith(b"ssh-"):
            key = serialization.load_ssh_public_key(text)
        elif b"PRIVATE KEY" in text:
            return load_private_key(text).public_key()
        else:
            key = serialization.load_pem_public_key(text)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise SigningKeyError("not a public key (PEM, or an OpenSSH ssh-ed25519 line); export one with: "
                        "openssl pkey -in signing-key.pem -pubout -out signing-key.pub.pem") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"the public key is {type(key).__name__.removesuffix('PublicKey')}, not Ed25519")
    return key


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_from_raw(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)


def fingerprint(key: Ed25519PublicKey) -> str:
    return "sha256:" + hashlib.sha256(raw_public(key)).hexdigest()


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def verifies(key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True
