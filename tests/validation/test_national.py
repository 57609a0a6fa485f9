"""UK national rules: NHS numbers, ODS codes, SNOMED CT and dm+d identifiers, from a case table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.fhir.json_reader import read_json
from conformance.fhir.tree import Node
from conformance.issues import CATALOGUE, Issue, Severity
from conformance.validation import national
from conformance.validation.national import CODING_CHECKS, IDENTIFIER_CHECKS, check_coding, check_identifier

TABLE: dict[str, list[dict[str, Any]]] = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "fixtures" / "terminology" / "cases" / "national.yaml").read_text("utf-8"))
SYSTEMS = {
    "nhs-number": national.NHS_NUMBER_SYSTEM,
    "ods-org": national.ODS_ORGANIZATION_SYSTEM,
    "ods-site": national.ODS_SITE_SYSTEM,
    "sct": "http://snomed.info/sct",
    "dmd": "https://dmd.nhs.uk",
}


def _patient(system: str, value: str) -> Node:
    """A Patient whose identifier[0].value is on line 6, column 7."""
    text = ('{\n  "resourceType": "Patient",\n  "identifier": [\n    {\n'
            f'      "system": {json.dumps(system)},\n      "value": {json.dumps(value, ensure_ascii=False)}\n'
            '    }\n  ]\n}\n')
    root = read_json(text).root
    assert root is not None
    return root


def _observation(system: str, code: str) -> Node:
    """An Observation whose code.coding[0].code is on line 7, column 9."""
    text = ('{\n  "resourceType": "Observation",\n  "code": {\n    "coding": [\n      {\n'
            f'        "system": {json.dumps(system)},\n        "code": {json.dumps(code)}\n'
            '      }\n    ]\n  }\n}\n')
    root = read_json(text).root
    assert root is not None
    return root


def _assert_issues(issues: list[Issue], case: dict[str, Any], location: str, line: int, column: int) -> None:
    assert [i.code for i in issues] == case["codes"]
    for issue in issues:
        assert (issue.severity, issue.location, issue.line, issue.column) == (Severity.ERROR, location, line, column)
    if "message" in case:
        assert case["message"] in issues[0].message


@pytest.mark.parametrize("case", TABLE["identifiers"], ids=lambda c: f"{c['system']}:{c['value']}")
def test_identifier_rules(case: dict[str, Any]) -> None:
    root = _patient(SYSTEMS.get(case["system"], case["system"]), case["value"])
    identifier = root.child("identifier")
    assert identifier is not None
    issues: list[Issue] = []
    check_identifier(identifier, issues)
    _assert_issues(issues, case, "Patient.identifier[0].value", 6, 7)


@pytest.mark.parametrize("case", TABLE["codings"], ids=lambda c: f"{c['system']}:{c['code']}")
def test_coding_rules(case: dict[str, Any]) -> None:
    root = _observation(SYSTEMS.get(case["system"], case["system"]), case["code"])
    code = root.child("code")
    coding = code.child("coding") if code is not None else None
    assert coding is not None
    issues: list[Issue] = []
    check_coding(coding, issues)
    _assert_issues(issues, case, "Observation.code.coding[0].code", 7, 9)


def test_nhs_numbers_are_never_repeated_in_messages() -> None:
    issues: list[Issue] = []
    check_identifier(_patient(national.NHS_NUMBER_SYSTEM, "9434765918").child("identifier"), issues)  # type: ignore[arg-type]
    assert len(issues) == 1 and "9434765918" not in issues[0].message


def test_elements_without_a_value_or_a_system_are_left_alone() -> None:
    text = ('{"resourceType": "Patient", "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number",'
            ' "_value": {"extension": [{"url": "http://example.org/x", "valueString": "withheld"}]}},'
            ' {"value": "not-a-number"}]}')
    root = read_json(text).root
    assert root is not None
    issues: list[Issue] = []
    for identifier in root.children_named("identifier"):
        check_identifier(identifier, issues)
    assert issues == []


RULES = [(f"identifier {k}", v) for k, v in IDENTIFIER_CHECKS.items()] + [
    (f"coding {k}", v) for k, v in CODING_CHECKS.items()]


@pytest.mark.parametrize(("name", "check"), RULES, ids=[name for name, _ in RULES])
def test_every_rule_is_documented_with_its_codes(name: str, check: national.Check) -> None:
    """A rule's docstring is its documentation: it must name every code the rule can report."""
    assert len(check.doc) > 200, name
    for code in check.codes:
        assert code in CATALOGUE and CATALOGUE[code].severity is Severity.ERROR
        assert f"`{code}`" in check.doc, (name, code)


def test_nhs_number_check_digit_arithmetic() -> None:
    assert national.nhs_number_check_digit("943476591") == 9
    assert national.nhs_number_check_digit("000000000") == 0  # 11 - 0 = 11 → 0
    assert national.nhs_number_check_digit("123456789") is None  # 11 - 1 = 10 → no valid number


def test_the_rules_reference_is_generated_from_the_docstrings() -> None:
    text = national.rules_markdown()
    assert [line for line in text.splitlines() if line.startswith("## ")] == [
        "## nhs-number", "## ods-code", "## snomed-ct", "## dmd"]
    assert ("Applies where Identifier.system is `https://fhir.nhs.uk/Id/ods-organization-code`, "
            "`https://fhir.nhs.uk/Id/ods-site-code`. Codes: `uk.ods-code.format`.") in text
    assert national.check_nhs_number.__doc__ is not None
    assert national.check_nhs_number.__doc__.splitlines()[0] in text


def test_docs_national_rules_is_generated_from_the_checks() -> None:
    from pathlib import Path

    from conformance.validation.national import rules_markdown

    doc = Path(__file__).resolve().parents[2] / "docs" / "national-rules.md"
    assert doc.read_text(encoding="utf-8") == rules_markdown(), (
        "regenerate: python -c 'from conformance.validation.national import rules_markdown; "
        "print(rules_markdown(), end=\"\")' > docs/national-rules.md")
