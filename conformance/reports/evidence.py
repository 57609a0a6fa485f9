"""The evidence pack: a zip an assessor can check was not edited, and re-render reports from.

`--evidence FILE.zip` writes:

    manifest.json        format, creation time, SHA-256 and size of every other member, and the
                         signing key's fingerprint and public key when signed
    manifest.sig         Ed25519 signature of manifest.json's exact bytes (with --sign-key)
    results.json         the results document (schema: results.schema.json); enough to re-render
    report.html          the HTML report
    provenance.json      what the run used: tool and Python versions, the command line (secrets
                         removed), start/finish/pack times, the profile and its hash, the FHIR
                         packages with their hashes, every checked file's SHA-256, the baseline
    exchanges/...        each test's recorded HTTP exchanges (redacted when recorded), one file a test
    profile/...          the profile's files as used
    baseline.yaml        the baseline applied, when there was one
    inputs/...           the checked files themselves, only with --include-inputs
    countersignature.json  an assessor's countersignature, added later (countersignature.py)

A folder's hash ("tree hash") is the SHA-256 of the lines `<sha256 of file>  <relative path>\\n`
for every file in it, sorted by path (hidden files and folders left out): the same lines
`sha256sum` prints, so anyone can recompute it. `evidence_check.verify` checks a pack.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any, Protocol, TextIO, cast

from conformance.errors import ConformanceError
from conformance.reports import html, results_io
from conformance.reports.atomic import default_mode
from conformance.reports.signing import ALGORITHM, fingerprint, load_private_key, raw_public
from conformance.results import RunResult

FORMAT = "conformance-evidence"
VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
COUNTERSIGNATURE = "countersignature.json"  # added by `conformance report countersign`
RESULTS = "results.json"
REPORT = "report.html"
PROVENANCE = "provenance.json"
BASELINE = "baseline.yaml"
REDACTED = "[redacted]"
_CHUNK = 1 << 20
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_SECRET_NAME = re.compile(r"secret|passw|token|api[-_]?key|credential|assertion|cookie", re.IGNORECASE)
_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^/@:\s]*):(?P<password>[^/@\s]+)@", re.IGNORECASE)


class EvidenceError(ConformanceError):
    """The pack cannot be written or read at all (a file or key problem); one clear line."""


class PackageLike(Protocol):
    id: str
    version: str
    path: Path


@dataclass(frozen=True, slots=True)
class Written:
    path: Path
    members: int
    signed_by: str | None  # the key's fingerprint


def write_evidence(pack: Path, result: RunResult, *, profile_dir: Path | None = None,
                   packages: Sequence[PackageLike] = (), inputs: Sequence[Path] = (),
                   include_inputs: bool = False, baseline_file: Path | None = None,
                   signing_key: bytes | None = None, now: datetime | None = None) -> Written:
    """Write the pack atomically. EvidenceError when a key, an input or the target cannot be used."""
    key = None
    if signing_key is not None:
        try:
            key = load_private_key(signing_key)
        except ValueError as exc:
            raise EvidenceError(str(exc)) from exc
    now = now or datetime.now(UTC)
    stamp = now.isoformat(timespec="seconds")
    members: dict[str, dict[str, Any]] = {}
    pack.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{pack.name}-", suffix=".tmp", dir=pack.parent)
    os.fchmod(fd, default_mode())
    os.close(fd)
    try:
        with zipfile.ZipFile(temp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            writer = _Members(zf, members, now)
            writer.stream(RESULTS, lambda handle: results_io.write(result, handle))
            writer.text(REPORT, html.render(result))
            for name, exchanges in _exchanges(result):
                writer.text(name, json.dumps(exchanges, indent=2, ensure_ascii=False) + "\n")
            profile = _profile(writer, result, profile_dir)
            checked = [_input(writer, path, include_inputs) for path in inputs]
            if baseline_file is not None:
                writer.file(BASELINE, baseline_file)
            provenance = _provenance(result, stamp, profile, [_package(p) for p in packages], checked,
                                     baseline_file)
            writer.text(PROVENANCE, json.dumps(provenance, indent=2, ensure_ascii=False) + "\n")
            manifest: dict[str, Any] = {"format": FORMAT, "version": VERSION, "created": stamp,
                                        "tool": {"name": "conformance", "version": result.tool_version},
                                        "members": dict(sorted(members.items()))}
            if key is not None:
                public = key.public_key()
                manifest["signature"] = {"algorithm": ALGORITHM, "member": SIGNATURE,
                                         "publicKeyFingerprint": fingerprint(public),
                                         "publicKey": raw_public(public).hex()}
            manifest_bytes = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
            zf.writestr(member_info(MANIFEST, now), manifest_bytes)
            if key is not None:
                zf.writestr(member_info(SIGNATURE, now), key.sign(manifest_bytes).hex() + "\n")
        os.replace(temp, pack)
    except OSError as exc:
        raise EvidenceError(f"cannot write the evidence pack {pack}: {exc.strerror or exc}") from exc
    finally:
        Path(temp).unlink(missing_ok=True)
    signed_by = fingerprint(key.public_key()) if key is not None else None
    return Written(pack, len(members) + 1 + (1 if key else 0), signed_by)


class _Members:
    """Adds members to the zip, hashing each as it is written."""

    def __init__(self, zf: zipfile.ZipFile, members: dict[str, dict[str, Any]], now: datetime) -> None:
        self.zf, self.members, self.now = zf, members, now

    def text(self, name: str, text: str) -> str:
        """Add a text member; returns the name it got (unique in the pack)."""
        name = self._unique(name)
        data = text.encode("utf-8")
        self.zf.writestr(member_info(name, self.now), data)
        self.members[name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        return name

    def stream(self, name: str, write: Callable[[TextIO], None]) -> str:
        """Add a text member written piece by piece by `write(handle)` (a results document with a million
        findings is never one string); returns the name it got (unique in the pack)."""
        name = self._unique(name)
        with self.zf.open(member_info(name, self.now), "w", force_zip64=True) as target:
            sink = _HashingText(target)
            write(cast(TextIO, sink))
        self.members[name] = {"sha256": sink.digest.hexdigest(), "bytes": sink.size}
        return name

    def file(self, name: str, path: Path) -> str:
        """Add a file, streamed; returns the name it got (unique in the pack)."""
        name = self._unique(name)
        digest, size = hashlib.sha256(), 0
        try:
            with path.open("rb") as source, self.zf.open(member_info(name, self.now), "w", force_zip64=True) as target:
                for chunk in iter(lambda: source.read(_CHUNK), b""):
                    digest.update(chunk)
                    size += len(chunk)
                    target.write(chunk)
        except OSError as exc:
            raise EvidenceError(f"cannot read {path} for the evidence pack: {exc.strerror or exc}") from exc
        self.members[name] = {"sha256": digest.hexdigest(), "bytes": size}
        return name

    def _unique(self, name: str) -> str:
        stem, dot, ext = name.rpartition(".") if "." in name.rsplit("/", 1)[-1] else (name, "", "")
        candidate, n = name, 2
        while candidate in self.members or candidate in (MANIFEST, SIGNATURE, COUNTERSIGNATURE):
            candidate, n = f"{stem}~{n}{dot}{ext}", n + 1
        return candidate


class _HashingText:
    """The `write(str)` a streaming writer needs: UTF-8 into a zip member, hashed and counted on the way."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target, self.digest, self.size = target, hashlib.sha256(), 0

    def write(self, text: str) -> int:
        data = text.encode("utf-8")
        self.digest.update(data)
        self.size += len(data)
        self.target.write(data)
        return len(text)


