"""Profile rules added while comparing with the HL7 validator: the parts the fixtures do not reach.

- a type profile naming one element of another profile (R4 elementdefinition-profile-element) resolves
  to that element's children, and to nothing when the element is not there;
- Quantity limits in other UCUM units compare in base units, and are not compared across dimensions or
  non-UCUM codes (the fixtures cover the breaking and conforming cases in the same dimension).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from conformance.fhir.json_reader import read_json
from conformance.packages import PackageCache
from conformance.validation import create_validator
from conformance.validation.plan import PROFILE_ELEMENT, _with_profile_element
from conformance.validation.values import compare_quantity, compare_temporal, temporal_bound

pytestmark = pytest.mark.core

AGREEMENT = Path(__file__).resolve().parents[2] / "fixtures" / "validation" / "profiles" / "packages" / "agreement"
LIBRARY = "http://example.org/fhir/conformance-tests/StructureDefinition/section-library"


def test_profile_element_extension_rewrites_the_profile() -> None:
    ext = [{"extension": [{"url": PROFILE_ELEMENT, "valueString": "Composition.section:a"}]}, None]
    assert _with_profile_element(["http://x/one", "http://x/two"], ext) == ["http://x/one#Composition.section:a",
                                                                           "http://x/two"]
    assert _with_profile_element(["http://x/one"], None) == ["http://x/one"]


def test_plan_for_an_element_of_a_profile() -> None:
    validator = create_validator((str(AGREEMENT),), PackageCache.default())
    plan = validator.plan_for(f"{LIBRARY}#Composition.section:findings")
    assert plan is not None and plan.is_profile
    assert {r.name for r in plan.root.required} == {"code", "focus"}
    assert validator.plan_for(f"{LIBRARY}#Composition.section:nowhere") is None
    assert validator.plan_for("http://example.org/not-loaded#Composition.section:findings") is None


def _quantity(text: str):
    root = read_json(text.encode()).root
    assert root is not None
    return root.child("valueQuantity")


@pytest.mark.parametrize(("value", "limit", "expected"), [
    ('{"value": 500, "system": "http://unitsofmeasure.org", "code": "g"}', 1, -1),
    ('{"value": 1500, "system": "http://unitsofmeasure.org", "code": "g"}', 1, 1),
    ('{"value": 1000, "system": "http://unitsofmeasure.org", "code": "g"}', 1, 0),
    ('{"value": 5, "system": "http://unitsofmeasure.org", "code": "mL"}', 1, None),  # another dimension
    ('{"value": 5, "system": "http://example.org/units", "code": "g"}', 1, None),  # not UCUM
    ('{"value": 5, "system": "http://unitsofmeasure.org", "code": "kg"}', 1, 1),  # same code: the numbers
    ('{"value": 0.5}', 1, -1),  # no code: the numbers, as before
])
def test_compare_quantity(value: str, limit: int, expected: int | None) -> None:
    node = _quantity('{"resourceType": "Observation", "valueQuantity": ' + value + "}")
    assert compare_quantity(node, {"value": limit, "system": "http://unitsofmeasure.org", "code": "kg"}) == expected


_NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
_UCUM = "http://unitsofmeasure.org"


@pytest.mark.parametrize(("limit", "type_code", "sign", "expected"), [
    ({"value": 10, "system": _UCUM, "code": "a"}, "date", 1, "2036-12-03"),  # calendar years
    ({"value": 100, "system": _UCUM, "code": "a"}, "date", -1, "1926-12-03"),  # subtracted for a minimum
    ({"value": 3, "system": _UCUM, "code": "mo"}, "date", 1, "2027-03-03"),
    ({"value": 2, "system": _UCUM, "code": "wk"}, "date", -1, "2026-11-19"),
    ({"value": 0.5, "system": _UCUM, "code": "a"}, "date", 1, "2027-06-04"),  # 182.625 d: UCUM's year
    ({"value": 36, "system": _UCUM, "code": "h"}, "dateTime", 1, "2026-12-05T00:00:00.000Z"),
    ({"value": 10, "system": _UCUM, "code": "kg"}, "date", 1, None),  # not a duration of time
    ({"value": -1, "system": _UCUM, "code": "a"}, "date", 1, None),  # "The duration value is positive"
    ({"value": 1, "system": "http://example.org/units", "code": "a"}, "date", 1, None),  # not UCUM
    ({"value": 1, "system": _UCUM, "code": "h"}, "time", 1, None),  # a Duration is for dates only
    ({"value": float("nan"), "system": _UCUM, "code": "a"}, "date", 1, None),  # NaN: no bound (and no crash)
    ({"value": float("inf"), "system": _UCUM, "code": "a"}, "date", 1, None),  # 1e999 read as Infinity: no bound
    ("1900-01-01", "date", -1, "1900-01-01"),  # a value of the element's type stands for itself
])
def test_temporal_bound(limit: object, type_code: str, sign: int, expected: str | None) -> None:
    """R4 ElementDefinition.maxValue[x]: on a date/dateTime/instant, a Duration "is added to the current clock
    to determine the maximum allowable value" (subtracted for minValue[x])."""
    bound = temporal_bound(limit, type_code, sign, now=_NOW)
    assert (None if bound is None else str(bound)) == expected


