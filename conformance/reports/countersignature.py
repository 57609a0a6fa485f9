"""The assessor's countersignature of an evidence pack: `countersignature.json`, its making and its check.

A supplier's signature proves which key signed the pack, and the supplier is the party being
assessed. An assessor who ran or witnessed the run countersigns: an Ed25519 signature, by the
assessor's key, over the SHA-256 of `manifest.json` and of `manifest.sig` as they are in the pack,
the time and the assessor key's fingerprint. So a pack the assessor countersigned can be told from
one the supplier signed alone, and editing the pack afterwards (even re-signing it with the
supplier's genuine key) breaks the countersignature. The member is not in the manifest (it is made
after it); `evidence_check` allows it and checks it here.

    {"format": "conformance-countersignature", "version": 1, "algorithm": "Ed25519",
     "signed": {"manifestSha256": …, "manifestSignatureSha256": …, "created": …,
                "publicKeyFingerprint": "sha256:…"},
     "publicKey": <hex of the 32 raw bytes>, "signature": <hex of the signature of `signed` as
     canonical JSON: keys sorted, no spaces, ASCII>}
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from conformance.reports.evidence import COUNTERSIGNATURE, MANIFEST, SIGNATURE
from conformance.reports.signing import ALGORITHM, fingerprint, public_from_raw, raw_public, verifies

FORMAT = "conformance-countersignature"
VERSION = 1


@dataclass(frozen=True, slots=True)
class Countersignature:
    """A countersignature whose signature verifies and that covers this pack's manifest and signature."""

    fingerprint: str
    created: str


def make(key: Ed25519PrivateKey, manifest: bytes, signature: bytes, now: datetime) -> bytes:
    """The `countersignature.json` member for a pack with these `manifest.json` and `manifest.sig` bytes."""
    public = key.public_key()
    signed = {"manifestSha256": _sha256(manifest), "manifestSignatureSha256": _sha256(signature),
              "created": now.isoformat(timespec="seconds"), "publicKeyFingerprint": fingerprint(public)}
    document = {"format": FORMAT, "version": VERSION, "algorithm": ALGORITHM, "signed": signed,
                "publicKey": raw_public(public).hex(), "signature": key.sign(_canonical(signed)).hex()}
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")


def check(data: bytes, manifest: bytes, signature: bytes | None) -> tuple[Countersignature | None, str | None]:
    """The countersignature, or the one problem that makes it worthless (what changed, or what is unreadable)."""
    try:
        document = json.loads(data)
        signed: dict[str, Any] = document["signed"]
        if document.get("format") != FORMAT or document.get("algorithm") != ALGORITHM or not isinstance(signed, dict):
            raise ValueError("not an Ed25519 countersignature")
        key = public_from_raw(bytes.fromhex(str(document["publicKey"])))
        sig = bytes.fromhex(str(document["signature"]))
        fp, created = str(signed["publicKeyFingerprint"]), str(signed["created"])
    except (ValueError, KeyError, TypeError) as exc:
        return None, f"countersignature: {COUNTERSIGNATURE} is not a readable countersignature ({exc})"
    if fingerprint(key) != fp:
        return None, f"modified: {COUNTERSIGNATURE} (its public key does not match its fingerprint)"
    if not verifies(key, sig, _canonical(signed)):
        return None, f"countersignature: the signature in {COUNTERSIGNATURE} does not verify: it was changed"
    if signed.get("manifestSha256") != _sha256(manifest):
        return None, (f"countersignature: made over a different {MANIFEST} (the pack was changed after key "
                      f"{fp} countersigned it)")
    if signature is None:
        return None, f"countersignature: the pack has no {SIGNATURE} for it to cover (the supplier's signature was removed)"
    if signed.get("manifestSignatureSha256") != _sha256(signature):
        return None, (f"countersignature: made over a different {SIGNATURE} (the pack was re-signed after key "
                      f"{fp} countersigned it)")
    return Countersignature(fp, created), None


def _canonical(signed: dict[str, Any]) -> bytes:
    return json.dumps(signed, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
