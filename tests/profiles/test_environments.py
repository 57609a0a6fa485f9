"""Environments, manual requirements, aliases and the specification block of a profile manifest."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.profiles import ProfileError, load_profile
from conformance.profiles.discovery import find_profile

MANIFEST = """\
id: env-demo
aliases: [old-demo]
title: Environments demo
version: "1"
publisher: tests
status: draft
fhirVersion: "4.0.1"
specification:
  title: Demo API
  repository: https://github.com/example/demo-api
  commit: 0123abc
  openapi: specification/demo.yaml
  local: demo/demo.resolved.yaml
  uk_core: none stated
environments:
  - id: sandbox
    not_applicable:
      - requirements: [{na}]
        reason: the sandbox has no authorisation
  - id: production
default_environment: {default}
packages: []
requirements: requirements.csv
scenarios: []
"""
REQUIREMENTS = """\
identifier,level,description,verification
DEMO-001,MUST,The API answers,
DEMO-002,MUST,Requests are authorised,automated
DEMO-003,MUST,The clinical safety case is signed off,{verification}
"""


def _write(folder: Path, na: str = "DEMO-002", default: str = "production", verification: str = "manual") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "profile.yaml").write_text(MANIFEST.format(na=na, default=default), encoding="utf-8")
    (folder / "requirements.csv").write_text(REQUIREMENTS.format(verification=verification), encoding="utf-8")
    return folder


def test_environments_manual_requirements_and_specification_are_loaded(tmp_path: Path) -> None:
    profile = load_profile(_write(tmp_path / "env-demo"))
    assert [e.id for e in profile.environments] == ["sandbox", "production"]
    sandbox = profile.environment("sandbox")
    assert sandbox is not None
    group = sandbox.reason_not_applicable("DEMO-002")
    assert group is not None and group.reason == "the sandbox has no authorisation"
    assert sandbox.reason_not_applicable("DEMO-001") is None
    assert profile.environment(None) is profile.environments[1]  # default_environment
    assert [r.verification for r in profile.requirements] == ["automated", "automated", "manual"]
    assert profile.requirements[2].manual and not profile.requirements[0].manual
    assert profile.specification is not None and profile.specification.commit == "0123abc"
    assert profile.aliases == ("old-demo",)


def test_an_unknown_requirement_in_not_applicable_is_a_located_error(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as caught:
        load_profile(_write(tmp_path / "env-demo", na="DEMO-999"))
    assert [(e.line, e.message) for e in caught.value.errors] == [
        (18, "requirement 'DEMO-999' is not in the requirements file")]


def test_an_unknown_default_environment_is_a_located_error(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as caught:
        load_profile(_write(tmp_path / "env-demo", default="staging"))
    assert [(e.line, e.message) for e in caught.value.errors] == [
        (21, "default_environment 'staging' is not one of the environments")]


def test_an_unknown_verification_is_a_located_error(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as caught:
        load_profile(_write(tmp_path / "env-demo", verification="by-hand"))
    assert [(e.line, e.column, e.message) for e in caught.value.errors] == [
        (4, 4, "DEMO-003: verification 'by-hand' is not one of automated, manual")]


def test_a_profile_is_found_by_its_alias(tmp_path: Path) -> None:
    folder = _write(tmp_path / "env-demo")
    assert find_profile("old-demo", [tmp_path]) == folder
