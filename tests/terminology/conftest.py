"""Fixtures for the terminology layer: the fixture package, the core package, case tables, a tx server.

The fixture package (fixtures/terminology/package) is loaded through the packages layer exactly as a
user's folder would be, with its index written under a temporary user cache. The terminology server
is a real HTTP server on 127.0.0.1 (port 0) answering `$validate-code` from a table.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

from conformance.definitions.registry import Definitions

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "terminology"
PACKAGE = FIXTURES / "package"
EXAMPLE = "http://example.org/fhir"

SYSTEMS = {
    "animals": f"{EXAMPLE}/CodeSystem/animals",
    "colours": f"{EXAMPLE}/CodeSystem/colours",
    "ci": f"{EXAMPLE}/CodeSystem/ci",
    "fragment": f"{EXAMPLE}/CodeSystem/fragment",
    "not-loaded": f"{EXAMPLE}/CodeSystem/not-loaded",
    "sct": "http://snomed.info/sct",
    "loinc": "http://loinc.org",
    "dmd": "https://dmd.nhs.uk",
}


def system_url(alias: str | None) -> str | None:
    """A case table's system: an alias above, or a URL as written."""
    return None if alias is None else SYSTEMS.get(alias, alias)


def valueset_url(name: str | None) -> str | None:
    """A case table's value set: a fixture ValueSet's id (optionally `|version`), or a URL."""
    if name is None or "://" in name:
        return name
    return f"{EXAMPLE}/ValueSet/{name}"


def load_cases(name: str) -> list[dict[str, Any]]:
    with (FIXTURES / "cases" / name).open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def case_id(case: dict[str, Any]) -> str:
    parts = [str(case.get(k)) for k in ("valueset", "system", "code", "display") if case.get(k) is not None]
    return "|".join(parts)


@pytest.fixture(scope="session")
def fixture_definitions(tmp_path_factory: pytest.TempPathFactory) -> Definitions:
    from conformance.packages import PackageCache, load_packages

    root = tmp_path_factory.mktemp("terminology")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CONFORMANCE_CACHE_DIR", str(root / "user-cache"))
        packages = load_packages([str(PACKAGE)], PackageCache(root / "packages"), include_core=False)
    return Definitions(packages)


@pytest.fixture(scope="session")
def core_definitions() -> Definitions:
    """The R4 core package from the standard cache (tests using it are marked `core`)."""
    from conformance.packages import PackageCache, load_packages

    return Definitions(load_packages([], PackageCache.default()))


class FakeTx:
    """A FHIR terminology server answering `$validate-code` from `known`: (valueset, system, code) → display.

    An unknown (valueset, system, code) is `result: false`; a known one with another display is
    `result: false` too (as some servers answer), with a message saying so.
    """

    def __init__(self, known: dict[tuple[str | None, str | None, str], str] | None = None) -> None:
        self.known = known or {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.status = 200
        self.delay = 0.0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                parsed = urlparse(self.path)
                params = {k: v[0] for k, v in parse_qs(parsed.query).items()}
                fake.requests.append((parsed.path, params))
                if fake.delay:
                    time.sleep(fake.delay)
                status, body = fake.answer(parsed.path, params)
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/fhir+json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/fhir"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def answer(self, path: str, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if self.status != 200:
            return self.status, {"resourceType": "OperationOutcome",
                                 "issue": [{"severity": "error", "code": "exception", "diagnostics": "boom"}]}
        if path.endswith("/ValueSet/$validate-code"):
            key = (params.get("url"), params.get("system"), params.get("code", ""))
        elif path.endswith("/CodeSystem/$validate-code"):
            key = (None, params.get("url"), params.get("code", ""))
        else:
            return 404, {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "not-found"}]}
        display = self.known.get(key)
        parameters: list[dict[str, Any]] = []
        if display is None:
            parameters += [{"name": "result", "valueBoolean": False},
                           {"name": "message", "valueString": f"{key[2]} is not in {key[0] or key[1]}"}]
        elif "display" in params and params["display"] != display:
            parameters += [{"name": "result", "valueBoolean": False},
                           {"name": "message", "valueString": f"wrong display '{params['display']}'"},
                           {"name": "display", "valueString": display}]
        else:
            parameters += [{"name": "result", "valueBoolean": True}, {"name": "display", "valueString": display}]
        return 200, {"resourceType": "Parameters", "parameter": parameters}

    def start(self) -> FakeTx:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def fake_tx() -> Iterator[FakeTx]:
    server = FakeTx().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def closed_port_url() -> str:
    """A localhost URL nothing listens on (a port just bound and released)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/fhir"
