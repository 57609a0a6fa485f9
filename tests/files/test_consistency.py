"""The behaviour of the `check-character` and `consistent-values` rule types on parsed resources."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.fhir.json_reader import read_json
from conformance.fhir.tree import Node
from conformance.files.consistency import CheckCharacters, ConsistentValues, nhs_number_mod11
from conformance.profiles.filerules.check_character import Params as CheckCharacter
from conformance.profiles.filerules.consistent_values import Params as Consistent
from conformance.profiles.model import FileRule

ORDER_NUMBER = "https://fhir.nhs.uk/Id/prescription-order-number"


def resource(data: dict[str, Any]) -> Node:
    root = read_json(json.dumps(data)).root
    assert root is not None
    return root


def item(prescription: str, performer: str = "FCG71") -> Node:
    return resource({"resourceType": "MedicationRequest", "groupIdentifier": {"system": ORDER_NUMBER, "value": prescription},
                     "dispenseRequest": {"performer": {"identifier": {"value": performer}}}})


def checker(**params: Any) -> CheckCharacters:
    p = CheckCharacter("MedicationRequest", f"groupIdentifier.where(system = '{ORDER_NUMBER}').value", **params)
    return CheckCharacters(FileRule("R", "check-character", "check", p), p)


@pytest.mark.parametrize(("value", "expected"), [
    ("A0548B-A83008-45148W", []),
    ("a0548b-a83008-45148w", []),  # hexadecimal in either case
    ("A0548B-A83008-45148X", [("export.check-character", {"actual": "X", "expected": "W"})]),
    ("A0548B-A83008-4514", [("export.value-format", {})]),
])
def test_check_character_reports_shape_then_check_character(value: str, expected: list[tuple[str, dict[str, str]]]) -> None:
    found = [(code, params) for _, code, params in
             checker(pattern="[0-9A-Fa-f]{6}-[0-9A-Fa-f]{6}-[0-9A-Fa-f]{5}[0-9A-Za-z+]").problems(item(value))]
    assert [code for code, _ in found] == [code for code, _ in expected]
    for (_, params), (_, want) in zip(found, expected, strict=True):
        assert want.items() <= params.items()


def test_the_nhs_number_algorithm_gives_the_modulus_11_digit_or_none() -> None:
    assert (nhs_number_mod11("944930413"), nhs_number_mod11("900000000"), nhs_number_mod11("12345678")) == ("0", "9", None)


@pytest.mark.parametrize(("mode", "values", "codes"), [
    ("same", ["FCG71", "FCG71", "FA565"], ["export.values-differ"]),
    ("same", ["FCG71", "FCG71"], []),
    ("distinct", ["FCG71", "FA565", "FCG71", "FCG71"], ["export.values-repeat", "export.values-repeat"]),
])
def test_consistent_values_compare_each_entry_with_the_first_or_the_earlier_ones(mode: str, values: list[str],
                                                                               codes: list[str]) -> None:
    p = Consistent("MedicationRequest", "dispenseRequest.performer.identifier.value", mode, "one dispenser")
    rule = ConsistentValues(FileRule("R", "consistent-values", "same", p), p)
    entries = [item("A0548B-A83008-45148W", v) for v in values] + [resource({"resourceType": "Patient"})]
    assert [code for _, code, _ in rule.problems(entries)] == codes
