"""Auth against the reference server through `conformance run`: bearer, OAuth2 client credentials,
the signed JWT client assertion (keys made in the test) and mutual TLS (certificates made in the test),
each refused without the right credentials — and no secret that was used ever appears in the report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conformance.cli import _register, app
from conformance.reference import ReferenceServer, ServerConfig
from conformance.scenarios import jwt

# the old demographics profile, now a fixture of the generic server (the id names the shipped PDS profile)
NHS = Path(__file__).resolve().parents[2] / "fixtures" / "profiles" / "nhs-patient-demographics"
PROFILE = str(NHS)

_register()
runner = CliRunner()
pytestmark = pytest.mark.core


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


def run_json(*args: str) -> tuple[int, dict[str, Any], Any]:
    result = invoke("run", *args, "--format", "json")
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout), result


def statuses(document: dict[str, Any]) -> dict[str, str]:
    return {r["id"]: r["status"] for r in document["requirements"]}


def failed(document: dict[str, Any]) -> set[str]:
    return {r["id"] for r in document["requirements"] if r["status"] == "failed"}


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[ReferenceServer] = []

    def start(**settings: Any) -> ReferenceServer:
        server = ReferenceServer(ServerConfig(seed_dir=NHS / "seed", validate_on_write=False, **settings))
        servers.append(server.start())
        return server

    yield start
    for server in servers:
        server.stop()


def secure_run(server: ReferenceServer, *args: str, base: str | None = None) -> tuple[int, dict[str, Any], str]:
    code, document, result = run_json(PROFILE, "--target", base or server.base_url, "--scenario", "read",
                                      "--scenario", "security", *args)
    return code, document, json.dumps(document)


def test_bearer_token_from_a_file_is_accepted_and_never_recorded(serve: Any, tmp_path: Path) -> None:
    token = "static-bearer-token-0123456789"
    server = serve(auth="bearer", static_tokens={token})
    (tmp_path / "token").write_text(token + "\n")
    code, document, text = secure_run(server, "--auth", "bearer", "--token-file", str(tmp_path / "token"))
    assert code == 0 and set(statuses(document)[r] for r in ("PDS-READ-001", "PDS-SEC-001")) == {"passed"}
    assert token not in text
    first = document["groups"][0]["tests"][0]["exchanges"][-1]["request"]["headers"]
    assert first["Authorization"] == "[redacted]"


def test_without_credentials_a_secured_server_refuses_and_the_run_fails(serve: Any) -> None:
    server = serve(auth="bearer", static_tokens={"t" * 20})
    code, document, _ = secure_run(server)
    assert code == 1
    assert {"PDS-READ-001", "PDS-READ-002", "PDS-READ-003"} <= failed(document)
    read = document["groups"][0]["tests"][0]
    assert read["message"] == "status is 200: status was 401"


def test_client_credentials_fetch_a_token_and_no_secret_is_recorded(serve: Any, tmp_path: Path) -> None:
    secret = "client-secret-0123456789"
    server = serve(auth="oauth2", clients={"supplier-app": secret})
    (tmp_path / "secret").write_text(secret)
    code, document, text = secure_run(server, "--auth", "client-credentials", "--client-id", "supplier-app",
                                      "--client-secret-file", str(tmp_path / "secret"), "--token-url", server.token_url)
    assert code == 0
    assert secret not in text
    token_exchange = document["groups"][0]["tests"][0]["exchanges"][0]
    assert token_exchange["role"] == "token"
    assert json.loads(token_exchange["response"]["body"])["access_token"] == "[redacted]"


def test_a_wrong_client_secret_is_an_error_naming_the_token_endpoint(serve: Any, tmp_path: Path) -> None:
    server = serve(auth="oauth2", clients={"supplier-app": "right-secret-value"})
    (tmp_path / "secret").write_text("wrong-secret-value")
    code, document, text = secure_run(server, "--auth", "client-credentials", "--client-id", "supplier-app",
                                      "--client-secret-file", str(tmp_path / "secret"), "--token-url", server.token_url)
    assert code == 2
    message = document["groups"][0]["tests"][0]["message"]
    assert f"the token endpoint {server.token_url} answered 401" in message
    assert "wrong-secret-value" not in text and "right-secret-value" not in text


def test_signed_jwt_client_assertion_with_a_key_made_in_the_test(serve: Any, tmp_path: Path) -> None:
    key = jwt.generate_key()
    (tmp_path / "jwks.json").write_text(json.dumps(jwt.jwks(key, "test-kid-1")))
    (tmp_path / "key.pem").write_bytes(jwt.private_pem(key))
    server = serve(auth="oauth2", jwks_file=tmp_path / "jwks.json")
    common = ["--auth", "jwt", "--client-id", "supplier-app", "--private-key", str(tmp_path / "key.pem"),
              "--token-url", server.token_url]
    code, document, text = secure_run(server, *common, "--kid", "test-kid-1")
    assert code == 0
    assert "eyJ" not in text  # no JWT (assertion or token) anywhere in the report
    body = document["groups"][0]["tests"][0]["exchanges"][0]["request"]["body"]
    assert "client_assertion=%5Bredacted%5D" in body
    code, document, _ = secure_run(server, *common, "--kid", "unknown-kid")
    assert code == 2 and "answered 40" in document["groups"][0]["tests"][0]["message"]


def test_mutual_tls_with_certificates_made_in_the_test(serve: Any, pki: Any) -> None:
    server = serve(tls_cert=pki.server_cert, tls_key=pki.server_key, client_ca=pki.ca)
    assert server.base_url.startswith("https://")
    code, _, _ = secure_run(server, "--ca-bundle", str(pki.ca), "--client-cert", str(pki.client_cert),
                            "--client-key", str(pki.client_key), "--scenario", "capability")
    assert code == 1  # the open server does not refuse unauthenticated requests: security fails, TLS worked
    code, document, _ = run_json(PROFILE, "--target", server.base_url, "--scenario", "read", "--ca-bundle", str(pki.ca),
                                 "--client-cert", str(pki.client_cert), "--client-key", str(pki.client_key))
    assert code == 0 and statuses(document)["PDS-READ-001"] == "passed"


@pytest.mark.parametrize("who", ["no-certificate", "stranger", "unverified-server"])
def test_mutual_tls_is_refused_without_the_right_certificates(serve: Any, pki: Any, who: str) -> None:
    server = serve(tls_cert=pki.server_cert, tls_key=pki.server_key, client_ca=pki.ca)
    args = {"no-certificate": ["--ca-bundle", str(pki.ca)],
            "stranger": ["--ca-bundle", str(pki.ca), "--client-cert", str(pki.stranger_cert), "--client-key",
                         str(pki.stranger_key)],
            "unverified-server": ["--client-cert", str(pki.client_cert), "--client-key", str(pki.client_key)]}[who]
    result = invoke("run", PROFILE, "--target", server.base_url, "--scenario", "read", *args)
    assert result.exit_code == 2
    assert f"the target {server.base_url} could not be reached: TLS with {server.base_url}/metadata failed" in result.stderr
