"""Fixtures for the packages layer: an isolated cache, tarball builders and a real local registry.

Every test gets its own package cache and user cache under tmp_path, and the package environment
variables are cleared, so nothing here touches ~/.fhir or the network. The registry is a real
HTTP server on 127.0.0.1 (port 0), stopped when the test ends.
"""

from __future__ import annotations

import io
import json
import tarfile
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from conformance.packages import PackageCache

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "packages"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CONFORMANCE_CACHE_DIR", str(tmp_path / "user-cache"))
    monkeypatch.delenv("FHIR_PACKAGE_CACHE", raising=False)
    monkeypatch.delenv("FHIR_PACKAGE_REGISTRY", raising=False)


@pytest.fixture
def cache(tmp_path: Path) -> PackageCache:
    return PackageCache(tmp_path / "cache")


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


def sd(url: str, *, version: str | None = "1.0.0", type_: str = "Patient", abstract: bool = False) -> dict[str, Any]:
    """A minimal profile StructureDefinition."""
    resource: dict[str, Any] = {
        "resourceType": "StructureDefinition",
        "id": url.rsplit("/", 1)[-1],
        "url": url,
        "name": "P",
        "status": "active",
        "kind": "resource",
        "abstract": abstract,
        "type": type_,
        "baseDefinition": f"http://hl7.org/fhir/StructureDefinition/{type_}",
        "derivation": "constraint",
    }
    if version is not None:
        resource["version"] = version
    return resource


def tgz_bytes(package_id: str, version: str, resources: dict[str, Any] | None = None, *,
              dependencies: dict[str, str] | None = None, top: str = "package",
              extra: dict[str, bytes] | None = None) -> bytes:
    """A package tarball in memory: `top/package.json` plus `top/<name>` for each resource."""
    manifest = {"name": package_id, "version": version, "dependencies": dependencies or {}}
    members: dict[str, bytes] = {f"{top}/package.json".lstrip("/"): json.dumps(manifest).encode()}
    for name, resource in (resources or {}).items():
        members[f"{top}/{name}".lstrip("/")] = resource if isinstance(resource, bytes) else json.dumps(resource).encode()
    members.update(extra or {})
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def make_tgz(tmp_path: Path) -> Callable[..., Path]:
    def make(package_id: str, version: str, resources: dict[str, Any] | None = None, **options: Any) -> Path:
        path = tmp_path / "tgz" / f"{package_id}-{version}.tgz"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(tgz_bytes(package_id, version, resources, **options))
        return path

    return make


class FakeRegistry:
    """An npm-style FHIR package registry served over real HTTP on 127.0.0.1."""

    def __init__(self) -> None:
        self.packages: dict[str, dict[str, bytes]] = {}
        self.requests: list[str] = []
        self.shasums: dict[tuple[str, str], str] = {}
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                registry.requests.append(self.path)
                status, body, kind = registry.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def add(self, package_id: str, version: str, resources: dict[str, Any] | None = None, **options: Any) -> None:
        self.packages.setdefault(package_id, {})[version] = tgz_bytes(package_id, version, resources, **options)

    def answer(self, path: str) -> tuple[int, bytes, str]:
        parts = [p for p in path.split("/") if p]
        if len(parts) == 1 and parts[0] in self.packages:
            versions = {
                v: {"name": parts[0], "version": v,
                    "dist": {"tarball": f"{self.url}/{parts[0]}/{v}",
                             **({"shasum": self.shasums[(parts[0], v)]} if (parts[0], v) in self.shasums else {})}}
                for v in self.packages[parts[0]]
            }
            latest = sorted(self.packages[parts[0]])[-1]
            body = {"name": parts[0], "dist-tags": {"latest": latest}, "versions": versions}
            return 200, json.dumps(body).encode(), "application/json"
        if len(parts) == 2 and parts[1] in self.packages.get(parts[0], {}):
            return 200, self.packages[parts[0]][parts[1]], "application/gzip"
        return 404, b'{"error": "not found"}', "application/json"

    def __enter__(self) -> FakeRegistry:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def registry() -> Iterator[FakeRegistry]:
    with FakeRegistry() as running:
        yield running


@pytest.fixture
def closed_port_url() -> str:
    """A localhost URL nothing listens on (a port just bound and released)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def make_sd() -> Callable[..., dict[str, Any]]:
    return sd


@pytest.fixture
def build_tgz() -> Callable[..., bytes]:
    return tgz_bytes
