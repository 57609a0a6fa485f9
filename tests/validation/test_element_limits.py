"""R4's element limit extensions (regex, minLength, maxDecimalPlaces, maxSize) as element_limits reads and applies
them; the profile fixtures (fixtures/validation/profiles/agreement/observation-value-limits-*) prove them end to end."""

from __future__ import annotations

import json

import pytest

from conformance.fhir.json_reader import read_json
from conformance.fhir.tree import Node
from conformance.issues import Issue
from conformance.validation import element_limits
from conformance.validation.element_limits import check_limits, read_limits

EXT = "http://hl7.org/fhir/StructureDefinition/"


def _element(**extensions: object) -> dict[str, object]:
    value_types = {"regex": "valueString", "minLength": "valueInteger", "maxDecimalPlaces": "valueInteger",
                   "maxSize": "valueDecimal"}
    return {"path": "Basic.x", "extension": [{"url": EXT + name, value_types[name]: value}
                                             for name, value in extensions.items()]}


def _node(resource: dict[str, object], name: str) -> Node:
    root = read_json(json.dumps(resource)).root
    assert root is not None
    found = root.child(name)
    assert found is not None
    return found


def _codes(node: Node, type_code: str, element: dict[str, object]) -> list[tuple[str, str]]:
    limits = read_limits(element)
    assert limits is not None
    issues: list[Issue] = []
    check_limits(node, type_code, limits, issues)
    return [(i.severity.value, i.code) for i in issues]


def test_an_element_without_limit_extensions_has_no_limits() -> None:
    assert read_limits({"path": "Patient.name", "extension": [{"url": EXT + "other", "valueString": "x"}]}) is None


def test_the_regex_matches_the_whole_value() -> None:
    element = _element(regex="[0-9]{3}")
    assert _codes(_node({"resourceType": "Basic", "id": "123"}, "id"), "id", element) == []
    assert _codes(_node({"resourceType": "Basic", "id": "1234"}, "id"), "id", element) == [("error", "profile.regex")]


def test_a_regex_that_does_not_compile_is_said_not_checked_not_passed() -> None:
    element = _element(regex="[0-9")
    assert _codes(_node({"resourceType": "Basic", "id": "1"}, "id"), "id", element) == [
        ("information", "profile.regex-not-checked")]


def test_a_value_over_the_regex_input_bound_is_said_not_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(element_limits, "MAX_REGEX_INPUT", 3)
    element = _element(regex="[0-9]+")
    assert _codes(_node({"resourceType": "Basic", "id": "1234"}, "id"), "id", element) == [
        ("information", "profile.regex-not-checked")]


def test_decimal_places_count_a_decimal_and_a_quantity_value() -> None:
    element = _element(maxDecimalPlaces=1)
    risk = {"resourceType": "RiskAssessment", "prediction": [{"probabilityDecimal": 0.25}]}
    prediction = _node(risk, "prediction")
    assert _codes(prediction.child("probabilityDecimal"), "decimal", element) == [  # type: ignore[arg-type]
        ("error", "profile.decimal-places")]
    quantity = _node({"resourceType": "Observation", "valueQuantity": {"value": 1.5}}, "valueQuantity")
    assert _codes(quantity, "Quantity", element) == []


def test_max_size_counts_an_attachments_size_and_data_and_a_base64binary() -> None:
    element = _element(maxSize=4)
    stated = _node({"resourceType": "Media", "content": {"size": 10}}, "content")
    assert _codes(stated, "Attachment", element) == [("error", "profile.max-size")]
    small = _node({"resourceType": "Media", "content": {"data": "aGk=", "size": 2}}, "content")
    assert _codes(small, "Attachment", element) == []
    binary = _node({"resourceType": "Binary", "contentType": "text/plain", "data": "aGVsbG8="}, "data")
    assert _codes(binary, "base64Binary", element) == [("error", "profile.max-size")]


def test_min_length_counts_characters() -> None:
    element = _element(minLength=3)
    assert _codes(_node({"resourceType": "Basic", "id": "ab"}, "id"), "id", element) == [("error", "profile.min-length")]
    assert _codes(_node({"resourceType": "Basic", "id": "abc"}, "id"), "id", element) == []
