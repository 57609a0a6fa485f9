"""The QuestionnaireResponse rules' helpers and their fallbacks (the fixtures under
fixtures/validation/base/questionnaire prove each rule's finding; these prove what is left alone)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.fhir.json_reader import read_json
from conformance.validation.questionnaire import (
    _media_type,
    _same_coding,
    _same_option_coding,
)
from conformance.validation.values import decimal_places as _decimal_places
from conformance.validation.values import decoded_length as _decoded_length

EXT = "http://hl7.org/fhir/StructureDefinition/"
core = pytest.mark.core


def test_decimal_places_count_the_written_digits() -> None:
    assert _decimal_places("72.25") == 2
    assert _decimal_places("1.50") == 2  # a trailing zero is a stated place
    assert _decimal_places("72") == 0
    assert _decimal_places("1e2") == 0
    assert _decimal_places("1.5E-3") == 4
    assert _decimal_places("abc") is None  # not a number: the primitive rules report it, this rule does not
    assert _decimal_places(None) is None


def test_media_types_compare_without_parameters_or_case() -> None:
    assert _media_type("TEXT/Plain; charset=UTF-8") == "text/plain"
    assert _media_type("image/png") == "image/png"


def test_decoded_length_is_the_bytes_of_the_data() -> None:
    assert _decoded_length("aGVsbG8gd29ybGQ=") == 11
    assert _decoded_length("aGVs\nbG8=") == 5  # base64 may be wrapped
    assert _decoded_length("not base64!") is None  # not base64: left to the primitive rules


def test_an_option_coding_is_matched_exactly_an_enable_when_coding_by_what_it_states() -> None:
    root = read_json(b'{"resourceType": "Basic", "code": {"coding": [{"system": "http://example.org", "code": "a"}]}}').root
    code = root.child("code") if root is not None else None
    assert code is not None
    answer = code.children_named("coding")[0]
    assert not _same_option_coding(answer, {"code": "a"})
    assert _same_option_coding(answer, {"system": "http://example.org", "code": "a"})
    assert _same_coding(answer, {"code": "a"})  # enableWhen's answerCoding without a system matches any system


@pytest.fixture(scope="module")
def validator() -> Any:
    from conformance.validation import create_validator

    return create_validator()


def _document(q_items: list[dict[str, Any]], items: list[dict[str, Any]], status: str = "completed",
              questionnaire: dict[str, Any] | None = None, response: dict[str, Any] | None = None,
              contained: tuple[dict[str, Any], ...] = ()) -> bytes:
    """A QuestionnaireResponse with narrative and its Questionnaire contained (`#q`)."""
    q = {"resourceType": "Questionnaire", "id": "q", "status": "active", **(questionnaire or {}), "item": q_items}
    return json.dumps({
        "resourceType": "QuestionnaireResponse",
        "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"},
        "contained": [q, *contained], "questionnaire": "#q", "status": status, **(response or {}),
        "item": items}).encode()


def _response(q_item: dict[str, Any], answer: dict[str, Any]) -> bytes:
    return _document([q_item], [{"linkId": q_item["linkId"], "answer": [answer]}])


def _codes(validator: Any, data: bytes) -> list[str]:
    root = read_json(data).root
    assert root is not None
    return [i.code for i in validator.validate(root) if i.severity.is_error]


@core
def test_an_attachment_with_undecodable_data_is_sized_by_its_size_alone(validator: Any) -> None:
    item = {"linkId": "a", "type": "attachment", "extension": [{"url": EXT + "maxSize", "valueDecimal": 4}]}
    small = {"valueAttachment": {"contentType": "text/plain", "data": "@@@@", "size": 3}}
    large = {"valueAttachment": {"contentType": "text/plain", "data": "@@@@", "size": 30}}
    assert "questionnaire.answer-limit" not in _codes(validator, _response(item, small))
    assert "questionnaire.answer-limit" in _codes(validator, _response(item, large))


@core
def test_max_decimal_places_on_a_quantity_and_a_whole_number(validator: Any) -> None:
    item = {"linkId": "w", "type": "quantity", "extension": [{"url": EXT + "maxDecimalPlaces", "valueInteger": 1}]}
    ok = {"valueQuantity": {"value": 72, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"}}
    bad = {"valueQuantity": {"value": 72.25, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"}}
    assert _codes(validator, _response(item, ok)) == []
    assert _codes(validator, _response(item, bad)) == ["questionnaire.answer-limit"]


@core
def test_repeated_groups_in_order_and_a_text_equal_to_the_questionnaires_pass(validator: Any) -> None:
    data = _document(
        [{"linkId": "g", "text": "Child", "type": "group", "repeats": True,
          "item": [{"linkId": "n", "text": "Name", "type": "string"}]},
         {"linkId": "z", "type": "string"}],
        [{"linkId": "g", "text": "Child", "item": [{"linkId": "n", "answer": [{"valueString": "a"}]}]},
         {"linkId": "g", "item": [{"linkId": "n", "text": "Name", "answer": [{"valueString": "b"}]}]},
         {"linkId": "z", "answer": [{"valueString": "c"}]}])
    assert _codes(validator, data) == []


@core
@pytest.mark.parametrize("status", ["in-progress", "completed"])
def test_a_question_left_out_falls_under_required_not_min_occurs(validator: Any, status: str) -> None:
    data = _document(
        [{"linkId": "a", "type": "string", "repeats": True,
          "extension": [{"url": EXT + "questionnaire-minOccurs", "valueInteger": 2}]},
         {"linkId": "b", "type": "string"}],
        [{"linkId": "b", "answer": [{"valueString": "x"}]}], status=status)
    assert _codes(validator, data) == []


@core
@pytest.mark.parametrize(("include", "coding", "codes"), [
    ({"system": "http://example.org/c", "concept": [{"code": "a"}]}, {"system": "http://example.org/c", "code": "z"},
     ["questionnaire.answer-not-allowed"]),
    ({"system": "http://example.org/c", "concept": [{"code": "a"}]}, {"code": "z"}, []),  # no system: undefined
    ({"system": "http://example.org/c", "filter": [{"property": "p", "op": "=", "value": "v"}]},
     {"system": "http://example.org/c", "code": "z"}, ["binding.not-expandable"]),  # a filter: undecided, said so
])
def test_a_contained_answer_value_set_is_decided_only_for_concept_lists(validator: Any, include: dict[str, Any],
                                                                        coding: dict[str, Any],
                                                                        codes: list[str]) -> None:
    data = _document([{"linkId": "c", "type": "choice", "answerValueSet": "#vs"}],
                     [{"linkId": "c", "answer": [{"valueCoding": coding}]}],
                     contained=({"resourceType": "ValueSet", "id": "vs", "status": "active",
                                 "compose": {"include": [include]}},))
    root = read_json(data).root
    assert root is not None
    assert [i.code for i in validator.validate(root) if i.code.startswith(("questionnaire.", "binding."))] == codes


@core
@pytest.mark.parametrize(("value_set", "codes"), [
    ("http://example.org/fhir/ValueSet/not-loaded", ["binding.not-expandable"]),  # cannot be known offline
    ("http://hl7.org/fhir/ValueSet/administrative-gender", []),  # R4 core's: decided, and 'male' is in it
])
def test_an_answer_value_set_that_cannot_be_decided_is_reported_not_passed(validator: Any, value_set: str,
                                                                          codes: list[str]) -> None:
    coding = {"system": "http://hl7.org/fhir/administrative-gender", "code": "male"}
    data = _document([{"linkId": "c", "type": "choice", "answerValueSet": value_set}],
                     [{"linkId": "c", "answer": [{"valueCoding": coding}]}])
    root = read_json(data).root
    assert root is not None
    found = [(i.code, i.severity.value, i.location) for i in validator.validate(root)
             if i.code.startswith(("questionnaire.", "binding."))]
    assert found == [(code, "information", "QuestionnaireResponse.item[0].answer[0].valueCoding") for code in codes]


@core
@pytest.mark.parametrize(("authored", "period", "warned"), [
    ("2021-12-12", {"start": "2022"}, True),
    ("2022-03-01T10:00:00Z", {"start": "2022"}, False),
    ("2023-01-01", {"end": "2022-12-31"}, True),
    ("2022-12-31T23:00:00Z", {"end": "2022-12-31"}, False),  # within the end day
])
def test_authored_outside_the_effective_period_is_a_warning(validator: Any, authored: str, period: dict[str, str],
                                                          warned: bool) -> None:
    data = _document([{"linkId": "a", "type": "string"}], [{"linkId": "a", "answer": [{"valueString": "x"}]}],
                     questionnaire={"effectivePeriod": period}, response={"authored": authored})
    root = read_json(data).root
    assert root is not None
    found = [(i.severity.value, i.location) for i in validator.validate(root)
             if i.code == "questionnaire.authored-outside-period"]
    assert found == ([("warning", "QuestionnaireResponse.authored")] if warned else [])


@core
@pytest.mark.parametrize(("kind", "warned"), [("string", True), ("text", False)])
def test_a_line_break_is_a_warning_in_a_string_answer_only(validator: Any, kind: str, warned: bool) -> None:
    root = read_json(_response({"linkId": "a", "type": kind}, {"valueString": "one\r\ntwo"})).root
    assert root is not None
    issues = validator.validate(root)
    assert [i.severity.value for i in issues if i.code == "questionnaire.answer-multiline"] == (["warning"] if warned else [])
    assert not [i for i in issues if i.severity.is_error]


@core
def test_an_item_text_in_a_translation_the_questionnaire_gives_passes(validator: Any) -> None:
    translation = {"extension": [{"url": EXT + "translation", "extension": [
        {"url": "lang", "valueCode": "cy"}, {"url": "content", "valueString": "Enw"}]}]}
    q_items = [{"linkId": "n", "text": "Name", "_text": translation, "type": "string"}]
    welsh = _document(q_items, [{"linkId": "n", "text": "Enw", "answer": [{"valueString": "a"}]}])
    other = _document(q_items, [{"linkId": "n", "text": "Nom", "answer": [{"valueString": "a"}]}])
    same = _document(q_items, [{"linkId": "n", "text": "Name", "answer": [{"valueString": "a"}]}])
    assert _codes(validator, same) == []  # the contained item's text keeps its value beside its extension
    assert _codes(validator, welsh) == []
    assert _codes(validator, other) == ["questionnaire.item-text"]


SDC = "http://hl7.org/fhir/uv/sdc/StructureDefinition/"
UCUM = "http://unitsofmeasure.org"


@core
@pytest.mark.parametrize(("bound", "answer", "codes"), [
    # UCUM units of one dimension are brought to base units: 9500 g is within 10 kg, 10.5 kg is not
    ({"value": 10, "system": UCUM, "code": "kg"}, {"value": 9500, "system": UCUM, "code": "g"}, []),
    ({"value": 10000, "system": UCUM, "code": "g"}, {"value": 10.5, "system": UCUM, "code": "kg"},
     ["questionnaire.answer-limit"]),
    # UCUM units of different dimensions cannot be compared: the answer is not shown to meet the bound
    ({"value": 10, "system": UCUM, "code": "kg"}, {"value": 5, "system": UCUM, "code": "[mi_i]"},
     ["questionnaire.answer-limit"]),
    # a non-UCUM unit compares with the same system and code, not with another system's
    ({"value": 3, "system": "http://example.org/units", "code": "tab"},
     {"value": 2, "system": "http://example.org/units", "code": "tab"}, []),
    ({"value": 3, "system": "http://example.org/units", "code": "tab"},
     {"value": 4, "system": "http://example.org/units", "code": "tab"}, ["questionnaire.answer-limit"]),
    ({"value": 3, "system": "http://example.org/units", "code": "tab"},
     {"value": 2, "system": "http://example.org/other", "code": "tab"}, ["questionnaire.answer-limit"]),
])
def test_a_quantity_maximum_compares_converted_ucum_units_and_the_same_other_unit(
        validator: Any, bound: dict[str, Any], answer: dict[str, Any], codes: list[str]) -> None:
    item = {"linkId": "w", "type": "quantity",
            "extension": [{"url": SDC + "sdc-questionnaire-maxQuantity", "valueQuantity": bound}]}
    assert _codes(validator, _response(item, {"valueQuantity": answer})) == codes


@core
@pytest.mark.parametrize(("option", "codes"), [
    ({"system": UCUM, "code": "kg"}, []),
    ({"code": "kg"}, []),  # an option without a system names the unit by its code
    ({"system": "http://example.org/units", "code": "kg"}, ["questionnaire.answer-limit"]),
    ({"system": UCUM, "code": "g"}, ["questionnaire.answer-limit"]),
])
def test_a_quantity_answer_unit_is_one_of_the_unit_options(validator: Any, option: dict[str, Any],
                                                          codes: list[str]) -> None:
    item = {"linkId": "w", "type": "quantity",
            "extension": [{"url": EXT + "questionnaire-unitOption", "valueCoding": option}]}
    answer = {"valueQuantity": {"value": 70, "unit": "kg", "system": UCUM, "code": "kg"}}
    assert _codes(validator, _response(item, answer)) == codes
