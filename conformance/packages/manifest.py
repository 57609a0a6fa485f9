"""Reading and synthesising `package.json`, the manifest every FHIR package carries."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from conformance.packages.errors import PackageError

LOCAL_VERSION = "0.0.0-local"
_ID_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_VERSION_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


def read_manifest(path: Path) -> dict[str, Any]:
    """The parsed `package.json` at `path`; it must name the package and its version."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except OSError as exc:
        raise PackageError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise PackageError(f"{path} is not valid JSON ({exc}); fix or replace the package") from exc
    if not isinstance(data, dict):
        raise PackageError(f"{path} is not a package manifest (expected a JSON object)")
    for key in ("name", "version"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise PackageError(f"{path} has no \"{key}\"; a FHIR package.json must give name and version")
    check_id(data["name"], str(path))
    check_version(data["version"], str(path))
    return data


def dependencies_of(manifest: dict[str, Any]) -> dict[str, str]:
    """`dependencies` as {id: version spec}, ignoring malformed entries rather than failing."""
    raw = manifest.get("dependencies")
    if not isinstance(raw, dict):
        return {}
    return {str(k): str(v) for k, v in raw.items() if isinstance(k, str) and isinstance(v, str | int | float)}


def synthesise(package_id: str, version: str, *, title: str = "") -> dict[str, Any]:
    """A manifest for loose resources that came without one (no dependencies: core is added by the loader)."""
    check_id(package_id, "--id")
    check_version(version, "--version")
    return {
        "name": package_id,
        "version": version,
        "type": "fhir.ig",
        "fhirVersions": ["4.0.1"],
        "description": title or f"local resources packaged by conformance as {package_id}#{version}",
        "dependencies": {},
    }


def derive_id(name: str) -> str:
    """A package id from a folder or file name: lower case, runs of other characters become '.'."""
    cleaned = re.sub(r"[^a-z0-9._-]+", ".", name.lower()).strip(".-_")
    return cleaned or "local"


def check_id(package_id: str, where: str) -> None:
    if not _ID_OK.match(package_id) or "#" in package_id:
        raise PackageError(f"{package_id!r} (from {where}) is not a valid package id; use letters, digits, '.', '-' or '_'")


def check_version(version: str, where: str) -> None:
    if not _VERSION_OK.match(version):
        raise PackageError(f"{version!r} (from {where}) is not a valid package version; use e.g. 1.0.0")


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


_FOREIGN_CORE = re.compile(r"^hl7\.fhir\.r(2|3|5|6)\.[a-z]+$")


def is_foreign_core(package_id: str) -> bool:
    """A base package of another FHIR release (e.g. hl7.fhir.r5.core), which an R4 tool cannot use.

    Some R4 packages list one (UK Core 2.0.0 names hl7.fhir.r5.core for cross-version
    extensions); we skip such dependencies with a warning instead of failing on them.
    """
    return bool(_FOREIGN_CORE.match(package_id))


def split_spec(spec: str) -> tuple[str, str | None]:
    """'id#version' (or npm's 'id@version') -> (id, version); a bare id -> (id, None)."""
    text = spec.strip()
    for sep in ("#", "@"):
        if sep in text:
            package_id, _, version = text.partition(sep)
            check_id(package_id, spec)
            return package_id, version.strip() or None
    check_id(text, spec)
    return text, None
