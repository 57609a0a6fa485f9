"""The definitions a Library's logic holds, as measure_logic reads them for Measure criteria."""

from __future__ import annotations

import base64
import json

import pytest

from conformance.fhir.json_reader import read_json
from conformance.fhir.tree import Node
from conformance.issues import Issue
from conformance.validation import measure_logic
from conformance.validation.measure_logic import check_measure_criteria, library_definitions


def _content(content_type: str, text: str) -> dict[str, str]:
    return {"contentType": content_type, "data": base64.b64encode(text.encode()).decode()}


ELM_XML = """<?xml version="1.0" encoding="UTF-8"?>
<library xmlns="urn:hl7-org:elm:r1"><statements>
<def name="Patient" context="Patient"/><def name="Initial Population"/><def name="AgesUpToNine"/>
</statements></library>"""
CQL = """library Screening version '1'
define "Initial Population": true
  define public Numerator: true
define private fluent function "To Years"(d Date): d
define function `Odd Name`(): 1
// defined "Not A Definition"
"""


@pytest.mark.parametrize("content, names", [
    ([_content("application/elm+xml", ELM_XML)], {"Patient", "Initial Population", "AgesUpToNine"}),
    ([_content("application/elm+json", json.dumps({"library": {"statements": {"def": [{"name": "A"}, {"name": "B"}]}}}))],
     {"A", "B"}),
    ([_content("text/cql", CQL)], {"Initial Population", "Numerator", "To Years", "Odd Name"}),
    # ELM wins over CQL whichever comes first: it is what the library compiles to
    ([_content("text/cql", CQL), _content("application/elm+json; charset=utf-8",
                                          json.dumps({"library": {"statements": {"def": [{"name": "Only"}]}}}))],
     {"Only"}),
    # unreadable ELM falls back to the CQL text
    ([_content("application/elm+xml", "<library"), _content("text/cql", CQL)],
     {"Initial Population", "Numerator", "To Years", "Odd Name"}),
])
def test_definitions_are_read_from_elm_first_then_cql(content: list[dict[str, str]], names: set[str]) -> None:
    assert library_definitions({"resourceType": "Library", "content": content}) == names


@pytest.mark.parametrize("content", [
    [],
    [{"contentType": "text/cql", "url": "http://example.org/logic.cql"}],  # not inline: nothing to read
    [_content("application/elm+xml", "<library xmlns='urn:other'/>")],  # not ELM
    [_content("application/elm+json", "[1, 2]")],
    [{"contentType": "text/cql", "data": 42}],
])
def test_a_library_without_readable_inline_logic_is_not_judged(content: list[dict[str, object]]) -> None:
    assert library_definitions({"resourceType": "Library", "content": content}) is None


def test_content_over_the_bound_is_not_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(measure_logic, "MAX_LOGIC_BYTES", 30)
    small, large = _content("text/cql", "define A: 1"), _content("text/cql", "define A: 1\n" + " " * 100)
    assert library_definitions({"content": [small]}) == {"A"}
    assert library_definitions({"content": [large]}) is None


def _measure(libraries: list[str], contained: list[dict[str, object]], expressions: list[str]) -> Node:
    measure = {"resourceType": "Measure", "status": "active", "library": libraries, "contained": contained,
               "group": [{"population": [{"criteria": {"language": "text/cql", "expression": e}}
                                         for e in expressions]}]}
    return read_json(json.dumps(measure)).root


def _library(id_: str, name: str, content: list[dict[str, str]]) -> dict[str, object]:
    return {"resourceType": "Library", "id": id_, "name": name, "status": "active", "content": content,
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/library-type", "code": "logic-library"}]}}


def _said(measure: Node) -> list[tuple[str, str, str]]:
    issues: list[Issue] = []
    check_measure_criteria(measure, lambda url: None, issues)
    return [(i.severity.value, i.code, i.location) for i in issues]


def test_criteria_whose_library_is_not_at_hand_are_said_to_be_unchecked_once_per_library() -> None:
    """No library found: the qualified criteria are not judged, and one information issue says so (not three)."""
    measure = _measure(["http://example.org/Library/absent"], [], ["Screening.A", "Screening.B", "Other.C", "Plain"])
    assert _said(measure) == [
        ("information", "measure.criteria-not-checked", "Measure.group[0].population[0].criteria.expression"),
        ("information", "measure.criteria-not-checked", "Measure.group[0].population[2].criteria.expression"),
    ]


def test_a_library_without_inline_logic_is_said_to_be_unchecked() -> None:
    without_logic = _library("logic", "Screening", [{"contentType": "text/cql", "url": "http://example.org/s.cql"}])
    issues: list[Issue] = []
    check_measure_criteria(_measure(["#logic"], [without_logic], ["Screening.A"]), lambda url: None, issues)
    assert [(i.code, i.message) for i in issues] == [
        ("measure.criteria-not-checked",
         "criteria naming the library Screening were not checked: the library holds no inline ELM or CQL to read")]


def test_a_checked_library_gives_an_error_for_a_missing_name_and_nothing_for_a_defined_one() -> None:
    readable = _library("logic", "Screening", [_content("text/cql", CQL)])
    measure = _measure(["#logic"], [readable], ["Screening.Numerator", "Screening.Absent"])
    assert _said(measure) == [
        ("error", "measure.criteria-not-in-library", "Measure.group[0].population[1].criteria.expression")]
