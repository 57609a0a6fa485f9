"""JSON and XML readers build the same tree for the same resource.

Each pair in fixtures/readers/equivalence/ is one resource written in both formats. The trees
must agree on everything the validator sees: names, values, resource types, indexes and child
order. Only the format-specific fields differ by design: `json_kind` and `in_json_array` (JSON
only) and `repeating` (JSON sets it from array syntax; the validator sets it for XML).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.fhir.json_reader import read_json
from conformance.fhir.tree import Node
from conformance.fhir.xml_reader import read_xml

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "readers" / "equivalence"
PAIRS = sorted(p.stem for p in FIXTURES.glob("*.json"))


def shape(node: Node) -> tuple:
    """Everything both formats must agree on, recursively."""
    return (node.name, node.value, node.resource_type, node.index, tuple(shape(c) for c in node.children))


def test_fixture_pairs_are_complete() -> None:
    assert PAIRS == ["bundle-entries", "observation-contained", "parameters-resource", "patient-extensions"]
    assert sorted(p.stem for p in FIXTURES.glob("*.xml")) == PAIRS


@pytest.mark.parametrize("stem", PAIRS)
def test_json_and_xml_trees_are_identical(stem: str) -> None:
    from_json = read_json((FIXTURES / f"{stem}.json").read_bytes())
    from_xml = read_xml((FIXTURES / f"{stem}.xml").read_bytes())
    assert from_json.issues == []
    assert from_xml.issues == []
    assert from_json.root is not None and from_xml.root is not None
    assert shape(from_xml.root) == shape(from_json.root)


@pytest.mark.parametrize("stem", PAIRS)
def test_locations_agree_where_repetition_is_known(stem: str) -> None:
    """Once `repeating` is set the same way (the validator's job), every location is the same."""
    from_json = read_json((FIXTURES / f"{stem}.json").read_bytes()).root
    from_xml = read_xml((FIXTURES / f"{stem}.xml").read_bytes()).root
    assert from_json is not None and from_xml is not None
    json_nodes = list(from_json.iter_tree())
    xml_nodes = list(from_xml.iter_tree())
    for j, x in zip(json_nodes, xml_nodes, strict=True):
        x.repeating = j.repeating
    assert [n.location for n in xml_nodes] == [n.location for n in json_nodes]


def test_primitive_extensions_and_ids_are_children_of_the_primitive() -> None:
    root = read_xml((FIXTURES / "patient-extensions.xml").read_bytes()).root
    assert root is not None
    given = root.child("name").children_named("given")  # type: ignore[union-attr]
    assert [g.value for g in given] == ["Jane", "Anne"]
    assert [c.name for c in given[1].children] == ["id", "extension"]
    assert given[1].child("id").value == "g2"  # type: ignore[union-attr]
    ext = given[1].child("extension")
    assert ext is not None and [(c.name, c.value) for c in ext.children] == [
        ("url", "http://hl7.org/fhir/StructureDefinition/iso21090-EN-qualifier"),
        ("valueCode", "CL"),
    ]
    gender = root.child("gender")
    assert gender is not None and gender.value is None and [c.name for c in gender.children] == ["extension"]


def test_narrative_div_is_the_serialised_xhtml() -> None:
    root = read_xml((FIXTURES / "patient-extensions.xml").read_bytes()).root
    assert root is not None
    div = root.child("text").child("div")  # type: ignore[union-attr]
    assert div is not None and div.children == [] and div.json_kind is None
    assert div.value == '<div xmlns="http://www.w3.org/1999/xhtml"><p>Jane <b>Doe</b> &amp; family</p></div>'


def test_nested_resources_carry_their_type_under_the_property_name() -> None:
    root = read_xml((FIXTURES / "bundle-entries.xml").read_bytes()).root
    assert root is not None
    nested = [(n.location, n.resource_type) for n in root.iter_tree() if n.is_resource and n is not root]
    assert nested == [
        ("Bundle.entry[0].resource", "Patient"),
        ("Bundle.entry[1].resource", "Observation"),
        ("Bundle.entry[2].response.outcome", "OperationOutcome"),
    ]


def test_narrative_drops_namespace_declarations_it_only_inherits() -> None:
    doc = (b'<Patient xmlns="http://hl7.org/fhir" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:o="urn:o">'
           b'<text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml" xmlns:u="urn:u">'
           b'<p o:lang="en">a</p></div></text></Patient>')
    root = read_xml(doc).root
    assert root is not None
    assert root.child("text").child("div").value == (  # type: ignore[union-attr]
        '<div xmlns="http://www.w3.org/1999/xhtml" xmlns:o="urn:o"><p o:lang="en">a</p></div>')
