"""`conformance report verify | render | countersign`, end to end through typer: the trust model's exit codes and messages."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import lxml.html
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from conformance.cli import _register, app
from conformance.reports import markdown
from conformance.reports.evidence import write_evidence
from conformance.reports.signing import fingerprint, load_private_key, raw_public
from tests.reports.conftest import load_run

_register("report")  # the real root group: it turns a user's mistake (ConformanceError) into exit 2
runner = CliRunner()


def write_key(folder: Path, name: str) -> tuple[Path, Path, str]:
    """A generated Ed25519 key: its private PEM file, its public PEM file, its fingerprint."""
    key = Ed25519PrivateKey.generate()
    private = folder / f"{name}.pem"
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    public = folder / f"{name}.pub.pem"
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public, fingerprint(key.public_key())


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """The supplier's key."""
    return write_key(tmp_path_factory.mktemp("keys"), "supplier")


@pytest.fixture(scope="module")
def assessor(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    return write_key(tmp_path_factory.mktemp("keys"), "assessor")


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory, keys: tuple[Path, Path, str]) -> Path:
    target = tmp_path_factory.mktemp("pack") / "evidence.zip"
    write_evidence(target, load_run("scenario"), signing_key=keys[0].read_bytes())
    return target


@pytest.fixture(scope="module")
def countersigned(tmp_path_factory: pytest.TempPathFactory, pack: Path, assessor: tuple[Path, Path, str]) -> Path:
    target = tmp_path_factory.mktemp("countersigned") / "witnessed.zip"
    result = runner.invoke(app, ["report", "countersign", str(pack), "--sign-key", str(assessor[0]),
                                 "--output", str(target)])
    assert result.exit_code == 0, result.output
    return target


