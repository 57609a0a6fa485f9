"""Checking an evidence pack, and re-rendering reports from one.

`verify(pack, trusted)` compares every member with `manifest.json` (SHA-256 and size), lists any
member modified, added or removed (and a name appearing twice, the trick of appending a second
copy), and checks the Ed25519 signature of the manifest and, when there is one, the assessor's
countersignature (`countersignature.py`). A signature proves only who signed, and only when the
key it verifies with was obtained out of band: the pack is VERIFIED when it is intact, signed, and
every signature in it is by a key the assessor supplied (`trusted`). Intact but signed by keys
nobody supplied (or not signed at all) is "intact, signer unknown": anyone can write a pack and
sign it with a key of their own. When keys are supplied, a signature by any other key is a
failure, never "unknown". `render(check, format)` re-renders any report format from a checked
pack's results document alone; an unverified pack's HTML and Markdown carry a banner saying why.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.reports import countersignature
from conformance.reports.countersignature import Countersignature
from conformance.reports.evidence import (
    COUNTERSIGNATURE,
    FORMAT,
    MANIFEST,
    PROVENANCE,
    RESULTS,
    SIGNATURE,
    EvidenceError,
)
from conformance.reports.results_io import ResultsDocumentError, run_result_from_json
from conformance.reports.signing import ALGORITHM, TrustedKeys, fingerprint, public_from_raw, verifies
from conformance.results import RunResult

_CHUNK = 1 << 20
UNKNOWN_SIGNER_HINT = ("give the signer's public key, obtained out of band: --public-key FILE or --trusted-keys "
                       "FILE|FOLDER (or --allow-unknown-signer to accept the pack as unverified)")


@dataclass
class Verification:
    pack: Path
    trusted: TrustedKeys | None = None  # the keys the assessor supplied; None when none were
    problems: list[str] = field(default_factory=list)
    members: int = 0
    signer: str | None = None  # fingerprint of the key that signed the manifest
    countersigned: Countersignature | None = None
    manifest: bytes = b""  # manifest.json and manifest.sig as read, for a countersignature
    signature: bytes | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    result: RunResult | None = None

    @property
    def ok(self) -> bool:
        """Intact: no member changed and every signature verifies (with the keys supplied, when any were)."""
        return not self.problems

    @property
    def signed(self) -> bool:
        return self.signer is not None

    @property
    def verified(self) -> bool:
        """Intact, signed, and every signature by a key the assessor supplied."""
        return self.ok and self.signed and self.trusted is not None

    def unverified_reason(self) -> str | None:
        """Why the pack is not VERIFIED, in one sentence (None when it is)."""
        if not self.ok:
            return "the pack fails verification: " + "; ".join(self.problems)
        if not self.signed:
            return "the pack is not signed, so anyone could have written it"
        if self.trusted is None:
            signers = " and ".join(f"key {fp}" for fp in self.signers())
            return (f"signed by {signers}, not checked against a key the reader supplied (signer unknown): "
                    "anyone can sign a pack with a key of their own")
        return None

    def signers(self) -> list[str]:
        return [fp for fp in (self.signer, self.countersigned.fingerprint if self.countersigned else None) if fp]


def verify(pack: Path, trusted: TrustedKeys | None = None) -> Verification:
    """Check the pack; EvidenceError only when the pack file cannot be read at all."""
    if not pack.is_file():
        raise EvidenceError(f"{pack}: no such file")
    check = Verification(pack, trusted)
    try:
        with zipfile.ZipFile(pack) as zf:
            _check(zf, check)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        check.problems.append(f"not a readable zip archive: {exc}")
    except OSError as exc:
        raise EvidenceError(f"cannot read {pack}: {exc.strerror or exc}") from exc
    return check


def _check(zf: zipfile.ZipFile, check: Verification) -> None:
    names = [i.filename for i in zf.infolist()]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            check.problems.append(f"added: a second member named {name}")
        seen.add(name)
    if MANIFEST not in seen:
        check.problems.append(f"removed: {MANIFEST} (or this is not an evidence pack)")
        return
    manifest_bytes = check.manifest = zf.read(MANIFEST)
    try:
        manifest = json.loads(manifest_bytes)
        members = manifest["members"]
        if manifest.get("format") != FORMAT or not isinstance(members, dict):
            raise ValueError("not an evidence manifest")
    except (ValueError, KeyError, TypeError) as exc:
        check.problems.append(f"modified: {MANIFEST} is not a readable evidence manifest ({exc})")
        return
    signature = manifest.get("signature")
    expected = set(members) | {MANIFEST} | ({SIGNATURE} if signature else set()) | {COUNTERSIGNATURE}
    for name in sorted(seen - expected):
        check.problems.append(f"added: {name}")
    for name in sorted(set(members) - seen):
        check.problems.append(f"removed: {name}")
    for name in sorted(set(members) & seen):
        _check_member(zf, name, members[name], check)
    check.members = len(members)
    _check_signature(zf, manifest_bytes, signature, seen, check)
    if COUNTERSIGNATURE in seen:
        _check_countersignature(zf.read(COUNTERSIGNATURE), check)
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


def _check_signature(zf: zipfile.ZipFile, manifest_bytes: bytes, signature: Any, names: set[str],
                     check: Verification) -> None:
    if not signature:
        if check.trusted is not None:
            check.problems.append("not signed: the pack has no signature, but a public key was given to check it")
        return
    if not isinstance(signature, dict) or signature.get("algorithm") != ALGORITHM:
        check.problems.append(f"signature: unsupported or unreadable signature block in {MANIFEST}")
        return
    check.signer = str(signature.get("publicKeyFingerprint", ""))
    if SIGNATURE not in names:
        check.problems.append(f"removed: {SIGNATURE} (the manifest says the pack is signed)")
        return
    try:
        check.signature = zf.read(SIGNATURE)
        sig = bytes.fromhex(check.signature.decode("ascii").strip())
        embedded = public_from_raw(bytes.fromhex(str(signature.get("publicKey", ""))))
    except (ValueError, UnicodeDecodeError) as exc:
        check.problems.append(f"modified: {SIGNATURE} or the manifest's public key cannot be read ({exc})")
        return
    if fingerprint(embedded) != check.signer:
        check.problems.append(f"modified: {MANIFEST} (its public key does not match its fingerprint)")
        return
    if not _by_trusted_key("signature", check.signer, check):
        return
    if not verifies(embedded, sig, manifest_bytes):
        check.problems.append(f"signature: {SIGNATURE} does not verify: {MANIFEST} or the signature was changed")


def _check_countersignature(data: bytes, check: Verification) -> None:
    found, problem = countersignature.check(data, check.manifest, check.signature)
    if problem is not None:
        check.problems.append(problem)
    elif found is not None and _by_trusted_key("countersignature", found.fingerprint, check):
        check.countersigned = found


def _by_trusted_key(role: str, signer: str, check: Verification) -> bool:
    """True unless keys were supplied and `signer` is none of them (then the problem is recorded)."""
    if check.trusted is None or signer in check.trusted:
        return True
    given = check.trusted.describe()
    check.problems.append(f"{role}: signed by key {signer}, not by "
                          + (f"the key given ({given})" if len(check.trusted.sources) == 1
                             else f"any of the keys given ({given})"))
    return False


def _attests(zf: zipfile.ZipFile, check: Verification) -> None:
    try:
        check.provenance = json.loads(zf.read(PROVENANCE)) if PROVENANCE in zf.namelist() else {}
        check.result = run_result_from_json(json.loads(zf.read(RESULTS)))
    except KeyError:
        check.problems.append(f"removed: {RESULTS} (the pack has no results document)")
    except (ValueError, ResultsDocumentError) as exc:
        check.problems.append(f"{RESULTS}: {exc}")


def render(check: Verification, format_name: str) -> str:
    """One report format re-rendered from a checked pack alone (the verdict is decided again from its facts).

    EvidenceError for a pack that fails verification; a pack that is intact but not VERIFIED is
    rendered with an "Unverified evidence" banner naming why (HTML and Markdown; the other formats are
    for machines and keep their schemas)."""
    from conformance.reports.writer import FORMATS

    if format_name not in FORMATS:
        raise ValueError(f"unknown report format {format_name!r}; known: {', '.join(FORMATS)}")
    if not check.ok or check.result is None:
        raise EvidenceError(f"{check.pack} fails verification ({'; '.join(check.problems)}); "
                            "run `conformance report verify` for details")
    reason = check.unverified_reason()
    if reason is not None and format_name in ("html", "markdown"):
        return FORMATS[format_name].render(check.result, unverified=reason)
    return FORMATS[format_name].render(check.result)


def describe(check: Verification) -> list[str]:
    """What an intact pack attests, line by line (for `conformance report verify`): first whether it is
    VERIFIED, then each signature with its key's fingerprint, to compare with one obtained out of band."""
    p, r = check.provenance, check.result
    counted = f"{check.members} member(s) match {MANIFEST} (SHA-256)"
    if check.verified:
        kind = ("supplier-signed and assessor-countersigned, both by keys you supplied" if check.countersigned
                else "supplier-signed by a key you supplied, not countersigned")
        lines = [f"evidence pack {check.pack}: VERIFIED — {kind}; {counted}"]
    else:
        why = "the pack is not signed" if not check.signed else "no key you supplied checked the signatures"
        lines = [f"evidence pack {check.pack}: intact, signer unknown — {why}; {counted}"]
    lines += _signature_lines(check)
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


def _signature_lines(check: Verification) -> list[str]:
    trusted = check.trusted is not None
    if not check.signed:
        return ["signature: none (anyone could have written this pack; sign packs with --sign-key)"]
    lines = [f"signature: valid Ed25519 signature of {MANIFEST} by key {check.signer} "
             + ("(a key you supplied)" if trusted else
                "(signer unknown: compare this fingerprint with the supplier's, obtained out of band, "
                "and pass it with --public-key)")]
    c = check.countersigned
    if c is None:
        lines.append("countersignature: none (supplier-signed only; an assessor countersigns with "
                     "`conformance report countersign`)")
    else:
        lines.append(f"countersignature: valid Ed25519 countersignature of {MANIFEST} and {SIGNATURE} by key "
                     f"{c.fingerprint}, {c.created} " + ("(a key you supplied)" if trusted else "(signer unknown)"))
    return lines
