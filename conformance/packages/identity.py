"""What registry package a package is, when it is not published under that name.

The UK Core source (its GitHub repository) names itself `UKCore.R4.STU.02.00.00#2.0.0`; profiles ask
for the registry's `fhir.r4.ukcore.stu2#2.0.x`. A package says which registry package it is in
one of three ways, first wins:
1. the user says it: `conformance packages install FOLDER --as ID#VERSION`;
2. its `package.json` says it: `"conformance": {"registry": "ID#VERSION"}`;
3. it is a known source release (`KNOWN` below, each entry checked against its publisher).
It is then installed under that id and version (its own are kept in `package.json` as
`conformance.source`), so one install satisfies every profile that needs it, with no `--ig`.
"""

from __future__ import annotations

from typing import Any

from conformance.packages import manifest
from conformance.packages.errors import PackageError

# (name, version) in the source's package.json -> (registry id, version) of the same release
KNOWN: dict[tuple[str, str], tuple[str, str]] = {
    ("UKCore.R4.STU.02.00.00", "2.0.0"): ("fhir.r4.ukcore.stu2", "2.0.0"),  # NHS England UK Core STU2 2.0.0
}


def registry_identity(found: dict[str, Any], declared: str | None) -> tuple[str, str] | None:
    """The (id, version) the package is to be installed as, or None to keep its own."""
    if declared:
        return _parse(declared, "--as")
    own = found.get("conformance")
    if isinstance(own, dict) and isinstance(own.get("registry"), str):
        return _parse(own["registry"], "package.json conformance.registry")
    return KNOWN.get((str(found.get("name")), str(found.get("version"))))


def renamed(found: dict[str, Any], identity: tuple[str, str]) -> dict[str, Any]:
    """The manifest under its registry identity, remembering its own name and version."""
    package_id, version = identity
    if (found["name"], found["version"]) == identity:
        return found
    extra = dict(found.get("conformance") or {}) if isinstance(found.get("conformance"), dict) else {}
    extra["source"] = f"{found['name']}#{found['version']}"
    return {**found, "name": package_id, "version": version, "conformance": extra}


def _parse(spec: str, where: str) -> tuple[str, str]:
    package_id, version = manifest.split_spec(spec)
    if not version:
        raise PackageError(f"{where} {spec!r} must name an id and an exact version: ID#VERSION")
    manifest.check_id(package_id, where)
    manifest.check_version(version, where)
    return package_id, version