def members(pack: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(pack) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def write_members(target: Path, data: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(target, "w") as zf:
        for name, content in data.items():
            zf.writestr(name, content)
    return target


def edit_and_re_sign(pack: Path, target: Path, signer: Path) -> Path:
    """What a supplier can do: turn a failure into a pass in results.json, rehash, re-sign with `signer`."""
    data = members(pack)
    data["results.json"] = data["results.json"].replace(b'"status": "failed"', b'"status": "passed"')
    manifest = json.loads(data["manifest.json"])
    manifest["members"]["results.json"] = {"sha256": hashlib.sha256(data["results.json"]).hexdigest(),
                                           "bytes": len(data["results.json"])}
    key = load_private_key(signer.read_bytes())
    manifest["signature"]["publicKeyFingerprint"] = fingerprint(key.public_key())
    manifest["signature"]["publicKey"] = raw_public(key.public_key()).hex()
    data["manifest.json"] = (json.dumps(manifest, indent=2) + "\n").encode()
    data["manifest.sig"] = key.sign(data["manifest.json"]).hex().encode() + b"\n"
    return write_members(target, data)


UNKNOWN_HINT = ("  give the signer's public key, obtained out of band: --public-key FILE or --trusted-keys "
                "FILE|FOLDER (or --allow-unknown-signer to accept the pack as unverified)")


def test_verify_without_a_key_says_signer_unknown_and_exits_1(pack: Path, keys: tuple[Path, Path, str]) -> None:
    result = runner.invoke(app, ["report", "verify", str(pack)])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith(
        f"evidence pack {pack}: intact, signer unknown — no key you supplied checked the signatures; ")
    assert result.stderr.splitlines() == [
        f"evidence pack {pack}: intact, signer unknown — not verified: signed by key {keys[2]}, not checked "
        "against a key the reader supplied (signer unknown): anyone can sign a pack with a key of their own",
        UNKNOWN_HINT]


def test_verify_allow_unknown_signer_exits_0_still_saying_so(pack: Path, keys: tuple[Path, Path, str]) -> None:
    result = runner.invoke(app, ["report", "verify", str(pack), "--allow-unknown-signer"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"evidence pack {pack}: intact, signer unknown — ")
    assert lines[1].startswith(f"signature: valid Ed25519 signature of manifest.json by key {keys[2]} (signer unknown:")
    assert result.stderr == ""


def test_verify_with_the_signers_key_is_verified(pack: Path, keys: tuple[Path, Path, str]) -> None:
    result = runner.invoke(app, ["report", "verify", str(pack), "--public-key", str(keys[1])])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"evidence pack {pack}: VERIFIED — supplier-signed by a key you supplied, "
                               "not countersigned; ")
    assert lines[1] == f"signature: valid Ed25519 signature of manifest.json by key {keys[2]} (a key you supplied)"
    assert "target: builtin (http://127.0.0.1:8080/FHIR/R4)" in lines


def test_a_supplier_re_signing_edited_results_with_its_own_key_fails(pack: Path, tmp_path: Path,
                                                                    keys: tuple[Path, Path, str]) -> None:
    forger = write_key(tmp_path, "forger")
    forged = edit_and_re_sign(pack, tmp_path / "forged.zip", forger[0])
    result = runner.invoke(app, ["report", "verify", str(forged), "--public-key", str(keys[1])])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"evidence pack {forged} FAILS verification:",
        f"  signature: signed by key {forger[2]}, not by the key given ({keys[2]})"]
    assert result.stdout == ""
    # with its own key it verifies: a signature proves who signed, and the key must come from elsewhere
    assert runner.invoke(app, ["report", "verify", str(forged), "--public-key", str(forger[1])]).exit_code == 0


def test_a_countersigned_pack_verifies_with_both_keys(countersigned: Path, keys: tuple[Path, Path, str],
                                                     assessor: tuple[Path, Path, str], tmp_path: Path) -> None:
    (tmp_path / "trusted.pem").write_bytes(keys[1].read_bytes() + assessor[1].read_bytes())
    folder = tmp_path / "trusted"
    folder.mkdir()
    for _, public, _ in (keys, assessor):
        (folder / public.name).write_bytes(public.read_bytes())
    for option in (["--trusted-keys", str(tmp_path / "trusted.pem")], ["--trusted-keys", str(folder)],
                   ["--public-key", str(keys[1]), "--trusted-keys", str(assessor[1])]):
        result = runner.invoke(app, ["report", "verify", str(countersigned), *option])
        assert result.exit_code == 0, (option, result.output)
        lines = result.stdout.splitlines()
        assert lines[0].startswith(f"evidence pack {countersigned}: VERIFIED — supplier-signed and "
                                   "assessor-countersigned, both by keys you supplied; ")
        assert lines[1] == f"signature: valid Ed25519 signature of manifest.json by key {keys[2]} (a key you supplied)"
        assert lines[2].startswith("countersignature: valid Ed25519 countersignature of manifest.json and "
                                   f"manifest.sig by key {assessor[2]}, 20")
        assert lines[2].endswith(" (a key you supplied)")


def test_a_countersigned_pack_needs_every_signers_key(countersigned: Path, keys: tuple[Path, Path, str],
                                                     assessor: tuple[Path, Path, str]) -> None:
    result = runner.invoke(app, ["report", "verify", str(countersigned), "--public-key", str(keys[1])])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[1] == (
        f"  countersignature: signed by key {assessor[2]}, not by the key given ({keys[2]})")
    result = runner.invoke(app, ["report", "verify", str(countersigned), "--allow-unknown-signer"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[2].endswith(" (signer unknown)")


def test_a_countersignature_does_not_survive_an_edit_re_signed_with_the_suppliers_key(
        countersigned: Path, tmp_path: Path, keys: tuple[Path, Path, str], assessor: tuple[Path, Path, str]) -> None:
    edited = edit_and_re_sign(countersigned, tmp_path / "edited.zip", keys[0])
    assert "countersignature.json" in members(edited)
    result = runner.invoke(app, ["report", "verify", str(edited), "--public-key", str(keys[1]),
                                 "--trusted-keys", str(assessor[1])])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"evidence pack {edited} FAILS verification:",
        f"  countersignature: made over a different manifest.json (the pack was changed after key {assessor[2]} "
        "countersigned it)"]


def test_countersign_in_place_and_what_it_refuses(pack: Path, tmp_path: Path, keys: tuple[Path, Path, str],
                                                  assessor: tuple[Path, Path, str]) -> None:
    copy = tmp_path / "copy.zip"
    copy.write_bytes(pack.read_bytes())
    result = runner.invoke(app, ["report", "countersign", str(copy), "--sign-key", str(assessor[0])])
    assert result.exit_code == 0, result.output
    assert result.stdout == (f"countersigned {copy}: the supplier's signature by key {keys[2]}, countersigned by "
                             f"key {assessor[2]}\n")
    assert set(members(copy)) == set(members(pack)) | {"countersignature.json"}
    assert all(members(copy)[name] == content for name, content in members(pack).items())
    again = runner.invoke(app, ["report", "countersign", str(copy), "--sign-key", str(assessor[0])])
    assert again.exit_code == 2
    assert f"{copy} is already countersigned by key {assessor[2]}" in again.stderr
    unsigned = tmp_path / "unsigned.zip"
    write_evidence(unsigned, load_run("scenario"))
    result = runner.invoke(app, ["report", "countersign", str(unsigned), "--sign-key", str(assessor[0])])
    assert result.exit_code == 2
    assert f"{unsigned} is not signed: a countersignature covers the supplier's signature" in result.stderr
    tampered = write_members(tmp_path / "tampered.zip", {**members(pack), "report.html": b"<p>PASS</p>"})
    result = runner.invoke(app, ["report", "countersign", str(tampered), "--sign-key", str(assessor[0])])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[1].startswith("  modified: report.html (SHA-256 ")
    assert "countersignature.json" not in members(tampered)


def test_verify_names_what_changed_and_exits_1(pack: Path, tmp_path: Path, keys: tuple[Path, Path, str]) -> None:
    tampered = tmp_path / "t.zip"
    with zipfile.ZipFile(pack) as source, zipfile.ZipFile(tampered, "w") as target:
        for name in source.namelist():
            if name != "report.html":
                target.writestr(name, source.read(name))
        target.writestr("notes.txt", "hi")
    result = runner.invoke(app, ["report", "verify", str(tampered), "--public-key", str(keys[1])])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"evidence pack {tampered} FAILS verification:", "  added: notes.txt",
                                          "  removed: report.html"]
    assert "Traceback" not in result.output


def test_verify_with_an_unreadable_key_or_pack_exits_2(pack: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "verify", str(pack), "--public-key", str(tmp_path / "none.pem")])
    assert result.exit_code == 2 and "cannot read --public-key" in result.stderr
    result = runner.invoke(app, ["report", "verify", str(tmp_path / "none.zip")])
    assert result.exit_code == 2 and "none.zip: no such file" in result.stderr


