"""The definitions a Library's logic holds, as measure_logic reads them for Measure criteria."""

from __future__ import annotations

import base64
import json

import pytest

from conformance.validation import measure_logic
from conformance.validation.measure_logic import library_definitions


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
