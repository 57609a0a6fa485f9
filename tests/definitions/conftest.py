"""Fixtures for the definitions layer: the R4 core package, the fixture profiles, resolvers over both."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "definitions"
CORE_SD = "http://hl7.org/fhir/StructureDefinition/"
EXAMPLE_SD = "http://example.org/fhir/StructureDefinition/"

Resolver = Callable[[str], "dict[str, Any] | None"]


@pytest.fixture(scope="session")
def core_packages() -> Any:
    """The R4 core package from the standard cache (tests using it are marked `core`)."""
    from conformance.packages import PackageCache, load_packages

    return load_packages([], PackageCache.default())


@pytest.fixture(scope="session")
def core_type(core_packages: Any) -> Resolver:
    """Type name → core StructureDefinition (what the XML converter needs)."""
    return lambda name: core_packages.resolve(CORE_SD + name)


def load_fixture_definitions() -> dict[str, dict[str, Any]]:
    """The hand-written profiles and extensions of fixtures/definitions/snapshot, by URL."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted((FIXTURES / "snapshot").glob("*.json")):
        sd = json.loads(path.read_text(encoding="utf-8"))
        found[sd["url"]] = sd
    return found


@pytest.fixture(scope="session")
def fixture_definitions() -> dict[str, dict[str, Any]]:
    return load_fixture_definitions()


@pytest.fixture
def resolver(core_packages: Any, fixture_definitions: dict[str, dict[str, Any]]) -> Resolver:
    """Fixture profiles first, then the core package; counts every look-up in `.calls`."""
    calls: list[str] = []

    def resolve(url: str) -> dict[str, Any] | None:
        calls.append(url)
        return fixture_definitions.get(url) or core_packages.resolve(url)

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve
