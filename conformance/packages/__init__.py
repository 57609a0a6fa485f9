"""FHIR NPM packages: the standard package cache, installing into it, and loading packages.

Public API (the validator and the CLI use only these names):
`PackageError`, `PackageCache`, `install`, `install_together`, `IndexEntry`, `Package`, `PackageSet`, `load_packages`.
"""

from __future__ import annotations

from conformance.packages.cache import PackageCache
from conformance.packages.errors import PackageError
from conformance.packages.index import IndexEntry
from conformance.packages.install import install, install_together
from conformance.packages.loader import Package, PackageSet, load_packages

__all__ = ["IndexEntry", "Package", "PackageCache", "PackageError", "PackageSet", "install", "install_together", "load_packages"]
