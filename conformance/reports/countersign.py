"""`conformance report countersign`: add the assessor's countersignature to a checked evidence pack.

The pack is copied member by member, unchanged (the manifest's hashes still hold), with
`countersignature.json` added (`countersignature.py` says what it signs), into a temporary file
that then replaces the target: the pack itself unless another output file is given. Only an intact
pack carrying a supplier signature that verifies is countersigned, and only once.
"""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from conformance.reports import countersignature
from conformance.reports.atomic import write_atomic_binary
from conformance.reports.evidence import COUNTERSIGNATURE, EvidenceError, member_info
from conformance.reports.evidence_check import Verification
from conformance.reports.signing import SigningKeyError, fingerprint, load_private_key

_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Countersigned:
    path: Path
    countersigner: str  # fingerprint of the assessor's key
    signer: str  # fingerprint of the supplier's key it covers


def countersign(check: Verification, signing_key: bytes, output: Path | None = None,
                now: datetime | None = None) -> Countersigned:
    """Countersign the pack `check` found intact; EvidenceError when it cannot be (a key, an unsigned or
    already countersigned pack, a file that cannot be written)."""
    if not check.ok:
        raise EvidenceError(f"{check.pack} fails verification; it cannot be countersigned")
    if check.signature is None or check.signer is None:
        raise EvidenceError(f"{check.pack} is not signed: a countersignature covers the supplier's signature "
                            "(ask the supplier for a pack written with --sign-key)")
    if check.countersigned is not None:
        raise EvidenceError(f"{check.pack} is already countersigned by key {check.countersigned.fingerprint}")
    try:
        key = load_private_key(signing_key)
    except SigningKeyError as exc:
        raise EvidenceError(f"--sign-key: {exc}") from exc
    now = now or datetime.now(UTC)
    member = countersignature.make(key, check.manifest, check.signature, now)
    target = output or check.pack
    try:
        write_atomic_binary(target, lambda handle: _copy_with(check.pack, handle, member, now))
    except OSError as exc:
        raise EvidenceError(f"cannot write {target}: {exc.strerror or exc}") from exc
    return Countersigned(target, fingerprint(key.public_key()), check.signer)


def _copy_with(pack: Path, handle: BinaryIO, member: bytes, now: datetime) -> None:
    """Every member of `pack`, streamed unchanged, then the countersignature."""
    with zipfile.ZipFile(pack) as source, zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            with source.open(info) as data, target.open(info, "w", force_zip64=True) as out:
                shutil.copyfileobj(data, out, _CHUNK)
        target.writestr(member_info(COUNTERSIGNATURE, now), member)
