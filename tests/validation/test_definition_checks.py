"""A StructureDefinition's differential judged against its base (structure_definitions.py), with and without
the checker that applies it: the validator always has one; without it the differential goes unjudged.

The fixtures (fixtures/validation/base/definitions) pin the findings; these tests pin the two paths.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.fhir.json_reader import read_json
from conformance.fhir.tree import Node
from conformance.issues import Issue
from conformance.validation.structure_definitions import DifferentialChecker, check_structure_definition

pytestmark = pytest.mark.core

PROFILE: dict[str, Any] = {
    "resourceType": "StructureDefinition", "url": "http://example.org/fhir/StructureDefinition/p", "name": "P",
    "status": "draft", "kind": "resource", "abstract": False, "type": "Patient",
    "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient", "derivation": "constraint",
    "differential": {"element": [{"id": "Patient", "path": "Patient"},
                                 {"id": "Patient.nickname", "path": "Patient.nickname", "min": 1},
                                 {"id": "Patient.active", "path": "Patient.active", "fixedString": "yes"}]},
}


def _read(resource: dict[str, Any]) -> Node:
    root = read_json(json.dumps(resource).encode()).root
    assert root is not None
    return root


def _codes(issues: list[Issue]) -> list[tuple[str, str]]:
    return [(i.code, i.location) for i in issues]


def test_with_the_checker_the_differential_is_applied_to_the_base(validator: Any) -> None:
    definitions = validator.definitions
    issues: list[Issue] = []
    check_structure_definition(_read(PROFILE), definitions.resolve, definitions.structure_definition, issues,
                               DifferentialChecker(definitions.resolve))
    assert _codes(issues) == [
        ("structuredefinition.differential-invalid", "StructureDefinition.differential.element[1]"),
        ("structuredefinition.value-type", "StructureDefinition.differential.element[2].fixedString"),
    ]


def test_without_the_checker_the_differential_is_not_judged(validator: Any) -> None:
    """The fallback: elements without their own types are not judged either (their types are unknown)."""
    definitions = validator.definitions
    issues: list[Issue] = []
    check_structure_definition(_read(PROFILE), definitions.resolve, definitions.structure_definition, issues)
    assert issues == []


def test_the_checker_judges_each_definition_afresh(validator: Any) -> None:
    """Two definitions with one URL (or one validated twice) each get their own findings."""
    checker = DifferentialChecker(validator.definitions.resolve)
    first, _ = checker.apply(_read(PROFILE))
    again, _ = checker.apply(_read(PROFILE))
    fixed = dict(PROFILE, differential={"element": [{"id": "Patient", "path": "Patient"}]})
    none, generated = checker.apply(_read(fixed))
    assert [code for _, code, _ in first] == ["definition.unplaced-element"] and again == first
    assert none == [] and "Patient.active" in generated


def test_a_definition_the_checker_cannot_read_gives_nothing(validator: Any) -> None:
    checker = DifferentialChecker(validator.definitions.resolve)
    broken = dict(PROFILE, baseDefinition="http://example.org/fhir/StructureDefinition/unknown")
    assert checker.apply(_read(broken)) == ([], {})
    assert checker.apply(_read({"resourceType": "StructureDefinition", "differential": "nonsense"})) == ([], {})
