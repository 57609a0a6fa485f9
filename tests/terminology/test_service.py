"""Terminology.validate_code offline: outcomes, explanations and display checks, from case tables."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.definitions.registry import Definitions
from conformance.issues import CATALOGUE, Severity
from conformance.terminology.service import CodeCheck, Terminology, binding_outcome, create_terminology
from tests.terminology.conftest import case_id, load_cases, system_url, valueset_url

CASES = load_cases("validate-code.yaml")
CORE_CASES = load_cases("core.yaml")


@pytest.fixture(scope="module")
def terminology(fixture_definitions: Definitions) -> Terminology:
    return Terminology(fixture_definitions)


def _check(terminology: Terminology, case: dict[str, Any]) -> CodeCheck:
    return terminology.validate_code(valueset_url(case.get("valueset")), system_url(case.get("system")),
                                     str(case["code"]), case.get("display"))


def _assert_case(check: CodeCheck, case: dict[str, Any]) -> None:
    assert check.outcome == case["outcome"], check.message
    assert (check.display_message is not None) is case.get("display_warning", False), check.display_message
    if "message" in case:
        assert case["message"] in check.message
    if check.outcome in ("not-validated", "not-in-valueset", "unknown-code"):
        assert check.message  # a verdict other than ok always says why
    assert check.server_warning is None  # no server here


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_validate_code(terminology: Terminology, case: dict[str, Any]) -> None:
    _assert_case(_check(terminology, case), case)


@pytest.mark.core
@pytest.mark.parametrize("case", CORE_CASES, ids=case_id)
def test_validate_code_against_the_core_package(core_definitions: Definitions, case: dict[str, Any]) -> None:
    _assert_case(_check(Terminology(core_definitions), case), case)


def test_display_message_names_the_expected_display(terminology: Terminology) -> None:
    check = terminology.validate_code(valueset_url("whole"), system_url("animals"), "dog", "Puppy")
    assert check.display_message == ("'Puppy' is not a display of http://example.org/fhir/CodeSystem/animals#dog; "
                                     "expected 'Dog' (or one of its designations)")
    single = terminology.validate_code(None, system_url("animals"), "cat", "Dog")
    assert single.display_message == ("'Dog' is not a display of http://example.org/fhir/CodeSystem/animals#cat; "
                                      "expected 'Cat'")


def test_syntax_failures_say_where_they_come_from(terminology: Terminology) -> None:
    assert terminology.validate_code(None, system_url("sct"), "22298007").source == "syntax"
    assert terminology.validate_code(None, system_url("animals"), "unicorn").source == "local"


@pytest.mark.parametrize(("outcomes", "expected"), [
    ([], "not-validated"),
    (["not-in-valueset", "ok"], "ok"),
    (["not-in-valueset", "not-validated"], "not-validated"),
    (["unknown-code", "not-in-valueset"], "not-in-valueset"),
    (["unknown-code"], "unknown-code"),
])
def test_binding_outcome_is_the_best_coding(outcomes: list[str], expected: str) -> None:
    assert binding_outcome(CodeCheck(o) for o in outcomes) == expected  # type: ignore[arg-type]


def test_create_terminology_without_a_server(fixture_definitions: Definitions) -> None:
    service = create_terminology(fixture_definitions)
    assert service.tx is None
    assert service.validate_code(valueset_url("snomed-is-a"), system_url("sct"), "22298006").outcome == "not-validated"


def test_new_issue_codes_are_registered_with_their_severity() -> None:
    expected = {
        "terminology.unknown-code": Severity.ERROR,
        "binding.extensible": Severity.WARNING,
        "terminology.display-mismatch": Severity.ERROR,
        "terminology.server-unavailable": Severity.WARNING,
    }
    assert {code: CATALOGUE[code].severity for code in expected} == expected
