"""The file-rule registry: one module per type, and the schema and docs generated from it never drift."""

from __future__ import annotations

import dataclasses
import json
import pickle
from pathlib import Path

import pytest

from conformance.issues import CATALOGUE
from conformance.profiles import model
from conformance.profiles.filerules import rule_types
from conformance.profiles.filerules.base import typed
from conformance.profiles.filerules.fhirpath import Params as FhirPath
from conformance.profiles.filerules.generate import COMMON, markdown, rule_definitions, with_rule_definitions
from conformance.profiles.filerules.validate import Params as Validate
from conformance.profiles.schema import schema

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "conformance" / "profiles" / "schema" / "profile.schema.json"
TYPES = sorted(rule_types())


def test_the_shipped_schema_holds_exactly_the_generated_rule_definitions() -> None:
    shipped = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert shipped == with_rule_definitions(shipped), "regenerate: python -m conformance.profiles.filerules"
    assert {k for k in shipped["$defs"] if k.startswith("rule-")} == {f"rule-{t}" for t in TYPES}
    assert shipped["$defs"]["file_rule"]["properties"]["type"]["enum"] == TYPES


def test_the_docs_page_is_generated_from_the_registry() -> None:
    doc = (REPO / "docs" / "file-rules.md").read_text(encoding="utf-8")
    assert doc == markdown(), "regenerate: python -m conformance.profiles.filerules"


def test_the_hand_written_type_list_is_gone() -> None:
    assert not hasattr(model, "FILE_RULE_TYPES")
    assert json.dumps(schema("profile")).count('"files-present", "validate"') == 0


@pytest.mark.parametrize("name", TYPES)
def test_each_type_documents_itself_and_its_parameters_match_its_schema(name: str) -> None:
    rt = rule_types()[name]
    assert rt.doc.startswith(f"`{name}`: ") and len(rt.doc.strip().splitlines()) >= 3, "a docstring that explains it"
    fields = {f.name for f in dataclasses.fields(rt.params)}
    assert set(rt.properties) == fields, "every key of the schema is a typed parameter and the other way round"
    assert set(rt.required) <= fields and not set(rt.properties) & set(COMMON)
    assert all(code in CATALOGUE for code in rt.codes)
    definition = rule_definitions()[f"rule-{name}"]
    assert definition["required"] == ["id", "type", *rt.required] and definition["additionalProperties"] is False


def test_parameters_are_read_as_hashable_tuples() -> None:
    params = rule_types()["validate"].read({"id": "V", "type": "validate", "severity": "warning",
                                            "profiles": {"Patient": "https://p", "Bundle": "https://b"}})
    assert params == Validate((("Bundle", "https://b"), ("Patient", "https://p")), "warning")
    assert isinstance(hash(params), int)


def test_a_rule_pickles_small_for_the_worker_processes() -> None:
    rule = model.FileRule("EPS-FC-SNOMED", "fhirpath", "Each item is coded in SNOMED CT",
                          FhirPath("MedicationRequest", "medicationCodeableConcept.coding.where(system = "
                                   "'http://snomed.info/sct').exists()", "coded in SNOMED CT"),
                          ("EPS-MSG-005",), "profile.yaml:120")
    data = pickle.dumps(rule)
    assert pickle.loads(data) == rule
    assert len(data) < 600  # measured: the strings themselves and the two class names, no more


def test_typed_refuses_the_parameters_of_another_type() -> None:
    with pytest.raises(TypeError, match="Params"):
        typed(Validate(), FhirPath)