def test_a_year_from_a_leap_day_ends_on_the_last_day_of_february() -> None:
    leap_day = datetime(2028, 2, 29, 9, 0, tzinfo=UTC)
    assert str(temporal_bound({"value": 1, "system": _UCUM, "code": "a"}, "date", 1, now=leap_day)) == "2029-02-28"


@pytest.mark.parametrize(("value", "type_code", "limit", "expected"), [
    ("2036-12-03", "date", "2036-12-03", 0),
    ("2036-12-04", "date", "2036-12-03", 1),
    ("2037", "date", "2036-12-03", 1),  # the whole year is after the limit
    ("2036", "date", "2036-12-03", None),  # the year holds days either side of it
    ("2036-12", "date", "2036-12-03", None),
    ("2036-11", "date", "2036-12-03", -1),
    ("2036-12-03T10:00:00+01:00", "dateTime", "2036-12-03T09:30:00Z", -1),  # 09:00 UTC
    ("2036-12-03", "dateTime", "2036-12-03T09:30:00Z", None),
    ("not-a-date", "date", "2036-12-03", None),
])
def test_compare_temporal(value: str, type_code: str, limit: str, expected: int | None) -> None:
    """Dates compare as FHIRPath compares them: on the precision both share, unknown when that is equal but
    the precisions differ."""
    assert compare_temporal(value, temporal_bound(limit, type_code, 1, now=_NOW), type_code) == expected


def test_a_max_value_set_that_cannot_be_expanded_is_said_so() -> None:
    """elementdefinition-maxValueSet naming a value set that is not loaded: nothing is concluded, and the
    validator says so (binding.not-expandable, information) rather than passing in silence."""
    import json

    from conformance.validation.plan import compile_structure_definition

    validator = create_validator((str(AGREEMENT),), PackageCache.default())
    url = "http://example.org/fhir/conformance-tests/StructureDefinition/marital-status-bounded"
    sd = json.loads(json.dumps(validator.definitions.structure_definition(url)))
    missing = "http://example.org/fhir/conformance-tests/ValueSet/not-loaded"
    for element in sd["snapshot"]["element"]:
        for ext in element.get("binding", {}).get("extension", []):
            if ext["url"].endswith("elementdefinition-maxValueSet"):
                ext["valueCanonical"] = missing
    validator._plans[url] = compile_structure_definition(sd)
    patient = {"resourceType": "Patient", "meta": {"profile": [url]}, "maritalStatus": {"coding": [
        {"system": "http://example.org/fhir/CodeSystem/local-status", "code": "cohabiting"}]}}
    root = read_json(json.dumps(patient).encode()).root
    assert root is not None
    found = [(i.code, i.location) for i in validator.validate(root) if i.code.startswith("binding.")]
    assert ("binding.not-expandable", "Patient.maritalStatus") in found
    assert [c for c, _ in found if c == "binding.max-value-set"] == []
