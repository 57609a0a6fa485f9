"""The validator a check needs: the profile's packages (optional ones when installed) and `--ig` extras.

A required package that cannot be had is a `PackageError` (exit 2, naming what to install). An
optional one that is absent is a note, and the `validate` rules whose profiles it would provide
are skipped with the command that gets it. The `ValidatorFactory` is what worker processes get:
it pickles as its package specs and is built once in each worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from conformance.packages import PackageCache, PackageError
from conformance.packages.manifest import split_spec
from conformance.profiles.model import FileRule, PackageRef, Profile
from conformance.validation import Validator, ValidatorFactory


@dataclass(slots=True)
class CheckPackages:
    factory: ValidatorFactory
    validator: Validator  # built in this process: for the serial executor and for package questions
    notes: list[str] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        return self.validator.definitions.packages.ids()


def load_check_packages(profile: Profile, extra: Sequence[str], cache: PackageCache) -> CheckPackages:
    """Raises PackageError when a required package (or an --ig one) cannot be loaded."""
    required = [p.load_spec for p in profile.packages if not p.optional]
    optional = [p for p in profile.packages if p.optional and p.spec and _installed(p, cache)]
    notes: list[str] = []
    specs = _unique([*required, *(p.load_spec for p in optional), *extra])
    try:
        factory = ValidatorFactory(specs, cache)
        validator = factory()
    except PackageError as exc:
        if not optional:
            raise
        notes.append(f"optional package(s) left out: {exc}")
        factory = ValidatorFactory(_unique([*required, *extra]), cache)
        validator = factory()
    for p in profile.packages:
        if p.optional and not _present(p, validator):
            notes.append(f"{p.label} is not loaded: {p.how_to_get()}")
    return CheckPackages(factory, validator, notes)


def missing_profiles(rule: FileRule, validator: Validator) -> list[str]:
    """The rule's profile URLs that the loaded packages do not define."""
    return [url for _, url in rule.profiles if validator.definitions.structure_definition(url) is None]


def how_to_get(profile: Profile, urls: Sequence[str]) -> str:
    """What makes these profiles available: the install command of the package that provides them."""
    ways = []
    for p in profile.packages:
        if set(urls) & set(p.provides) and p.how_to_get() not in ways:
            ways.append(p.how_to_get())
    return "; ".join(ways) if ways else "load the package that defines them with --ig"


def _installed(p: PackageRef, cache: PackageCache) -> bool:
    package_id, version = split_spec(p.spec or "")
    return cache.select(package_id, version) is not None


def _present(p: PackageRef, validator: Validator) -> bool:
    if p.provides:
        return all(validator.definitions.resolve(url) is not None for url in p.provides)
    package_id, _ = split_spec(p.spec or "")
    return any(pkg.id == package_id for pkg in validator.definitions.packages.packages)


def _unique(specs: Sequence[str]) -> list[str]:
    seen: list[str] = []
    for s in specs:
        if s not in seen:
            seen.append(s)
    return seen
