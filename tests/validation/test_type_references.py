"""Type codes and type/target profiles (type_references.py): the cases the fixtures do not pin — the
FHIRPath System types R4's own snapshots use, absolute codes in logical models, and HL7-namespace
profiles that only HL7's extensions pack publishes (unresolved, not unknown)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.fhir.json_reader import read_json
from conformance.fhir.tree import Node
from conformance.issues import Issue
from conformance.validation.type_references import (
    check_profile_references,
    check_type_code,
    type_name_problem,
)

pytestmark = pytest.mark.core

_DEFINED = {"http://hl7.org/fhir/StructureDefinition/string", "http://hl7.org/fhir/StructureDefinition/Patient"}


def _resolve(url: str) -> dict[str, Any] | None:
    return {"resourceType": "StructureDefinition", "url": url} if url.partition("|")[0] in _DEFINED else None


def _type(value: dict[str, Any]) -> Node:
    root = read_json(json.dumps({"resourceType": "Basic", "type": value}).encode()).root
    assert root is not None
    found = root.child("type")
    assert found is not None
    return found


def test_relative_names_must_be_r4_types() -> None:
    assert type_name_problem("string", False, _resolve) is None
    assert "not a type R4 defines" in (type_name_problem("Text", False, _resolve) or "")


def test_absolute_names_only_in_logical_models_or_the_namespaces_allowed() -> None:
    url = "http://example.org/fhir/StructureDefinition/Part"
    assert type_name_problem(url, True, _resolve) is None
    assert type_name_problem(url, False, _resolve) == "absolute URLs are only allowed in logical models"
    assert type_name_problem("http://hl7.org/fhir/StructureDefinition/string", False, _resolve) is None


def test_fhirpath_system_types_of_primitive_values_are_type_codes() -> None:
    issues: list[Issue] = []
    check_type_code(_type({"code": "http://hl7.org/fhirpath/System.String"}), False, _resolve, issues)
    assert issues == []
    check_type_code(_type({"code": "http://hl7.org/fhirpath/Other"}), False, _resolve, issues)
    assert [i.code for i in issues] == ["structuredefinition.type-code"]


def test_hl7_namespace_profiles_from_the_extensions_pack_are_unresolved_not_unknown() -> None:
    issues: list[Issue] = []
    check_profile_references(_type({"code": "Extension", "profile": [
        "http://hl7.org/fhir/StructureDefinition/organization-portal",  # the extensions pack's, not R4's
        "http://hl7.org/fhir/StructureDefinition/no-such-extension",
        "http://hl7.org/fhir/StructureDefinition/Patient|4.0.1"]}), _resolve, issues)
    assert [(i.code, i.location) for i in issues] == [
        ("structuredefinition.profile-unresolved", "Basic.type.profile[0]"),
        ("structuredefinition.profile-unknown", "Basic.type.profile[1]"),
    ]
