"""Evidence packs: what they hold, what they attest, and that any change to them is caught and named."""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key

from conformance.reports import html, junit
from conformance.reports.evidence import (
    MANIFEST,
    SIGNATURE,
    EvidenceError,
    scrub_command,
    tree_hash,
    write_evidence,
)
from conformance.reports.evidence_check import describe, render, verify
from conformance.reports.signing import SigningKeyError, TrustedKeys, fingerprint, public_keys, trusted_keys
from tests.reports.conftest import FIXTURES, REPO, load_run

PROFILE = REPO / "fixtures" / "profiles" / "nhs-patient-demographics"
NOW = datetime(2026, 1, 15, 10, 5, tzinfo=UTC)


def pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def public_pem(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def trust(*files: bytes) -> TrustedKeys:
    """The keys an assessor supplied, from key files' contents."""
    keys = TrustedKeys()
    for data in files:
        for key in public_keys(data):
            keys.add(key, "test")
    return keys


class Package:
    def __init__(self, path: Path) -> None:
        self.id, self.version, self.path = "conformance.nhs-patient-demographics", "0.1.0", path


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory, key: Ed25519PrivateKey) -> Path:
    pack = tmp_path_factory.mktemp("pack") / "evidence.zip"
    write_evidence(pack, load_run("scenario"), profile_dir=PROFILE, packages=[Package(PROFILE / "definitions")],
                   inputs=[FIXTURES / "file-check-run.json"], include_inputs=True, signing_key=pem(key), now=NOW)
    return pack


@pytest.fixture(scope="module")
def unsigned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pack = tmp_path_factory.mktemp("pack") / "evidence.zip"
    write_evidence(pack, load_run("file-check"), inputs=[FIXTURES / "file-check-run.json"], now=NOW)
    return pack


