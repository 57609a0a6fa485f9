"""What a loaded conformance profile is: plain, immutable data (see docs in profile.schema.json)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from conformance.profiles.filerules.base import RuleParams
from conformance.results import Requirement

AUTH_MODES = ("none", "bearer", "client-credentials", "jwt")


@dataclass(frozen=True, slots=True)
class PackageRef:
    """A FHIR package the profile's checks need: from the package cache, or a folder it carries."""

    name: str
    spec: str | None = None  # ID#VERSION, from the package cache
    path: Path | None = None  # a folder (or .tgz) inside the profile
    optional: bool = False
    install: str = ""
    provides: tuple[str, ...] = ()  # canonical URLs that show it is loaded
    description: str = ""

    @property
    def label(self) -> str:
        return self.spec or (self.path.name if self.path else self.name)

    @property
    def load_spec(self) -> str:
        """What `load_packages` / `--ig` take for it."""
        return self.spec if self.spec else str(self.path)

    def how_to_get(self) -> str:
        """The command (or note) that makes the package available."""
        if self.install:
            return self.install
        if self.spec:
            return f"conformance packages install '{self.spec}'"
        return f"it ships with the profile at {self.path}"


@dataclass(frozen=True, slots=True)
class InputDecl:
    """A value the scenarios need from whoever runs them (a patient's NHS number, a client id)."""

    name: str
    description: str
    default: str | None = None
    secret: bool = False
    declared_in: str = ""  # file:line, for messages


@dataclass(frozen=True, slots=True)
class ReferenceSettings:
    """How the built-in reference server is started for this profile."""

    auth: str = "none"
    seed: Path | None = None
    api: str | None = None  # the built-in server behaviour (e.g. "pds"); None: the generic FHIR server


@dataclass(frozen=True, slots=True)
class Specification:
    """The published specification a profile's requirements are read from (their source links point into it)."""

    title: str
    repository: str
    commit: str
    version: str = ""
    openapi: str = ""  # the OpenAPI document's path inside the repository
    local: str = ""  # its path under an nhs-specs folder, for `profiles coverage` and the source-link tests
    uk_core: str = ""  # which UK Core release the real API conforms to, as the specification says


@dataclass(frozen=True, slots=True)
class NotApplicable:
    """Requirements that do not apply in an environment, and the specification's reason."""

    requirements: tuple[str, ...]
    reason: str
    source: str = ""


@dataclass(frozen=True, slots=True)
class Environment:
    """An environment the specification names (sandbox, integration, production) and what is out of scope there."""

    id: str
    title: str = ""
    url: str = ""
    description: str = ""
    not_applicable: tuple[NotApplicable, ...] = ()

    def reason_not_applicable(self, requirement_id: str) -> NotApplicable | None:
        for group in self.not_applicable:
            if requirement_id in group.requirements:
                return group
        return None


@dataclass(frozen=True, slots=True)
class FileSpec:
    """`file_checks.files[]`: the resource types a file of the export may hold, chosen by a glob."""

    match: str  # posix glob against the path inside the export (`**` for any depth)
    resource_types: tuple[str, ...] = ()  # empty: any type


@dataclass(frozen=True, slots=True)
class FileRule:
    """`file_checks.rules[]`: one check of an export; it becomes one TestResult in the report.

    `params` holds what its `type` takes, a small frozen dataclass of that type's module in
    `conformance.profiles.filerules` (strings, numbers and tuples only), so a rule is hashable and
    pickles small for worker processes.
    """

    id: str
    type: str  # a registered type: conformance.profiles.filerules.rule_types()
    title: str
    params: RuleParams = RuleParams()
    requirements: tuple[str, ...] = ()
    declared_in: str = ""  # profile.yaml:line, for messages

    @property
    def profiles(self) -> tuple[tuple[str, str], ...]:
        """A `validate` rule's (resource type, profile URL) pairs; empty for every other type."""
        found: tuple[tuple[str, str], ...] = getattr(self.params, "profiles", ())
        return found


@dataclass(frozen=True, slots=True)
class Profile:
    id: str
    title: str
    version: str
    publisher: str
    status: str
    fhir_version: str
    folder: Path
    manifest: Path
    packages: tuple[PackageRef, ...]
    requirements_file: Path
    requirements: tuple[Requirement, ...]
    scenario_files: tuple[Path, ...]
    description: str = ""
    file_checks: tuple[FileRule, ...] = ()  # file_checks.rules
    file_specs: tuple[FileSpec, ...] = ()  # file_checks.files
    inputs: tuple[InputDecl, ...] = ()
    reference: ReferenceSettings = ReferenceSettings()
    aliases: tuple[str, ...] = ()  # other ids it answers to (e.g. the profile it replaces)
    specification: Specification | None = None
    environments: tuple[Environment, ...] = ()
    default_environment: str | None = None

    def environment(self, name: str | None) -> Environment | None:
        """The named environment, else the default one (None when the profile names no environments)."""
        wanted = name or self.default_environment or (self.environments[0].id if self.environments else None)
        for env in self.environments:
            if env.id == wanted:
                return env
        return None

    def requirement(self, requirement_id: str) -> Requirement | None:
        for r in self.requirements:
            if r.id == requirement_id:
                return r
        return None

    def package(self, name: str) -> PackageRef | None:
        for p in self.packages:
            if p.name == name:
                return p
        return None
