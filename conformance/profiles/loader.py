"""Load `profile.yaml` (checked against the shipped JSON Schema) and its requirements file.

Every problem in the manifest and the requirements file is collected and raised at once as a
`ProfileError` of located errors; nothing here raises anything else for a user's mistake.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from conformance.profiles import schema
from conformance.profiles.errors import LocatedError, ProfileError
from conformance.profiles.filerules import rule_type
from conformance.profiles.located import LocatedDocument, load_yaml
from conformance.profiles.model import (
    Environment,
    FileRule,
    FileSpec,
    InputDecl,
    NotApplicable,
    PackageRef,
    Profile,
    ReferenceSettings,
    Specification,
)
from conformance.profiles.paths import display_path
from conformance.profiles.requirements import read_requirements

MANIFEST = "profile.yaml"


def load_profile(location: Path) -> Profile:
    """A profile from its folder (or its profile.yaml); raises ProfileError listing every problem."""
    manifest = location / MANIFEST if location.is_dir() else location
    folder = manifest.parent.resolve()
    shown = display_path(manifest.resolve()) if manifest.exists() else str(manifest)
    document = load_yaml(manifest, shown)
    errors = schema.check(document, "profile")
    if errors:
        raise ProfileError(errors, f"{shown} is not a valid profile")
    data: dict[str, Any] = document.data
    packages = tuple(_package(document, folder, i, p, errors) for i, p in enumerate(data["packages"]))
    _unique(document, "packages", [p.name for p in packages], "package name", errors)
    inputs = tuple(input_decl(document, "inputs", i, d) for i, d in enumerate(data.get("inputs", [])))
    _unique(document, "inputs", [d.name for d in inputs], "input", errors)
    scenario_files = []
    for i, name in enumerate(data["scenarios"]):
        path = folder / name
        if not path.is_file():
            errors.append(document.error(f"scenario file {name} does not exist in {display_path(folder)}",
                                         ["scenarios", i]))
        scenario_files.append(path)
    reference = _reference(document, folder, data.get("reference", {}), errors)
    requirements_file = folder / data["requirements"]
    requirements, problems = read_requirements(requirements_file, display_path(requirements_file))
    errors.extend(problems)
    file_specs, file_rules = _file_checks(document, data.get("file_checks"), {r.id for r in requirements}, errors)
    environments = _environments(document, data.get("environments", []), {r.id for r in requirements}, errors)
    default_environment = data.get("default_environment")
    if default_environment is not None and default_environment not in {e.id for e in environments}:
        errors.append(document.error(f"default_environment '{default_environment}' is not one of the environments",
                                     ["default_environment"]))
    if errors:
        raise ProfileError(errors, f"{shown} is not a valid profile")
    return Profile(
        id=data["id"], title=data["title"], version=data["version"], publisher=data["publisher"],
        status=data["status"], fhir_version=data["fhirVersion"], folder=folder, manifest=manifest.resolve(),
        packages=packages, requirements_file=requirements_file, requirements=tuple(requirements),
        scenario_files=tuple(scenario_files), description=data.get("description", ""),
        file_checks=file_rules, file_specs=file_specs, inputs=inputs, reference=reference,
        aliases=tuple(data.get("aliases", ())), specification=_specification(data.get("specification")),
        environments=environments, default_environment=default_environment,
    )


def input_decl(document: LocatedDocument, key: str, index: int, data: dict[str, Any]) -> InputDecl:
    """A declared input (shared by profiles and scenarios); defaults become strings."""
    default = data.get("default")
    if isinstance(default, bool):
        default = "true" if default else "false"
    where = document.error("", [key, index])
    return InputDecl(data["name"], data["description"], None if default is None else str(default),
                     bool(data.get("secret", False)), f"{where.path}:{where.line}")


def _package(document: LocatedDocument, folder: Path, index: int, data: dict[str, Any],
             errors: list[LocatedError]) -> PackageRef:
    path = None
    if "path" in data:
        path = (folder / data["path"]).resolve()
        if not path.exists():
            errors.append(document.error(f"package folder {data['path']} does not exist in {display_path(folder)}",
                                         ["packages", index, "path"]))
    return PackageRef(name=data["name"], spec=data.get("package"), path=path, optional=bool(data.get("optional")),
                      install=data.get("install", ""), provides=tuple(data.get("provides", ())),
                      description=data.get("description", ""))


def _reference(document: LocatedDocument, folder: Path, data: dict[str, Any],
               errors: list[LocatedError]) -> ReferenceSettings:
    seed = None
    if "seed" in data:
        seed = (folder / data["seed"]).resolve()
        if not seed.is_dir():
            errors.append(document.error(f"seed folder {data['seed']} does not exist in {display_path(folder)}",
                                         ["reference", "seed"]))
    return ReferenceSettings(auth=data.get("auth", "none"), seed=seed, api=data.get("api"))


def _specification(data: dict[str, Any] | None) -> Specification | None:
    if not data:
        return None
    return Specification(title=data["title"], repository=data["repository"], commit=data["commit"],
                         version=str(data.get("version", "")), openapi=data.get("openapi", ""),
                         local=data.get("local", ""), uk_core=data.get("uk_core", ""))


def _environments(document: LocatedDocument, data: list[dict[str, Any]], requirement_ids: set[str],
                  errors: list[LocatedError]) -> tuple[Environment, ...]:
    """The environments (schema-checked); every requirement a `not_applicable` names must exist."""
    found = []
    for i, env in enumerate(data):
        groups = []
        for j, group in enumerate(env.get("not_applicable", [])):
            for k, rid in enumerate(group["requirements"]):
                if rid not in requirement_ids:
                    errors.append(document.error(f"requirement '{rid}' is not in the requirements file",
                                                 ["environments", i, "not_applicable", j, "requirements", k]))
            groups.append(NotApplicable(tuple(group["requirements"]), group["reason"], group.get("source", "")))
        found.append(Environment(env["id"], env.get("title", ""), env.get("url", ""), env.get("description", ""),
                                 tuple(groups)))
    _unique_ids(document, [e.id for e in found], errors)
    return tuple(found)


def _unique_ids(document: LocatedDocument, names: list[str], errors: list[LocatedError]) -> None:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            errors.append(document.error(f"environment '{name}' is declared twice", ["environments", i, "id"]))
        seen.add(name)


def _unique(document: LocatedDocument, key: str, names: list[str], what: str, errors: list[LocatedError]) -> None:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            errors.append(document.error(f"{what} '{name}' is declared twice", [key, i, "name"]))
        seen.add(name)


# -- file_checks ----------------------------------------------------------------------------------
RESERVED_RULE_IDS = frozenset({"export-files"})  # the implicit test of reading the export's files


def _file_checks(document: LocatedDocument, data: Any, requirement_ids: set[str],
                 errors: list[LocatedError]) -> tuple[tuple[FileSpec, ...], tuple[FileRule, ...]]:
    """`file_checks` (already schema-checked) as FileSpecs and FileRules; `[]` or absent means none."""
    if not isinstance(data, dict):
        return (), ()
    specs = tuple(FileSpec(s["match"], tuple(s.get("resource_types", ()))) for s in data.get("files", []))
    rules: list[FileRule] = []
    seen: set[str] = set()
    for i, r in enumerate(data.get("rules", [])):
        where: list[str | int] = ["file_checks", "rules", i]
        if r["id"] in seen or r["id"] in RESERVED_RULE_IDS:
            taken = "is used by another rule" if r["id"] in seen else "is reserved for the reading of the files"
            errors.append(document.error(f"rule id '{r['id']}' {taken}", [*where, "id"]))
        seen.add(r["id"])
        for j, rid in enumerate(r.get("requirements", [])):
            if rid not in requirement_ids:
                errors.append(document.error(f"requirement '{rid}' is not in the requirements file",
                                             [*where, "requirements", j]))
        patterns: list[tuple[list[str | int], str]] = [(["allow_external", j], p)
                                                       for j, p in enumerate(r.get("allow_external", []))]
        if isinstance(r.get("pattern"), str):
            patterns.append((["pattern"], r["pattern"]))
        for key, pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                errors.append(document.error(f"not a regular expression: {exc}", [*where, *key]))
        rules.append(_file_rule(r, f"{document.path}:{document.error('', where).line}"))
    return specs, tuple(rules)


def _file_rule(r: dict[str, Any], declared_in: str) -> FileRule:
    kind = rule_type(r["type"])
    return FileRule(id=r["id"], type=r["type"], title=r.get("title") or f"{r['type']} ({r['id']})",
                    params=kind.read(r), requirements=tuple(r.get("requirements", ())), declared_in=declared_in)
