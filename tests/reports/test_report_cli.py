"""`conformance report verify | render`, end to end through typer."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import typer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from conformance.cli import report
from conformance.reports import markdown
from conformance.reports.evidence import write_evidence
from tests.reports.conftest import load_run

app = typer.Typer()
app.add_typer(report.app, name="report")


@app.callback()
def _root() -> None:
    """A root so that `report` is a sub-command, as in the real CLI."""


runner = CliRunner()


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("keys")
    key = Ed25519PrivateKey.generate()
    private = folder / "signing-key.pem"
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    public = folder / "signing-key.pub.pem"
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory, keys: tuple[Path, Path]) -> Path:
    target = tmp_path_factory.mktemp("pack") / "evidence.zip"
    write_evidence(target, load_run("scenario"), signing_key=keys[0].read_bytes())
    return target


def test_verify_prints_what_the_pack_attests(pack: Path, keys: tuple[Path, Path]) -> None:
    result = runner.invoke(app, ["report", "verify", str(pack), "--public-key", str(keys[1])])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"evidence pack {pack}: intact,")
    assert lines[1].startswith("signature: valid Ed25519 signature by the key given (sha256:")
    assert "target: builtin (http://127.0.0.1:8080/FHIR/R4)" in lines


def test_verify_names_what_changed_and_exits_1(pack: Path, tmp_path: Path, keys: tuple[Path, Path]) -> None:
    tampered = tmp_path / "t.zip"
    with zipfile.ZipFile(pack) as source, zipfile.ZipFile(tampered, "w") as target:
        for name in source.namelist():
            if name != "report.html":
                target.writestr(name, source.read(name))
        target.writestr("notes.txt", "hi")
    result = runner.invoke(app, ["report", "verify", str(tampered), "--public-key", str(keys[1])])
    assert result.exit_code == 1
    assert "FAILS verification" in result.stderr
    assert "added: notes.txt" in result.stderr and "removed: report.html" in result.stderr
    assert "Traceback" not in result.output


def test_verify_with_an_unreadable_key_or_pack_exits_2(pack: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "verify", str(pack), "--public-key", str(tmp_path / "none.pem")])
    assert result.exit_code == 2 and "cannot read --public-key" in result.stderr
    result = runner.invoke(app, ["report", "verify", str(tmp_path / "none.zip")])
    assert result.exit_code == 2 and "none.zip: no such file" in result.stderr


def test_render_to_stdout_and_to_a_file(pack: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "render", str(pack), "--format", "markdown"])
    assert result.exit_code == 0
    assert result.stdout == markdown.render(load_run("scenario"))
    out = tmp_path / "r" / "junit.xml"
    result = runner.invoke(app, ["report", "render", str(pack), "-f", "junit", "--output", str(out)])
    assert result.exit_code == 0 and out.read_text().startswith("<?xml version='1.0' encoding='UTF-8'?>")


def test_render_refuses_unknown_formats_and_tampered_packs(pack: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "render", str(pack), "--format", "pdf"])
    assert result.exit_code == 2
    broken = tmp_path / "b.zip"
    broken.write_bytes(b"not a zip")
    result = runner.invoke(app, ["report", "render", str(broken), "--format", "html"])
    assert result.exit_code == 2 and "fails verification (not a readable zip archive" in result.stderr
