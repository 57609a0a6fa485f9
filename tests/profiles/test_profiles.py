"""Profiles: the manifest model, the requirements catalogue, discovery and the shipped schemas."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from conformance.profiles import (
    ENV_VAR,
    LEVELS,
    ProfileError,
    builtin_roots,
    find_profile,
    list_profiles,
    load_profile,
    parse_requirements,
    profile_roots,
    to_csv,
)
from conformance.profiles.schema import schema

REPO = Path(__file__).resolve().parents[2]
NHS = REPO / "fixtures" / "profiles" / "nhs-patient-demographics"
MINI = REPO / "fixtures" / "scenarios" / "profiles" / "mini"


def test_the_nhs_profile_loads_with_its_catalogue_packages_and_inputs() -> None:
    p = load_profile(NHS)
    assert (p.id, p.version, p.status, p.fhir_version) == ("nhs-patient-demographics", "0.1.0", "draft", "4.0.1")
    ids = [r.id for r in p.requirements]
    assert len(ids) == 17 and ids[0] == "PDS-CAP-001" and ids[-1] == "PDS-UKC-001"
    assert {r.level for r in p.requirements} == {"MUST", "SHOULD"}
    assert [(k.name, k.optional) for k in p.packages] == [("r4-core", False), ("api-rules", False), ("uk-core", True)]
    assert p.package("api-rules").path == NHS / "definitions"
    assert p.package("uk-core").provides == ("https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient",)
    assert p.package("uk-core").how_to_get() == "conformance packages install 'fhir.r4.ukcore.stu2'"
    assert [i.name for i in p.inputs] == ["nhs_number", "family", "gender", "birth_date", "unknown_nhs_number",
                                          "invalid_nhs_number"]
    assert p.reference.auth == "jwt" and p.reference.seed == NHS / "seed"
    assert p.file_checks == ()
    assert all(f.is_file() for f in p.scenario_files) and len(p.scenario_files) == 9


def test_requirement_columns_are_matched_whatever_their_case_and_order() -> None:
    text = "Description,LEVEL,Identifier,Evidence_Required\nreads work,must,R-1,an exchange\n"
    found, errors = parse_requirements(text, "r.csv")
    assert errors == []
    assert [(r.id, r.level, r.description, r.evidence, r.mandatory) for r in found] == [
        ("R-1", "MUST", "reads work", "an exchange", True)]


def test_a_catalogue_without_mandatory_columns_says_which() -> None:
    found, errors = parse_requirements("identifier,use case\nR-1,x\n", "r.csv")
    assert found == []
    assert [(e.line, e.message) for e in errors] == [(1, "missing column(s): level, description")]


def test_an_empty_catalogue_names_the_header_it_needs() -> None:
    _, errors = parse_requirements("", "r.csv")
    assert errors[0].message.startswith("the file is empty; it needs a header row: identifier, level, use case")


def test_shall_counts_as_mandatory_and_blank_lines_are_ignored() -> None:
    found, errors = parse_requirements("identifier,level,description\n\nR-1,shall,x\n,,\nR-2,MAY,y\n", "r.csv")
    assert errors == [] and [(r.id, r.mandatory) for r in found] == [("R-1", True), ("R-2", False)]
    assert LEVELS == ("MUST", "SHALL", "SHOULD", "MAY")


def test_the_catalogue_writes_back_in_the_assurance_sheet_columns() -> None:
    p = load_profile(NHS)
    text = to_csv(p.requirements)
    assert text.splitlines()[0] == "identifier,level,use case,description,test cases,evidence required,source link,verification"
    again, errors = parse_requirements(text, "again.csv")
    assert errors == [] and again == list(p.requirements)


@pytest.mark.parametrize("name", ["profile", "scenario"])
def test_the_shipped_schemas_are_valid_json_schemas(name: str) -> None:
    Draft202012Validator.check_schema(schema(name))


# -- discovery ------------------------------------------------------------------------------------
def test_the_built_in_profiles_are_the_top_level_profiles_folder() -> None:
    assert builtin_roots() == [REPO / "profiles"]
    assert REPO / "profiles" / "personal-demographics" in list_profiles(builtin_roots())
    assert NHS not in list_profiles(builtin_roots())  # the old demographics profile is a test fixture now


def test_roots_are_user_folders_then_the_environment_then_built_in(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    roots = profile_roots([a], {ENV_VAR: os.pathsep.join([str(b), "", str(c)])})
    assert roots == [a, b, c, REPO / "profiles"]


def test_a_user_folder_shadows_a_built_in_profile_of_that_name_or_alias(tmp_path: Path) -> None:
    roots = profile_roots([tmp_path], {})
    assert find_profile("nhs-patient-demographics", roots) == REPO / "profiles" / "personal-demographics"  # alias
    shutil.copytree(NHS, tmp_path / "nhs-patient-demographics")
    assert find_profile("nhs-patient-demographics", roots) == tmp_path / "nhs-patient-demographics"
    shutil.copytree(NHS, tmp_path / "personal-demographics")
    assert find_profile("personal-demographics", roots) == tmp_path / "personal-demographics"


def test_a_profile_is_found_by_its_declared_id_when_its_folder_is_named_otherwise(tmp_path: Path) -> None:
    shutil.copytree(MINI, tmp_path / "renamed")
    assert find_profile("mini", profile_roots([tmp_path], {})) == tmp_path / "renamed"


def test_a_profile_is_found_by_path_to_its_folder_or_manifest() -> None:
    assert find_profile(str(MINI), []) == MINI
    assert find_profile(str(MINI / "profile.yaml"), []) == MINI / "profile.yaml"
    assert load_profile(MINI / "profile.yaml").id == "mini"


def test_an_unknown_profile_says_where_it_looked_and_what_there_is(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as caught:
        find_profile("nope", [tmp_path, REPO / "profiles"])
    message = caught.value.errors[0].message
    assert message.startswith(f"no profile 'nope'; searched {tmp_path}, {REPO / 'profiles'}; available: ")
    assert "personal-demographics" in message


def test_a_missing_root_is_no_error() -> None:
    assert list_profiles([Path("/nonexistent/profiles")]) == []
