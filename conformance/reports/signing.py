"""Ed25519 keys for evidence packs: load them from the files people have, name them by fingerprint.

A signing key is a PEM private key (`openssl genpkey -algorithm ed25519 -out key.pem`); a
verification key is its PEM public key (`openssl pkey -in key.pem -pubout`), an OpenSSH
`ssh-ed25519 ...` line, or the private key itself. Encrypted private keys are refused with a
clear message (the tool never prompts). A key's fingerprint is `sha256:` and the hex SHA-256
of its 32 raw public bytes.

The keys an assessor trusts (`TrustedKeys`) come from `--public-key FILE` (one key) and
`--trusted-keys PATH`: a file holding several keys (PEM blocks one after another, ssh-ed25519
lines), or a folder whose `*.pem` and `*.pub` files each hold one or more. They are obtained out of
band (from the supplier, from the assessor's own records), never from the pack.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from conformance.errors import ConformanceError

ALGORITHM = "Ed25519"
KEY_FILE_SUFFIXES = (".pem", ".pub")
_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----.*?-----END \1-----", re.DOTALL)


class SigningKeyError(ConformanceError, ValueError):
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


@dataclass
class TrustedKeys:
    """The public keys an assessor supplied, by fingerprint, each with the file it came from."""

    sources: dict[str, str] = field(default_factory=dict)  # fingerprint -> file

    def add(self, key: Ed25519PublicKey, source: str) -> None:
        self.sources.setdefault(fingerprint(key), source)

    def __contains__(self, fp: object) -> bool:
        return fp in self.sources

    def describe(self) -> str:
        """The supplied keys, for a message: their fingerprints."""
        return ", ".join(sorted(self.sources))


def public_keys(data: bytes) -> list[Ed25519PublicKey]:
    """Every key in a key file: PEM blocks one after another and ssh-ed25519 lines (SigningKeyError for
    anything that is not a usable key, or no key at all)."""
    chunks = [m.group(0) for m in _PEM_BLOCK.finditer(data)]
    chunks += [line.strip() for line in _PEM_BLOCK.sub(b"", data).splitlines() if line.strip().startswith(b"ssh-")]
    if not chunks:
        return [load_public_key(data)]  # its message says what a key file should hold
    return [load_public_key(chunk) for chunk in chunks]


def trusted_keys(public_key: Path | None, trusted: Path | None) -> TrustedKeys | None:
    """The keys from `--public-key FILE` and `--trusted-keys FILE|FOLDER`, None when neither was given.

    SigningKeyError naming the option and file that cannot be read or holds no usable key."""
    if public_key is None and trusted is None:
        return None
    keys = TrustedKeys()
    if public_key is not None:
        _add_file(keys, public_key, "--public-key", single=True)
    if trusted is not None:
        files = sorted(p for p in trusted.iterdir() if p.suffix in KEY_FILE_SUFFIXES and not p.name.startswith(".")
                       and p.is_file()) if trusted.is_dir() else [trusted]
        if not files:
            raise SigningKeyError(f"--trusted-keys {trusted}: the folder holds no *.pem or *.pub key files")
        for path in files:
            _add_file(keys, path, "--trusted-keys", single=False)
    return keys


def _add_file(keys: TrustedKeys, path: Path, option: str, *, single: bool) -> None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"cannot read {option} {path}: {exc.strerror or exc}") from exc
    try:
        found = [load_public_key(data)] if single else public_keys(data)
    except SigningKeyError as exc:
        raise SigningKeyError(f"{option} {path}: {exc}") from exc
    for key in found:
        keys.add(key, str(path))
