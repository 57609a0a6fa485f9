"""Checking an evidence pack, and re-rendering reports from one.

`verify(pack, public_key)` compares every member with `manifest.json` (SHA-256 and size), lists
any member modified, added or removed (and a name appearing twice, the trick of appending a
second copy), and checks the Ed25519 signature of the manifest: against the key given, which is
what proves who signed it, or else against the key the manifest carries, which proves only that
nothing changed since signing. An unsigned pack shows accidental change, not tampering: anyone
can rewrite its manifest. `render(pack, format)` re-renders any report format from the pack's
results document alone, after checking the pack.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.reports.evidence import FORMAT, MANIFEST, PROVENANCE, RESULTS, SIGNATURE, EvidenceError
from conformance.reports.results_io import ResultsDocumentError, run_result_from_json
from conformance.reports.signing import (
    ALGORITHM,
    fingerprint,
    load_public_key,
    public_from_raw,
    verifies,
)
from conformance.results import RunResult

_CHUNK = 1 << 20


@dataclass
class Verification:
    pack: Path
    problems: list[str] = field(default_factory=list)
    members: int = 0
    signed: bool = False
    signer: str | None = None  # fingerprint of the key that signed it
    key_checked: bool = False  # the signature was checked against a key the caller trusts
    provenance: dict[str, Any] = field(default_factory=dict)
    result: RunResult | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(pack: Path, public_key: bytes | None = None) -> Verification:
    """Check the pack; EvidenceError only when the pack file or the key cannot be read at all."""
    trusted = None
    if public_key is not None:
        try:
            trusted = load_public_key(public_key)
        except ValueError as exc:
            raise EvidenceError(f"--public-key: {exc}") from exc
    if not pack.is_file():
        raise EvidenceError(f"{pack}: no such file")
    check = Verification(pack)
    try:
        with zipfile.ZipFile(pack) as zf:
            _check(zf, check, trusted)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        check.problems.append(f"not a readable zip archive: {exc}")
    except OSError as exc:
        raise EvidenceError(f"cannot read {pack}: {exc.strerror or exc}") from exc
    return check


def _check(zf: zipfile.ZipFile, check: Verification, trusted: Any) -> None:
    names = [i.filename for i in zf.infolist()]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            check.problems.append(f"added: a second member named {name}")
        seen.add(name)
    if MANIFEST not in seen:
        check.problems.append(f"removed: {MANIFEST} (or this is not an evidence pack)")
        return
    manifest_bytes = zf.read(MANIFEST)
    try:
        manifest = json.loads(manifest_bytes)
        members = manifest["members"]
        if manifest.get("format") != FORMAT or not isinstance(members, dict):
            raise ValueError("not an evidence manifest")
    except (ValueError, KeyError, TypeError) as exc:
        check.problems.append(f"modified: {MANIFEST} is not a readable evidence manifest ({exc})")
        return
    signature = manifest.get("signature")
    expected = set(members) | {MANIFEST} | ({SIGNATURE} if signature else set())
    for name in sorted(seen - expected):
        check.problems.append(f"added: {name}")
    for name in sorted(set(members) - seen):
        check.problems.append(f"removed: {name}")
    for name in sorted(set(members) & seen):
        _check_member(zf, name, members[name], check)
    check.members = len(members)
    _check_signature(zf, manifest_bytes, signature, seen, trusted, check)
    if check.ok:
        _attests(zf, check)


def _check_member(zf: zipfile.ZipFile, name: str, want: Any, check: Verification) -> None:
    digest, size = hashlib.sha256(), 0
    try:
        with zf.open(name) as handle:
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                digest.update(chunk)
                size += len(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        check.problems.append(f"modified: {name} (it cannot be read back: {exc})")
        return
    if not isinstance(want, dict) or digest.hexdigest() != want.get("sha256") or size != want.get("bytes"):
        wanted = want.get("sha256", "?") if isinstance(want, dict) else "?"
        check.problems.append(f"modified: {name} (SHA-256 {digest.hexdigest()[:16]}…, the manifest says "
                              f"{str(wanted)[:16]}…)")


def _check_signature(zf: zipfile.ZipFile, manifest_bytes: bytes, signature: Any, names: set[str], trusted: Any,
                     check: Verification) -> None:
    if not signature:
        if trusted is not None:
            check.problems.append("not signed: the pack has no signature, but a public key was given to check it")
        return
    check.signed = True
    if not isinstance(signature, dict) or signature.get("algorithm") != ALGORITHM:
        check.problems.append(f"signature: unsupported or unreadable signature block in {MANIFEST}")
        return
    check.signer = str(signature.get("publicKeyFingerprint", ""))
    if SIGNATURE not in names:
        check.problems.append(f"removed: {SIGNATURE} (the manifest says the pack is signed)")
        return
    try:
        sig = bytes.fromhex(zf.read(SIGNATURE).decode("ascii").strip())
        embedded = public_from_raw(bytes.fromhex(str(signature.get("publicKey", ""))))
    except (ValueError, UnicodeDecodeError) as exc:
        check.problems.append(f"modified: {SIGNATURE} or the manifest's public key cannot be read ({exc})")
        return
    if fingerprint(embedded) != check.signer:
        check.problems.append(f"modified: {MANIFEST} (its public key does not match its fingerprint)")
        return
    key = embedded
    if trusted is not None:
        check.key_checked = True
        if fingerprint(trusted) != check.signer:
            check.problems.append(f"signature: signed by key {check.signer}, not by the key given "
                                  f"({fingerprint(trusted)})")
            return
        key = trusted
    if not verifies(key, sig, manifest_bytes):
        check.problems.append(f"signature: {SIGNATURE} does not verify: {MANIFEST} or the signature was changed")


def _attests(zf: zipfile.ZipFile, check: Verification) -> None:
    try:
        check.provenance = json.loads(zf.read(PROVENANCE)) if PROVENANCE in zf.namelist() else {}
        check.result = run_result_from_json(json.loads(zf.read(RESULTS)))
    except KeyError:
        check.problems.append(f"removed: {RESULTS} (the pack has no results document)")
    except (ValueError, ResultsDocumentError) as exc:
        check.problems.append(f"{RESULTS}: {exc}")


def load_result(pack: Path) -> RunResult:
    """The pack's RunResult, after checking the pack; EvidenceError naming what failed."""
    check = verify(pack)
    if not check.ok or check.result is None:
        raise EvidenceError(f"{pack} fails verification ({'; '.join(check.problems)}); "
                            "run `conformance report verify` for details")
    return check.result