def test_render_to_stdout_and_to_a_file(pack: Path, tmp_path: Path, keys: tuple[Path, Path, str]) -> None:
    result = runner.invoke(app, ["report", "render", str(pack), "--format", "markdown", "--public-key", str(keys[1])])
    assert result.exit_code == 0
    assert result.stdout == markdown.render(load_run("scenario"))
    out = tmp_path / "r" / "junit.xml"
    result = runner.invoke(app, ["report", "render", str(pack), "-f", "junit", "--output", str(out),
                                 "--public-key", str(keys[1])])
    assert result.exit_code == 0 and out.read_text().startswith("<?xml version='1.0' encoding='UTF-8'?>")


def test_render_refuses_an_unknown_signer_and_shows_it_with_a_banner_when_told(
        pack: Path, tmp_path: Path, keys: tuple[Path, Path, str]) -> None:
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", "render", str(pack), "-f", "html", "-o", str(out)])
    assert result.exit_code == 1 and not out.exists()
    reason = (f"signed by key {keys[2]}, not checked against a key the reader supplied (signer unknown): anyone "
              "can sign a pack with a key of their own")
    assert result.stderr.splitlines() == [
        f"evidence pack {pack}: intact, signer unknown — refusing to render it: {reason}", UNKNOWN_HINT]
    result = runner.invoke(app, ["report", "render", str(pack), "-f", "html", "-o", str(out), "--allow-unknown-signer"])
    assert result.exit_code == 0
    assert result.stderr == f"warning: rendering unverified evidence: {reason}\n"
    banner = lxml.html.document_fromstring(out.read_text()).find_class("unverified")
    assert [b.text_content() for b in banner] == [f"Unverified evidence. {reason}"]
    verified = runner.invoke(app, ["report", "render", str(pack), "-f", "html", "--public-key", str(keys[1])])
    assert verified.exit_code == 0 and "Unverified evidence" not in verified.stdout


def test_render_refuses_unknown_formats_and_tampered_packs(pack: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "render", str(pack), "--format", "pdf"])
    assert result.exit_code == 2
    broken = tmp_path / "b.zip"
    broken.write_bytes(b"not a zip")
    result = runner.invoke(app, ["report", "render", str(broken), "--format", "html", "--allow-unknown-signer"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"evidence pack {broken} FAILS verification:",
                                          "  not a readable zip archive: File is not a zip file"]


def test_require_countersignature_fails_a_pack_that_is_only_supplier_signed(
        pack: Path, countersigned: Path, keys: tuple[Path, Path, str], assessor: tuple[Path, Path, str]) -> None:
    """A supplier can delete countersignature.json and keep a validly supplier-signed pack; an assessor who
    needs witnessed evidence says so, and that pack then fails (exit 1) while the countersigned one passes."""
    result = runner.invoke(app, ["report", "verify", str(pack), "--public-key", str(keys[1]),
                                 "--require-countersignature"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"conformance: error: {pack} is not countersigned by an assessor (--require-countersignature); an assessor "
        "adds one with `conformance report countersign`")
    result = runner.invoke(app, ["report", "verify", str(countersigned), "--public-key", str(keys[1]),
                                 "--trusted-keys", str(assessor[1]), "--require-countersignature"])
    assert result.exit_code == 0, result.output