def member_info(name: str, now: datetime) -> zipfile.ZipInfo:
    """A pack member's zip entry: deflated, mode 0644, dated `now` (or 1980, the zip format's first day)."""
    info = zipfile.ZipInfo(name, date_time=now.timetuple()[:6] if now.year >= 1980 else (1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _exchanges(result: RunResult) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    for group in result.groups:
        for test in group.tests:
            if test.exchanges:
                yield "exchanges/" + "/".join(safe_part(p) for p in test.id.split("/")) + ".json", test.exchanges


def _profile(writer: _Members, result: RunResult, folder: Path | None) -> dict[str, Any]:
    info: dict[str, Any] = {"id": result.profile_id, "version": result.profile_version, "title": result.profile_title}
    if folder is None:
        return info
    lines = []
    for rel, path in tree_files(folder):
        name = writer.file("profile/" + rel, path)
        lines.append(f"{writer.members[name]['sha256']}  {rel}\n")
    info.update({"hash": "sha256:" + hashlib.sha256("".join(lines).encode("utf-8")).hexdigest(),
                 "files": len(lines), "folder": folder.name})
    return info


def _input(writer: _Members, path: Path, include: bool) -> dict[str, Any]:
    shown = path.as_posix()
    if include:
        wanted = "inputs/" + "/".join(safe_part(p) for p in PurePosixPath(shown).parts if p not in ("/", "..", "."))
        member = writer.file(wanted, path)
        return {"path": shown, **writer.members[member], "member": member}
    digest, size = file_hash(path)
    return {"path": shown, "sha256": digest, "bytes": size}


def _package(p: PackageLike) -> dict[str, Any]:
    data: dict[str, Any] = {"id": p.id, "version": p.version}
    folder = Path(p.path) if getattr(p, "path", None) is not None else None
    if folder is not None and folder.is_dir():
        data["hash"], data["files"] = tree_hash(folder)
    return data


def _provenance(result: RunResult, stamp: str, profile: dict[str, Any], packages: list[dict[str, Any]],
                inputs: list[dict[str, Any]], baseline_file: Path | None) -> dict[str, Any]:
    v = result.verdict()
    data: dict[str, Any] = {
        "format": f"{FORMAT}/{VERSION}",
        "tool": {"name": "conformance", "version": result.tool_version, "python": platform.python_version(),
                 "platform": f"{platform.system()} {platform.machine()}".strip()},
        "command": scrub_command(result.command),
        "times": {"started": result.started, "finished": result.finished, "packed": stamp},
        "target": result.target,
        "incomplete": result.incomplete,
        "verdict": {"label": v.label, "exitCode": v.exit_code, "reason": v.reason, "requireAll": result.require_all},
        "profile": profile,
        "packages": packages or [{"id": p.partition("#")[0], "version": p.partition("#")[2]} for p in result.packages],
        "inputs": inputs,
        "includeInputs": any("member" in i for i in inputs),
    }
    baseline = result.baseline
    if baseline_file is not None or baseline is not None:
        data["baseline"] = {"member": BASELINE if baseline_file is not None else None,
                            "file": baseline.file if baseline is not None else str(baseline_file),
                            "entries": len(baseline.entries) if baseline is not None else None}
    return data


def scrub_command(words: Sequence[str]) -> list[str]:
    """The command line without secrets: values of secret-named options and inputs, URL passwords."""
    out: list[str] = []
    hide_next = False
    for word in words:
        if hide_next:
            out.append(REDACTED)
            hide_next = False
            continue
        if word.startswith("-"):
            flag, eq, _ = word.partition("=")
            if _SECRET_NAME.search(flag) and not flag.endswith(("-file", "-url", "-dir")):
                out.append(f"{flag}={REDACTED}" if eq else word)
                hide_next = not eq
                continue
        elif "=" in word and not word.startswith(("http://", "https://")):
            name, _, value = word.partition("=")
            if _SECRET_NAME.search(name):
                out.append(f"{name}={REDACTED}")
                continue
        out.append(_USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{REDACTED}@", word))
    return out


def tree_files(folder: Path) -> list[tuple[str, Path]]:
    """Every file under `folder` as (posix relative path, path), sorted; hidden entries left out."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        for name in files:
            if name.startswith("."):
                continue
            path = Path(root) / name
            found.append((path.relative_to(folder).as_posix(), path))
    return sorted(found)


def tree_hash(folder: Path) -> tuple[str, int]:
    """The folder's tree hash (see the module docstring) and its file count."""
    lines = [f"{file_hash(path)[0]}  {rel}\n" for rel, path in tree_files(folder)]
    return "sha256:" + hashlib.sha256("".join(lines).encode("utf-8")).hexdigest(), len(lines)


def file_hash(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                digest.update(chunk)
                size += len(chunk)
    except OSError as exc:
        raise EvidenceError(f"cannot read {path} to hash it: {exc.strerror or exc}") from exc
    return digest.hexdigest(), size


def safe_part(part: str) -> str:
    """One path segment safe in a zip on any system (no separators, no drive, no '..')."""
    cleaned = _UNSAFE.sub("_", part).strip("._") or "_"
    return cleaned[:120]

