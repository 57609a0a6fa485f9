"""ModelInfo from StructureDefinitions: element types, choices, inline types, subtyping."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.fhir.json_reader import read_json
from conformance.fhirpath import StructureDefinitionModel, default_model, evaluate, folder_model


@pytest.fixture(scope="module")
def core() -> StructureDefinitionModel:
    model = default_model()
    assert model.has_type("Patient"), "hl7.fhir.r4.core#4.0.1 is not in the package cache"
    return model


@pytest.mark.core
@pytest.mark.parametrize(
    ("parent", "name", "expected"),
    [
        ("Patient", "name", (["HumanName"], False)),
        ("Patient", "birthDate", (["date"], False)),
        ("Patient", "contact", (["BackboneElement"], False)),
        ("Patient", "deceased", (["boolean", "dateTime"], True)),
        ("Patient", "deceasedBoolean", None),
        ("Patient", "id", (["id"], False)),
        ("HumanName", "id", (["string"], False)),
        ("Extension", "url", (["uri"], False)),
        ("Age", "value", (["decimal"], False)),
        ("Timing.repeat", "bounds", (["Duration", "Range", "Period"], True)),
        ("Questionnaire.item", "item", (["BackboneElement"], False)),
        ("Patient", "nonsense", None),
    ],
)
def test_element_type(core: StructureDefinitionModel, parent: str, name: str, expected: Any) -> None:
    assert core.element_type(parent, name) == expected


@pytest.mark.core
def test_children_keys(core: StructureDefinitionModel) -> None:
    contact = core.child("Patient", "contact")
    assert contact is not None and contact.type_key == "Patient.contact" and contact.many
    assert core.type_name("Patient.contact") == "BackboneElement"
    item = core.child("Questionnaire.item", "item")
    assert item is not None and item.type_key == "Questionnaire.item"
    value = core.child("Observation", "value")
    assert value is not None and value.choice and "valueQuantity" in value.concrete and not value.many
    concrete = core.child("Observation", "valueQuantity")
    assert concrete is not None and concrete.concrete_of == "value" and concrete.type_key == "Quantity"
    assert core.child("string", "value") is None  # a primitive's value is not a child


@pytest.mark.core
def test_subtypes_and_kinds(core: StructureDefinitionModel) -> None:
    assert core.is_subtype("Age", "Quantity") and core.is_subtype("code", "string")
    assert not core.is_subtype("code", "id") and not core.is_subtype("Quantity", "Age")
    assert core.is_subtype("Patient", "Resource") and core.is_subtype("Patient", "DomainResource")
    assert core.is_primitive("date") and not core.is_primitive("HumanName")
    assert core.is_abstract("Resource") and not core.is_abstract("Patient")
    assert core.has_type("Bundle") and not core.has_type("Bundle2")
    assert "Patient" in core.resource_types and "HumanName" not in core.resource_types


def _sd(type_name: str, kind: str, elements: list[dict[str, Any]], base: str = "Element") -> dict[str, Any]:
    return {"resourceType": "StructureDefinition", "type": type_name, "kind": kind,
            "baseDefinition": f"http://hl7.org/fhir/StructureDefinition/{base}",
            "snapshot": {"element": [{"path": type_name}] + elements}}


TINY = {
    "Thing": _sd("Thing", "resource", [
        {"path": "Thing.label", "type": [{"code": "string"}], "max": "1"},
        {"path": "Thing.size[x]", "type": [{"code": "integer"}, {"code": "Quantity"}], "max": "1"},
        {"path": "Thing.part", "type": [{"code": "BackboneElement"}], "max": "*"},
        {"path": "Thing.part.label", "type": [{"code": "string"}], "max": "1"},
        {"path": "Thing.part.part", "contentReference": "#Thing.part", "max": "*"},
    ], base="Resource"),
    "Resource": _sd("Resource", "resource", []) | {"abstract": True, "baseDefinition": None},
    "string": _sd("string", "primitive-type", [{"path": "string.value", "type": [{"code": "x"}]}]),
    "integer": _sd("integer", "primitive-type", []),
    "Quantity": _sd("Quantity", "complex-type", [{"path": "Quantity.value", "type": [{"code": "decimal"}]}]),
    "Element": _sd("Element", "complex-type", []),
    "BackboneElement": _sd("BackboneElement", "complex-type", []),
}


def test_an_injected_resolver_is_asked_once_per_type() -> None:
    asked: list[str] = []

    def resolve(name: str) -> dict[str, Any] | None:
        asked.append(name)
        return TINY.get(name)

    model = StructureDefinitionModel(resolve)
    doc = read_json(json.dumps({"resourceType": "Thing", "label": "a", "sizeInteger": 3,
                                "part": [{"label": "p1", "part": [{"label": "p1.1"}]}]}))
    assert doc.root is not None
    assert evaluate("size + 1", doc.root, model=model) == [4]
    assert [n.location for n in evaluate("part.part.label", doc.root, model=model)] == ["Thing.part[0].part[0].label"]
    assert evaluate("size is integer and part.part.is(BackboneElement) and is(Resource)", doc.root,
                    model=model) == [True]
    assert sorted(set(asked)) == sorted(asked)  # each definition read once
    assert model.element_type("Thing.part", "part") == (["BackboneElement"], False)


def test_folder_model_reads_an_unpacked_package(tmp_path: Path) -> None:
    for name, sd in TINY.items():
        (tmp_path / f"StructureDefinition-{name}.json").write_text(json.dumps(sd), encoding="utf-8")
    model = folder_model(tmp_path)
    assert model.element_type("Thing", "size") == (["integer", "Quantity"], True)
    assert model.has_type("Quantity") and not model.has_type("Nothing")
