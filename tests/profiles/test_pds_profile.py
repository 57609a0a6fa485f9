"""The PDS FHIR API profile (personal-demographics): its catalogue against the published specification.

The catalogue's source links are JSON pointers into the PDS OpenAPI document, resolved in the resolved copy
under ../shared/nhs-specs (marked `shared`). Every requirement is evidenced by scenario steps and the `test cases`
column says exactly which; nothing is gated on /metadata (PDS publishes no CapabilityStatement) and no
requirement demands UK Core conformance (the specification states none).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.profiles import load_profile
from conformance.profiles.coverage import measure
from conformance.profiles.discovery import builtin_roots, find_profile

REPO = Path(__file__).resolve().parents[2]
FOLDER = REPO / "profiles" / "personal-demographics"
REPOSITORY = "https://github.com/NHSDigital/personal-demographics-service-api"
COMMIT = "f57f5839b956fedb708555227ef2f9aefcc0cc37"
OPENAPI = "specification/personal-demographics.yaml"


def rows() -> list[dict[str, str]]:
    with (FOLDER / "requirements.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def manifest() -> dict[str, Any]:
    return yaml.safe_load((FOLDER / "profile.yaml").read_text(encoding="utf-8"))


def scenarios() -> list[dict[str, Any]]:
    return [yaml.safe_load((FOLDER / name).read_text(encoding="utf-8")) for name in manifest()["scenarios"]]


def test_the_profile_loads_replaces_the_old_one_and_names_its_specification() -> None:
    p = load_profile(FOLDER)
    assert (p.id, p.aliases, p.reference.api, p.reference.auth) == ("personal-demographics",
                                                                    ("nhs-patient-demographics",), "pds", "bearer")
    assert find_profile("personal-demographics", builtin_roots()) == FOLDER
    assert find_profile("nhs-patient-demographics", builtin_roots()) == FOLDER
    assert p.specification is not None
    assert (p.specification.repository, p.specification.commit, p.specification.openapi, p.specification.local) == (
        REPOSITORY, COMMIT, OPENAPI, "pds/personal-demographics.resolved.yaml")
    assert p.specification.uk_core.startswith("none stated")
    assert [e.id for e in p.environments] == ["sandbox", "integration", "production"]
    assert p.default_environment == "integration"
    assert len(p.requirements) == 96 and len({r.id for r in p.requirements}) == 96
    assert {r.level for r in p.requirements} == {"MUST"}  # every row is a required element or a stated rule


def test_the_sandbox_excludes_authorisation_and_what_a_stateless_service_cannot_show() -> None:
    p = load_profile(FOLDER)
    sandbox = p.environment("sandbox")
    assert sandbox is not None
    group = sandbox.reason_not_applicable("PDS-SEC-001")
    assert group is not None and "Required in all environments except sandbox" in group.reason
    stateless = sandbox.reason_not_applicable("PDS-UPD-002")
    assert stateless is not None and "stateless" in stateless.reason
    assert sandbox.reason_not_applicable("PDS-UPD-004") is None  # the sandbox answers If-Match W/"1" with 409
    no_data = sandbox.reason_not_applicable("PDS-READ-008")
    assert no_data is not None and "only covers a limited set of scenarios" in no_data.reason
    for name in ("integration", "production"):
        env = p.environment(name)
        assert env is not None and env.not_applicable == ()


def test_every_requirement_is_evidenced_and_the_test_cases_column_says_exactly_by_what() -> None:
    steps: dict[str, list[str]] = {}
    for data in scenarios():
        for step in data["steps"]:
            for rid in step.get("requirements", []):
                steps.setdefault(rid, []).append(f"{data['id']}/{step['id']}")
    for row in rows():
        assert [t.strip() for t in row["test cases"].split(";")] == steps.get(row["identifier"]), row["identifier"]
    assert set(steps) == {r["identifier"] for r in rows()}


def test_nothing_is_gated_on_metadata_or_demands_uk_core_or_an_identifier_search() -> None:
    for data in scenarios():
        text = yaml.safe_dump(data)
        assert "skip_unless" not in text and "/metadata" not in text and "conforms_to" not in text
        assert "UKCore-Patient" not in text
        for step in data["steps"]:
            assert "identifier" not in step["request"].get("query", {})  # not a PDS search parameter


@pytest.mark.shared
def test_the_spine_error_codes_the_scenarios_expect_are_in_the_operations_tables(shared_dir: Path) -> None:
    spec = yaml.safe_load((shared_dir / "nhs-specs" / "pds" / "personal-demographics.resolved.yaml").read_text(
        encoding="utf-8"))
    tables = " ".join(str(r.get("description", "")) for item in spec["paths"].values() for op in item.values()
                      if isinstance(op, dict) for r in op.get("responses", {}).values())
    expected = set()
    for data in scenarios():
        expected |= set(re.findall(r"\b([A-Z]+(?:_[A-Z]+)+)\b", yaml.safe_dump(data)))
    assert expected >= {"INVALID_RESOURCE_ID", "RESOURCE_NOT_FOUND", "INVALIDATED_RESOURCE", "ADDITIONAL_PROPERTIES",
                        "UNSUPPORTED_SERVICE", "RESOURCE_VERSION_MISMATCH", "PRECONDITION_FAILED", "TOO_MANY_MATCHES"}
    assert sorted(code for code in expected if code not in tables) == []


@pytest.mark.shared
def test_coverage_names_every_operation_and_leaves_only_the_server_timeouts(shared_dir: Path) -> None:
    found = measure(load_profile(FOLDER), shared_dir / "nhs-specs")
    assert found.broken == ()
    assert (found.operations_covered, len(found.operations)) == (7, 7)
    uncovered = sorted(f"{o.operation.label} {r.status}" for o in found.operations for r in o.responses
                       if not r.requirements)
    # only the 503s: "The request timed out during processing", which a client cannot provoke
    assert uncovered == ["PATCH /Patient/{id} 503", "POST /Coverage 503", "POST /Patient 503"]
    assert (found.responses_covered, found.responses_total) == (15, 18)
