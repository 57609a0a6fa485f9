"""Reference-server fixtures: servers that always stop, and keys, certificates and JWTs made in the test."""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from conformance.reference import ReferenceServer, ServerConfig

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "reference"
NHS = "https://fhir.nhs.uk/Id/nhs-number"
ERROR_SYSTEM = "https://fhir.nhs.uk/CodeSystem/conformance-reference-error"
FHIR_JSON = {"Content-Type": "application/fhir+json"}
SEED_PATIENTS = ["9000000009", "9000000017", "9000000025", "9000000033", "9000000041", "9000000068",
                 "9000000076", "9000000084"]


@contextmanager
def running(**settings: Any) -> Iterator[ReferenceServer]:
    """A server with these ServerConfig settings; afterwards, no thread of it is left."""
    settings.setdefault("validate_on_write", False)
    before = set(threading.enumerate())
    with ReferenceServer(ServerConfig(**settings)) as server:
        yield server
    leaked = [t for t in set(threading.enumerate()) - before if t.is_alive()]
    assert leaked == [], f"threads left running: {leaked}"


@pytest.fixture(scope="module")
def open_server() -> Iterator[ReferenceServer]:
    """One open server shared by read-only tests (nothing in them writes)."""
    with running() as server:
        yield server


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def error_code(response: requests.Response) -> tuple[int, str, str]:
    """(status, issue.code, our details code) of an OperationOutcome answer."""
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    issue = body["issue"][0]
    codings = [c["code"] for c in issue["details"]["coding"] if c["system"] == ERROR_SYSTEM]
    return response.status_code, issue["code"], codings[0]


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# -- keys, JWTs and certificates ----------------------------------------------------------------------
def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass
class SigningKey:
    key: Any
    kid: str

    def jwk(self) -> dict[str, str]:
        numbers = self.key.public_key().public_numbers()

        def encode(n: int) -> str:
            return _b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))

        return {"kty": "RSA", "kid": self.kid, "alg": "RS512", "use": "sig", "n": encode(numbers.n),
                "e": encode(numbers.e)}

    def assertion(self, aud: str | list[str], iss: str = "test-app", alg: str = "RS512", lifetime: int = 300,
                  **overrides: Any) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        now = int(time.time())
        claims = {"iss": iss, "sub": iss, "aud": aud, "jti": str(uuid.uuid4()), "iat": now, "exp": now + lifetime}
        claims.update(overrides)
        header = {"alg": alg, "typ": "JWT", "kid": self.kid}
        signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
        signature = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA512())
        return f"{signing_input}.{_b64url(signature)}"


@pytest.fixture(scope="session")
def make_key() -> Callable[[str], SigningKey]:
    from cryptography.hazmat.primitives.asymmetric import rsa

    made: dict[str, SigningKey] = {}

    def make(kid: str) -> SigningKey:
        if kid not in made:
            made[kid] = SigningKey(rsa.generate_private_key(public_exponent=65537, key_size=2048), kid)
        return made[kid]

    return make


@dataclass
class Pki:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, as PEM files."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    stranger_cert: Path  # a client certificate from another CA
    stranger_key: Path


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder = tmp_path_factory.mktemp("pki")
    now = dt.datetime.now(dt.UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def write(stem: str, cert: x509.Certificate, key: Any) -> tuple[Path, Path]:
        cert_path, key_path = folder / f"{stem}.crt", folder / f"{stem}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        return cert_path, key_path

    def ca(cn: str) -> tuple[x509.Certificate, Any]:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(name(cn)).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
                .not_valid_after(now + dt.timedelta(days=2))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                             content_commitment=False, key_encipherment=False,
                                             data_encipherment=False, key_agreement=False, encipher_only=False,
                                             decipher_only=False), critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .sign(key, hashes.SHA256()))
        return cert, key

    def leaf(cn: str, issuer: tuple[x509.Certificate, Any], server: bool) -> tuple[x509.Certificate, Any]:
        key = ec.generate_private_key(ec.SECP256R1())
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(issuer[0].subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer[1].public_key()),
                                  critical=False))
        if server:
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]), critical=False)
        return builder.sign(issuer[1], hashes.SHA256()), key

    authority, other = ca("conformance test CA"), ca("another CA")
    (folder / "ca.crt").write_bytes(authority[0].public_bytes(serialization.Encoding.PEM))
    server_cert, server_key = write("server", *leaf("127.0.0.1", authority, server=True))
    client_cert, client_key = write("client", *leaf("test-client", authority, server=False))
    stranger_cert, stranger_key = write("stranger", *leaf("stranger", other, server=False))
    return Pki(folder / "ca.crt", server_cert, server_key, client_cert, client_key, stranger_cert, stranger_key)