def render(pack: Path, format_name: str) -> str:
    """One report format re-rendered from the pack alone (the verdict is decided again from its facts)."""
    from conformance.reports.writer import FORMATS

    if format_name not in FORMATS:
        raise ValueError(f"unknown report format {format_name!r}; known: {', '.join(FORMATS)}")
    check = verify(pack)
    if not check.ok or check.result is None:
        raise EvidenceError(f"{pack} fails verification ({'; '.join(check.problems)}); "
                            "run `conformance report verify` for details")
    return FORMATS[format_name].render(check.result)


def describe(check: Verification) -> list[str]:
    """What a verified pack attests, line by line (for `conformance report verify`)."""
    p, r = check.provenance, check.result
    lines = [f"evidence pack {check.pack}: intact, {check.members} member(s) match {MANIFEST} (SHA-256)"]
    if not check.signed:
        lines.append("signature: none (the pack shows accidental change only; sign packs with --sign-key)")
    elif check.key_checked:
        lines.append(f"signature: valid Ed25519 signature by the key given ({check.signer})")
    else:
        lines.append(f"signature: valid Ed25519 signature by key {check.signer} "
                     "(not checked against a trusted key: pass --public-key to prove who signed it)")
    profile = p.get("profile", {})
    if r is not None:
        lines.append(f"profile: {r.profile_id} {r.profile_version} — {r.profile_title}"
                     + (f" ({profile['hash']}, {profile.get('files')} files)" if profile.get("hash") else ""))
        lines.append(f"target: {r.target}")
        times = p.get("times", {})
        lines.append(f"run: {r.started} → {r.finished or '?'}" + (" (INCOMPLETE: interrupted)" if r.incomplete else "")
                     + (f"; packed {times['packed']}" if times.get("packed") else ""))
        v = p.get("verdict", {})
        if v:
            lines.append(f"verdict: {v.get('label')} (exit {v.get('exitCode')}): {v.get('reason')}")
        s = r.summary()
        accepted = getattr(s, "accepted", 0)
        lines.append(f"requirements: {s.requirements}: {s.passed} passed, {s.failed} failed"
                     + (f", {accepted} accepted by the baseline" if accepted else "")
                     + f", {s.warnings} warning(s), {s.errors} error(s), {s.skipped} skipped, "
                     f"{s.not_tested} not tested; coverage {s.coverage:.1%}")
    for package in p.get("packages", []):
        lines.append(f"package: {package.get('id')}#{package.get('version')}"
                     + (f" ({package['hash']}, {package.get('files')} files)" if package.get("hash") else ""))
    tool = p.get("tool", {})
    if tool:
        lines.append(f"tool: conformance {tool.get('version')} (Python {tool.get('python')}, {tool.get('platform')})")
    if p.get("command"):
        lines.append("command: " + " ".join(p["command"]))
    inputs = p.get("inputs", [])
    if inputs:
        lines.append(f"inputs: {len(inputs)} file(s) hashed"
                     + (", contents included" if p.get("includeInputs") else ", contents not included"))
    if p.get("baseline"):
        b = p["baseline"]
        lines.append(f"baseline: {b.get('file')} ({b.get('entries')} entries)")
    return lines
