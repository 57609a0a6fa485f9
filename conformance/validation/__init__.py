"""Instance validation: compiled plans walked over positioned trees."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from conformance.validation.validator import ValidationOptions, Validator

if TYPE_CHECKING:
    from conformance.packages import PackageCache, PackageSet

__all__ = ["ValidationOptions", "Validator", "ValidatorFactory", "create_validator"]


def create_validator(ig_specs: Sequence[str] = (), cache: PackageCache | None = None,
                     packages: PackageSet | None = None, options: ValidationOptions | None = None) -> Validator:
    """A validator over hl7.fhir.r4.core#4.0.1 plus the given packages/folders/files.

    Raises `conformance.packages.PackageError` (one clear line) when a package cannot be had.
    """
    from conformance.definitions.registry import Definitions
    from conformance.packages import PackageCache

    if packages is None:
        return Validator(Definitions.load(ig_specs, cache or PackageCache.default()), options)
    return Validator(Definitions(packages), options)


class ValidatorFactory:
    """Builds the run's validator: reused in this process, rebuilt once in each worker process.

    It pickles as its recipe (package specs and cache), never as the loaded definitions.
    """

    def __init__(self, ig_specs: Sequence[str], cache: PackageCache, packages: PackageSet | None = None,
                 options: ValidationOptions | None = None) -> None:
        self.ig_specs = tuple(ig_specs)
        self.cache = cache
        self.options = options
        self._packages = packages
        self._built: Validator | None = None

    def __call__(self) -> Validator:
        if self._built is None:
            self._built = create_validator(self.ig_specs, self.cache, self._packages, self.options)
        return self._built

    def __getstate__(self) -> dict[str, Any]:
        return {"ig_specs": self.ig_specs, "cache": self.cache, "options": self.options, "_packages": None,
                "_built": None}
