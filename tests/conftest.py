"""Test-wide fixtures and the rules for tests that need material from outside the repository.

- `shared`: needs ../shared (the UK Core source, US Core, the FHIRPath suite). Skipped where it is
  absent, unless CONFORMANCE_REQUIRE_SHARED=1 (CI), where its absence fails the test.
- `core`: needs hl7.fhir.r4.core#4.0.1 in the package cache (the README's set-up command installs it).
  Skipped where absent, unless CI or CONFORMANCE_REQUIRE_SHARED is set.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
FIXTURES = REPO / "fixtures"
# the package cache of the session, read before any fixture isolates a test from it ($FHIR_PACKAGE_CACHE, else
# ~/.fhir/packages): the cache the `core` marker found the R4 core in
SESSION_PACKAGE_CACHE = os.environ.get("FHIR_PACKAGE_CACHE")


def _required() -> bool:
    return os.environ.get("CONFORMANCE_REQUIRE_SHARED") == "1" or bool(os.environ.get("CI"))


def core_package_dir() -> Path | None:
    from conformance.packages import PackageCache

    return PackageCache.default(SESSION_PACKAGE_CACHE).package_dir("hl7.fhir.r4.core", "4.0.1")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    shared_missing = not SHARED.is_dir()
    core_missing = core_package_dir() is None
    for item in items:
        if "shared" in item.keywords and shared_missing:
            if _required():
                item.add_marker(pytest.mark.usefixtures("_fail_missing_shared"))
            else:
                item.add_marker(pytest.mark.skip(reason="../shared is not present"))
        if "core" in item.keywords and core_missing:
            if _required():
                item.add_marker(pytest.mark.usefixtures("_fail_missing_core"))
            else:
                item.add_marker(pytest.mark.skip(reason="hl7.fhir.r4.core#4.0.1 is not in the package cache"))


@pytest.fixture
def _fail_missing_shared() -> None:
    pytest.fail(f"{SHARED} is required (CONFORMANCE_REQUIRE_SHARED=1) but absent")


@pytest.fixture
def _fail_missing_core() -> None:
    pytest.fail("hl7.fhir.r4.core#4.0.1 must be installed: conformance packages install 'hl7.fhir.r4.core#4.0.1'")


@pytest.fixture(scope="session")
def session_package_cache() -> Path:
    """The package cache `core` tests were admitted with, whatever a test's own fixtures do to the environment."""
    from conformance.packages import PackageCache

    return PackageCache.default(SESSION_PACKAGE_CACHE).root


@pytest.fixture
def ordinary_user() -> Callable[[], AbstractContextManager[None]]:
    """`with ordinary_user():` runs its block with an ordinary user's file permissions (see `_unprivileged`)."""
    return _unprivileged


@contextmanager
def _unprivileged() -> Iterator[None]:
    """The block run with the file permissions of an ordinary user.

    Root reads and lists files whatever their mode, so a test of an unreadable file would prove nothing when
    run as root (as CI often is). As root, the effective user and group become `nobody` (65534) for the block
    and are restored after; the saved ids stay root's, which is what allows the return. Paths the block uses
    must be reachable by that user (pytest's `tmp_path` sits in a folder only root may enter: use paths
    relative to a readable working folder).
    """
    if os.geteuid() != 0:
        yield
        return
    os.setegid(NOBODY)
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


NOBODY = 65534


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return SHARED


@pytest.fixture(scope="session")
def validator():  # type: ignore[no-untyped-def]
    """One validator over the R4 core package for the whole session (plans compile once)."""
    from conformance.validation import create_validator

    return create_validator()
