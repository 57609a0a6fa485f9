"""`conformance serve`: its wiring in process (the wait replaced by requests), and once as a real process."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import typer
from typer.testing import CliRunner

from conformance.cli import _register
from conformance.cli import app as conformance_app
from conformance.cli import serve as serve_module
from conformance.reference import ReferenceServer
from tests.reference.conftest import SEED_PATIENTS

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    """The real app (its root group turns a user's mistake into exit 2), with `serve` registered."""
    _register("serve")
    return conformance_app


@pytest.fixture
def invoke(app: typer.Typer, monkeypatch: pytest.MonkeyPatch) -> Callable[..., tuple[Any, dict[str, Any]]]:
    """Run `serve ARGS`; while it 'waits for Ctrl-C', `during(server)` runs and its result is returned."""

    def run(*args: str, during: Callable[[ReferenceServer], Any] = lambda s: None) -> tuple[Any, dict[str, Any]]:
        seen: dict[str, Any] = {}

        def wait(server: ReferenceServer) -> None:
            seen["server"] = server
            seen["result"] = during(server)

        monkeypatch.setattr(serve_module, "_wait_for_stop", wait)
        before = set(threading.enumerate())
        result = CliRunner().invoke(app, ["serve", *args])
        assert [t for t in set(threading.enumerate()) - before if t.is_alive()] == []
        if "server" in seen:
            assert not seen["server"].running
        return result, seen

    return run


def _error_line(result: Any) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    (line,) = [x for x in result.output.splitlines() if x.startswith("conformance: error: ")]
    return line.removeprefix("conformance: error: ")


def test_serve_wires_options_into_the_server(invoke: Callable, tmp_path: Path) -> None:
    seed = tmp_path / "seed"
    seed.mkdir()
    source = REPO / "conformance" / "reference" / "seed" / "patient-9000000068.json"
    (seed / "one.json").write_text(source.read_text())

    def during(server: ReferenceServer) -> dict[str, Any]:
        auth = {"Authorization": "Bearer tok-1"}
        read = requests.get(f"{server.base_url}/Patient/9000000068", headers=auth)
        other = requests.get(f"{server.base_url}/Patient/9000000009", headers=auth)
        created = requests.post(f"{server.base_url}/Patient", json={"resourceType": "Patient", "gender": "M"},
                                headers={**auth, "Content-Type": "application/fhir+json"})
        return {"read": (read.status_code, "ETag" in read.headers), "other": other.status_code,
                "created": created.status_code, "anonymous": requests.get(f"{server.base_url}/Patient/9000000068")
                .status_code, "config": server.config}

    result, seen = invoke("--port", "0", "--auth", "bearer", "--token", "tok-1", "--fault", "no-etag",
                          "--seed", str(seed), "--no-validate", during=during)
    assert result.exit_code == 0, result.output
    server = seen["server"]
    assert result.output.splitlines()[0] == f"FHIR base URL:    {server.base_url}"
    assert "auth: bearer; faults: no-etag. Press Ctrl-C to stop." in result.output
    assert "tok-1" not in result.output  # a token the user gave is not printed
    got = seen["result"]
    assert (got["read"], got["other"], got["created"], got["anonymous"]) == ((200, False), 404, 201, 401)
    assert (got["config"].host, got["config"].validate_on_write) == ("127.0.0.1", False)


def test_serve_generates_credentials_it_was_not_given(invoke: Callable) -> None:
    def during(server: ReferenceServer) -> int:
        (secret,) = server.config.clients.values()
        token = requests.post(server.token_url, data={"grant_type": "client_credentials"},
                              auth=("conformance-client", secret)).json()["access_token"]
        return requests.get(f"{server.base_url}/Patient/9000000009", headers={"Authorization": f"Bearer {token}"}).status_code

    result, seen = invoke("--port", "0", "--auth", "oauth2", during=during)
    assert (result.exit_code, seen["result"]) == (0, 200)
    server = seen["server"]
    printed = dict(re.findall(r"^(token URL|client id|client secret):\s+(\S+)$", result.output, re.MULTILINE))
    assert printed == {"token URL": server.token_url, "client id": "conformance-client",
                       "client secret": server.config.clients["conformance-client"]}
    bearer, seen = invoke("--port", "0", "--auth", "bearer")
    (token,) = seen["server"].config.static_tokens
    assert f"bearer token:     {token}" in bearer.output


def test_serve_default_is_open_with_the_builtin_seed(invoke: Callable) -> None:
    def during(server: ReferenceServer) -> int:
        return requests.get(f"{server.base_url}/Patient", params={"birthdate": "ge1900"}).json()["total"]

    result, seen = invoke("--port", "0", during=during)
    assert (result.exit_code, seen["result"]) == (0, len(SEED_PATIENTS))
    assert seen["server"].config.auth == "none"


def test_serve_takes_auth_and_seed_from_a_profile(invoke: Callable) -> None:
    """`--profile FOLDER` starts the server with the profile's reference auth (jwt → the server's oauth2) and
    its seed folder; `--auth` overrides the profile's."""
    folder = REPO / "fixtures" / "profiles" / "nhs-patient-demographics"  # reference: auth jwt, seed: seed
    result, seen = invoke("--port", "0", "--profile", str(folder))
    assert result.exit_code == 0, result.output
    assert (seen["server"].config.auth, seen["server"].config.seed_dir) == ("oauth2", folder / "seed")
    overridden, seen = invoke("--port", "0", "--profile", str(folder), "--auth", "none")
    assert seen["server"].config.auth == "none"


def test_serve_unknown_profile(invoke: Callable, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CONFORMANCE_PROFILES_PATH", str(tmp_path))
    result, _ = invoke("--port", "0", "--profile", "no-such-profile")
    assert "no-such-profile" in _error_line(result)  # the wording is the profiles module's


@pytest.mark.parametrize(("args", "message"), [
    (["--fault", "nope"], "unknown fault(s) nope; known faults: wrong-content-type, missing-nhs-number"),
    (["--auth", "magic"], "unknown auth mode 'magic'"),
    (["--client", "no-secret"], "--client 'no-secret'...: give the client as ID:SECRET"),
    (["--tls-cert", "x.crt"], "TLS needs both a certificate and its private key"),
    (["--seed", "/no/such/folder"], "/no/such/folder: the seed folder does not exist"),
])
def test_serve_refuses_bad_options(invoke: Callable, args: list[str], message: str) -> None:
    result, seen = invoke("--port", "0", *args)
    assert _error_line(result).startswith(message)
    assert "server" not in seen


def test_serve_port_in_use(invoke: Callable) -> None:
    with ReferenceServer() as other:
        port = other.port
        result, _ = invoke("--port", str(port))
    assert _error_line(result).startswith(f"cannot listen on 127.0.0.1:{port}: ")


# -- the real command, as a process ------------------------------------------------------------------------
_BOOT = "from conformance.cli import main\nmain()\n"


@pytest.fixture
def process() -> Iterator[Callable[..., subprocess.Popen]]:
    started: list[subprocess.Popen] = []

    def start(*args: str) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-c", _BOOT, "serve", *args], cwd=REPO, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()


def test_serve_process_prints_its_url_serves_and_stops_on_sigterm(process: Callable[..., subprocess.Popen]) -> None:
    proc = process("--port", "0", "--no-validate")
    watchdog = threading.Timer(30, proc.kill)  # never hang the test run
    watchdog.start()
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        match = re.fullmatch(r"FHIR base URL:\s+(http://127\.0\.0\.1:\d+/FHIR/R4)\n", first)
        assert match, first
        r = requests.get(f"{match.group(1)}/Patient/9000000009", headers={"X-Request-ID": "cli-1"}, timeout=10)
        assert (r.status_code, r.headers["X-Request-ID"], json.loads(r.text)["id"]) == (200, "cli-1", "9000000009")
        proc.terminate()
        assert proc.wait(timeout=15) == 0
    finally:
        watchdog.cancel()
    assert proc.stderr is not None
    log = proc.stderr.read()
    assert '"GET /FHIR/R4/Patient/9000000009 HTTP/1.1" 200' in log
    assert "Traceback" not in log
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{match.group(1)}/metadata", timeout=5)


def test_serve_logs_requests_unless_quiet(invoke: Callable) -> None:
    def during(server: ReferenceServer) -> int:
        return requests.get(f"{server.base_url}/Patient/9000000009", headers={"Authorization": "Bearer x"}).status_code

    logged, _ = invoke("--port", "0", during=during)
    assert '"GET /FHIR/R4/Patient/9000000009 HTTP/1.1" 200' in logged.stderr
    assert "Bearer" not in logged.stderr
    quiet, _ = invoke("--port", "0", "--quiet", during=during)
    assert "GET /FHIR" not in quiet.stderr
