"""The FHIR packages a run needs: the profile's own, the optional ones present, and `--ig` extras.

A required package that cannot be had stops the run (PackageError, exit 2, naming the install
command). An optional one that is absent is no error: what needs it is reported "not tested" with
the command that gets it. A package counts as present when the canonical URLs it `provides`
resolve — so the UK Core source given with `--ig` satisfies a profile that names the published
UK Core package. One validator per package set is kept for the process (plans compile once).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from conformance.packages import PackageCache, PackageError
from conformance.packages.manifest import split_spec
from conformance.profiles import PackageRef, Profile
from conformance.validation import Validator, create_validator

_VALIDATORS: dict[tuple[tuple[str, ...], str], Validator] = {}


@dataclass(slots=True)
class RunPackages:
    validator: Validator
    available: dict[str, bool] = field(default_factory=dict)  # profile package name -> loaded
    notes: list[str] = field(default_factory=list)  # optional packages left out, and why

    @property
    def ids(self) -> list[str]:
        return self.validator.definitions.packages.ids()


def shared_validator(specs: Sequence[str], cache: PackageCache) -> Validator:
    """A validator for these package specs, built once per process."""
    key = (tuple(specs), str(cache.root))
    held = _VALIDATORS.get(key)
    if held is None:
        held = _VALIDATORS[key] = create_validator(list(specs), cache)
    return held


def load_run_packages(profile: Profile, extra: Sequence[str], cache: PackageCache) -> RunPackages:
    """Raises PackageError when a required package (or an --ig one) cannot be loaded."""
    required = [p.load_spec for p in profile.packages if not p.optional]
    optional = [p for p in profile.packages if p.optional and p.spec and _installed(p, cache)]
    notes: list[str] = []
    specs = _unique(required + [p.load_spec for p in optional] + list(extra))
    try:
        validator = shared_validator(specs, cache)
    except PackageError as exc:
        if not optional:
            raise
        notes.append(f"optional package(s) left out: {exc}")
        validator = shared_validator(_unique(required + list(extra)), cache)
    available = {p.name: _present(p, validator) for p in profile.packages}
    for p in profile.packages:
        if p.optional and not available[p.name]:
            notes.append(f"{p.label} is not loaded: {p.how_to_get()}")
    return RunPackages(validator, available, notes)


def _installed(p: PackageRef, cache: PackageCache) -> bool:
    package_id, version = split_spec(p.spec or "")
    return cache.select(package_id, version) is not None


def _present(p: PackageRef, validator: Validator) -> bool:
    if p.provides:
        return all(validator.definitions.resolve(url) is not None for url in p.provides)
    loaded = validator.definitions.packages.packages
    if p.path is not None:
        return any(pkg.origin == str(p.path) or pkg.path == p.path for pkg in loaded)
    package_id, _ = split_spec(p.spec or "")
    return any(pkg.id == package_id for pkg in loaded)


def _unique(specs: Sequence[str]) -> list[str]:
    seen: list[str] = []
    for s in specs:
        if s not in seen:
            seen.append(s)
    return seen