def members(pack: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(pack) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def rewrite(pack: Path, target: Path, data: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(target, "w") as zf:
        for name, content in data.items():
            zf.writestr(name, content)
    return target


def test_pack_contents(signed: Path) -> None:
    names = set(members(signed))
    assert {"manifest.json", "manifest.sig", "results.json", "report.html", "provenance.json",
            "exchanges/read/api-rules.json", "profile/profile.yaml", "profile/requirements.csv",
            "inputs/" + str(FIXTURES / "file-check-run.json").lstrip("/")} <= names
    manifest = json.loads(members(signed)[MANIFEST])
    assert set(manifest["members"]) == names - {MANIFEST, SIGNATURE}
    assert manifest["created"] == "2026-01-15T10:05:00+00:00"


def test_provenance_records_hashes_and_versions(signed: Path) -> None:
    data = members(signed)
    provenance = json.loads(data["provenance.json"])
    assert provenance["profile"]["hash"] == tree_hash(PROFILE)[0]
    assert provenance["profile"]["files"] == tree_hash(PROFILE)[1]
    assert provenance["packages"] == [{"id": "conformance.nhs-patient-demographics", "version": "0.1.0",
                                       "hash": tree_hash(PROFILE / "definitions")[0], "files": 3}]
    raw = (FIXTURES / "file-check-run.json").read_bytes()
    assert provenance["inputs"] == [{"path": str(FIXTURES / "file-check-run.json"),
                                     "sha256": hashlib.sha256(raw).hexdigest(), "bytes": len(raw),
                                     "member": "inputs/" + str(FIXTURES / "file-check-run.json").lstrip("/")}]
    assert data[provenance["inputs"][0]["member"]] == raw
    assert provenance["times"] == {"started": "2026-01-15T10:00:00+00:00", "finished": "2026-01-15T10:00:00+00:00",
                                   "packed": "2026-01-15T10:05:00+00:00"}
    assert provenance["verdict"]["exitCode"] == 1
    assert provenance["tool"]["version"] == "0.1.0.dev0"


def test_tree_hash_is_what_sha256sum_gives(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a.txt").write_bytes(b"one\n")
    (tmp_path / "b" / "c.txt").write_bytes(b"two\n")
    (tmp_path / ".hidden").write_bytes(b"not counted")
    lines = "".join(f"{hashlib.sha256(c).hexdigest()}  {n}\n" for n, c in (("a.txt", b"one\n"), ("b/c.txt", b"two\n")))
    assert tree_hash(tmp_path) == ("sha256:" + hashlib.sha256(lines.encode()).hexdigest(), 2)


def test_inputs_are_only_hashed_without_include_inputs(unsigned: Path) -> None:
    assert not any(n.startswith("inputs/") for n in members(unsigned))
    provenance = json.loads(members(unsigned)["provenance.json"])
    assert "member" not in provenance["inputs"][0] and provenance["includeInputs"] is False


def test_verify_a_good_signed_pack(signed: Path, key: Ed25519PrivateKey) -> None:
    check = verify(signed, trust(public_pem(key)))
    assert check.problems == [] and check.verified and check.signer == fingerprint(key.public_key())
    assert check.unverified_reason() is None
    lines = describe(check)
    assert lines[0] == (f"evidence pack {signed}: VERIFIED — supplier-signed by a key you supplied, not countersigned; "
                        f"{check.members} member(s) match manifest.json (SHA-256)")
    assert lines[1] == (f"signature: valid Ed25519 signature of manifest.json by key {fingerprint(key.public_key())} "
                        "(a key you supplied)")
    assert lines[2] == ("countersignature: none (supplier-signed only; an assessor countersigns with "
                        "`conformance report countersign`)")
    assert "verdict: FAIL (exit 1): MUST requirement(s) failed: PDS-READ-003, PDS-SRCH-001, PDS-HDR-001, " \
           "PDS-VER-001" in lines
    assert "inputs: 1 file(s) hashed, contents included" in lines


def test_verify_without_a_key_says_signer_unknown(signed: Path, unsigned: Path, key: Ed25519PrivateKey) -> None:
    check = verify(signed)
    assert check.ok and not check.verified
    lines = describe(check)
    assert lines[0] == (f"evidence pack {signed}: intact, signer unknown — no key you supplied checked the signatures; "
                        f"{check.members} member(s) match manifest.json (SHA-256)")
    assert lines[1] == (f"signature: valid Ed25519 signature of manifest.json by key {fingerprint(key.public_key())} "
                        "(signer unknown: compare this fingerprint with the supplier's, obtained out of band, "
                        "and pass it with --public-key)")
    assert check.unverified_reason() == (f"signed by key {fingerprint(key.public_key())}, not checked against a key "
                                         "the reader supplied (signer unknown): anyone can sign a pack with a key "
                                         "of their own")
    check = verify(unsigned)
    assert check.ok and not check.verified
    assert describe(check)[0].startswith(f"evidence pack {unsigned}: intact, signer unknown — the pack is not signed;")
    assert describe(check)[1] == "signature: none (anyone could have written this pack; sign packs with --sign-key)"
    assert check.unverified_reason() == "the pack is not signed, so anyone could have written it"


def _all_members() -> list[str]:
    return ["manifest.json", "manifest.sig", "results.json", "report.html", "provenance.json",
            "exchanges/read/api-rules.json", "profile/profile.yaml", "inputs/"]


@pytest.mark.parametrize("member", _all_members())
def test_changing_a_byte_of_any_member_is_caught(signed: Path, tmp_path: Path, key: Ed25519PrivateKey,
                                                 member: str) -> None:
    data = members(signed)
    name = next(n for n in data if n == member or (member.endswith("/") and n.startswith(member)))
    content = bytearray(data[name])
    content[len(content) // 2] ^= 0x01
    data[name] = bytes(content)
    check = verify(rewrite(signed, tmp_path / "t.zip", data), trust(public_pem(key)))
    assert not check.ok
    if name in (MANIFEST, SIGNATURE):
        assert any(p.startswith(("signature:", f"modified: {MANIFEST}", f"modified: {SIGNATURE}"))
                   for p in check.problems), check.problems
    else:
        assert check.problems == [f"modified: {name} (SHA-256 {hashlib.sha256(data[name]).hexdigest()[:16]}…, "
                                  f"the manifest says {json.loads(data[MANIFEST])['members'][name]['sha256'][:16]}…)"]


@pytest.mark.parametrize("member", ["results.json", "report.html", "provenance.json"])
def test_changing_a_member_of_an_unsigned_pack_is_caught(unsigned: Path, tmp_path: Path, member: str) -> None:
    data = members(unsigned)
    data[member] = data[member] + b" "
    check = verify(rewrite(unsigned, tmp_path / "t.zip", data))
    assert [p.split(" (")[0] for p in check.problems] == [f"modified: {member}"]


def test_adding_a_member_is_caught(signed: Path, tmp_path: Path) -> None:
    data = members(signed)
    data["extra/notes.txt"] = b"all fine"
    assert verify(rewrite(signed, tmp_path / "t.zip", data)).problems == ["added: extra/notes.txt"]


def test_removing_a_member_is_caught(signed: Path, tmp_path: Path) -> None:
    data = members(signed)
    del data["exchanges/versioning/etag.json"]
    assert verify(rewrite(signed, tmp_path / "t.zip", data)).problems == ["removed: exchanges/versioning/etag.json"]


def test_removing_the_signature_is_caught(signed: Path, tmp_path: Path) -> None:
    data = members(signed)
    del data[SIGNATURE]
    assert verify(rewrite(signed, tmp_path / "t.zip", data)).problems == [
        "removed: manifest.sig (the manifest says the pack is signed)"]


def test_appending_a_second_copy_is_caught(signed: Path, tmp_path: Path) -> None:
    target = tmp_path / "t.zip"
    target.write_bytes(signed.read_bytes())
    with zipfile.ZipFile(target, "a") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        zf.writestr("results.json", b"{}")
    assert "added: a second member named results.json" in verify(target).problems


def test_the_wrong_key_is_caught(signed: Path) -> None:
    other = Ed25519PrivateKey.generate()
    assert verify(signed, trust(public_pem(other))).problems == [
        f"signature: signed by key {verify(signed).signer}, not by the key given ({fingerprint(other.public_key())})"]


def test_a_re_signed_manifest_does_not_pass_for_the_trusted_key(signed: Path, tmp_path: Path,
                                                               key: Ed25519PrivateKey) -> None:
    """Someone edits results.json, rewrites the manifest and signs it with their own key."""
    forger = Ed25519PrivateKey.generate()
    data = members(signed)
    data["results.json"] = data["results.json"].replace(b'"status": "failed"', b'"status": "passed"')
    manifest = json.loads(data[MANIFEST])
    manifest["members"]["results.json"] = {"sha256": hashlib.sha256(data["results.json"]).hexdigest(),
                                           "bytes": len(data["results.json"])}
    manifest["signature"]["publicKeyFingerprint"] = fingerprint(forger.public_key())
    manifest["signature"]["publicKey"] = forger.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
    data[MANIFEST] = (json.dumps(manifest, indent=2) + "\n").encode()
    data[SIGNATURE] = forger.sign(data[MANIFEST]).hex().encode()
    forged = rewrite(signed, tmp_path / "t.zip", data)
    assert verify(forged).ok and not verify(forged).verified  # intact and self-consistent: only a trusted key can tell
    assert verify(forged, trust(public_pem(key))).problems[0].startswith("signature: signed by key sha256:")


def test_a_public_key_for_an_unsigned_pack_fails(unsigned: Path, key: Ed25519PrivateKey) -> None:
    assert verify(unsigned, trust(public_pem(key))).problems == [
        "not signed: the pack has no signature, but a public key was given to check it"]


def test_a_flipped_byte_in_the_zip_itself_is_caught(signed: Path, tmp_path: Path) -> None:
    raw = bytearray(signed.read_bytes())
    with zipfile.ZipFile(signed) as zf:
        info = zf.getinfo("report.html")
    raw[info.header_offset + 30 + len(info.filename) + 10] ^= 0xFF  # inside report.html's compressed data
    target = tmp_path / "t.zip"
    target.write_bytes(bytes(raw))
    problems = verify(target).problems
    assert len(problems) == 1 and problems[0].startswith("modified: report.html")


def test_not_a_pack(tmp_path: Path) -> None:
    (tmp_path / "x.zip").write_bytes(b"hello")
    assert verify(tmp_path / "x.zip").problems == ["not a readable zip archive: File is not a zip file"]
    with zipfile.ZipFile(tmp_path / "y.zip", "w") as zf:
        zf.writestr("a.txt", "a")
    assert verify(tmp_path / "y.zip").problems == ["removed: manifest.json (or this is not an evidence pack)"]
    with pytest.raises(EvidenceError, match="no such file"):
        verify(tmp_path / "missing.zip")


def test_public_key_formats(signed: Path, key: Ed25519PrivateKey, tmp_path: Path) -> None:
    ssh = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    assert verify(signed, trust(ssh)).verified and verify(signed, trust(pem(key))).verified
    rsa = generate_private_key(public_exponent=65537, key_size=2048)
    (tmp_path / "rsa.pem").write_bytes(rsa.public_key().public_bytes(serialization.Encoding.PEM,
                                                                      serialization.PublicFormat.SubjectPublicKeyInfo))
    with pytest.raises(SigningKeyError, match=f"^--public-key {tmp_path / 'rsa.pem'}: the public key is RSA, not Ed25519$"):
        trusted_keys(tmp_path / "rsa.pem", None)
    (tmp_path / "nonsense.pem").write_bytes(b"nonsense")
    with pytest.raises(SigningKeyError, match=f"^--public-key {tmp_path / 'nonsense.pem'}: not a public key"):
        trusted_keys(tmp_path / "nonsense.pem", None)


def test_trusted_keys_from_a_file_of_several_and_from_a_folder(tmp_path: Path) -> None:
    a, b, c = (Ed25519PrivateKey.generate() for _ in range(3))
    ssh = c.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    (tmp_path / "keys.pem").write_bytes(public_pem(a) + b"# the assessor\n" + public_pem(b) + ssh + b"\n")
    found = trusted_keys(None, tmp_path / "keys.pem")
    assert found is not None and set(found.sources) == {fingerprint(k.public_key()) for k in (a, b, c)}
    folder = tmp_path / "trusted"
    folder.mkdir()
    (folder / "supplier.pem").write_bytes(public_pem(a))
    (folder / "assessor.pub").write_bytes(ssh)
    (folder / "README.txt").write_text("not read")
    found = trusted_keys(None, folder)
    assert found is not None and found.sources == {fingerprint(a.public_key()): str(folder / "supplier.pem"),
                                                   fingerprint(c.public_key()): str(folder / "assessor.pub")}
    assert trusted_keys(None, None) is None
    (folder / "broken.pem").write_bytes(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
    with pytest.raises(SigningKeyError, match=f"^--trusted-keys {folder / 'broken.pem'}: not a public key"):
        trusted_keys(None, folder)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SigningKeyError, match=f"^--trusted-keys {empty}: the folder holds no \\*.pem or \\*.pub key files$"):
        trusted_keys(None, empty)
    with pytest.raises(SigningKeyError, match="^cannot read --trusted-keys .*missing.pem: No such file or directory$"):
        trusted_keys(None, tmp_path / "missing.pem")


def test_signing_keys_are_checked(tmp_path: Path) -> None:
    rsa = generate_private_key(public_exponent=65537, key_size=2048)
    rsa_pem = rsa.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    with pytest.raises(EvidenceError, match="the signing key is RSA, not Ed25519"):
        write_evidence(tmp_path / "p.zip", load_run("scenario"), signing_key=rsa_pem)
    encrypted = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(b"pw"))
    with pytest.raises(EvidenceError, match="the signing key is encrypted"):
        write_evidence(tmp_path / "p.zip", load_run("scenario"), signing_key=encrypted)
    assert not (tmp_path / "p.zip").exists() and list(tmp_path.iterdir()) == []


def test_render_from_the_pack_alone(signed: Path, unsigned: Path, key: Ed25519PrivateKey) -> None:
    check = verify(signed, trust(public_pem(key)))
    assert render(check, "html") == html.render(load_run("scenario"))
    assert check.result is not None and check.result.to_json() == load_run("scenario").to_json()
    assert render(verify(unsigned), "junit") == junit.render(load_run("file-check"))  # machine formats: no banner


def test_an_unverified_pack_renders_with_a_banner_naming_why(signed: Path, key: Ed25519PrivateKey) -> None:
    check = verify(signed)
    reason = check.unverified_reason()
    assert reason is not None
    page = render(check, "html")
    assert page == html.render(load_run("scenario"), unverified=reason) != html.render(load_run("scenario"))
    banner = lxml.html.document_fromstring(page).find_class("unverified")
    assert len(banner) == 1 and banner[0].text_content() == f"Unverified evidence. {reason}"
    assert render(check, "markdown").startswith(
        f"> ⚠️ **Unverified evidence:** signed by key {fingerprint(key.public_key())}, not checked against")


def test_render_refuses_a_tampered_pack(signed: Path, tmp_path: Path) -> None:
    data = members(signed)
    data["results.json"] = data["results.json"].replace(b'"failed"', b'"passed"')
    with pytest.raises(EvidenceError, match="fails verification \\(modified: results.json"):
        render(verify(rewrite(signed, tmp_path / "t.zip", data)), "html")


def test_secrets_are_removed_from_the_command_line() -> None:
    assert scrub_command(["conformance", "run", "p", "--client-secret", "s3cr3t", "--token=abc",
                          "--token-file", "t.txt", "--input", "api_key=xyz", "--input", "family=Smith",
                          "--target", "https://user:pw@example.org/fhir", "--sign-key", "k.pem"]) == [
        "conformance", "run", "p", "--client-secret", "[redacted]", "--token=[redacted]", "--token-file", "t.txt",
        "--input", "api_key=[redacted]", "--input", "family=Smith", "--target", "https://user:[redacted]@example.org/fhir",
        "--sign-key", "k.pem"]


def test_pack_is_written_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pack = tmp_path / "evidence.zip"
    pack.write_bytes(b"previous pack")
    with pytest.raises(EvidenceError, match="cannot read"):
        write_evidence(pack, load_run("scenario"), inputs=[tmp_path / "missing.ndjson"], include_inputs=True)
    assert pack.read_bytes() == b"previous pack"
    assert [p.name for p in tmp_path.iterdir()] == ["evidence.zip"]
