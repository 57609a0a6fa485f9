"""UCUM units and System.Quantity: parsing, conversion, comparison and arithmetic."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conformance.fhirpath import ucum
from conformance.fhirpath.quantity import (
    FhirPathQuantity,
    compare_quantities,
    convert,
    multiply,
    parse_quantity,
    quantity_equal,
    quantity_equivalent,
)


def q(value: str, unit: str) -> FhirPathQuantity:
    return FhirPathQuantity(Decimal(value), unit)


@pytest.mark.parametrize(
    ("unit", "factor", "dims"),
    [
        ("mg", "0.001", {"g": 1}),
        ("kg/m2", "1000", {"g": 1, "m": -2}),
        ("mm[Hg]", "133322", {"g": 1, "m": -1, "s": -2}),
        ("10*9/L", "1000000000000", {"m": -3}),
        ("{beats}/min", None, {"s": -1}),
        ("mL/min/{1.73_m2}", None, {"m": 3, "s": -1}),
        ("[lb_av]", "453.59237", {"g": 1}),
        ("[in_i]", "0.0254", {"m": 1}),
        ("%", "0.01", {}),
        ("meq/L", "1", {"mol": 1, "m": -3}),
        ("m[iU]/mL", "1000", {"[iU]": 1, "m": -3}),
        ("(g/m).s-1", "1", {"g": 1, "m": -1, "s": -1}),
    ],
)
def test_ucum_parse(unit: str, factor: str | None, dims: dict[str, int]) -> None:
    parsed = ucum.parse_unit(unit)
    assert parsed is not None
    assert dict(parsed.dims) == dims
    if factor is not None:
        assert parsed.factor == Decimal(factor)


@pytest.mark.parametrize("unit", ["[s]", "mgg", "kg/", "(m", "foo", "m/{x"])
def test_ucum_rejects_unknown_units(unit: str) -> None:
    assert ucum.parse_unit(unit) is None


@pytest.mark.parametrize(
    ("a", "b", "equal", "order"),
    [
        (q("4.0000", "g"), q("4000.0", "mg"), True, 0),
        (q("185", "[lb_av]"), q("83.91458845", "kg"), True, 0),
        (q("1", "wk"), q("7", "days"), True, 0),
        (q("1", "week"), q("6", "day"), False, 1),
        (q("1", "year"), q("12", "months"), True, 0),
        (q("1", "year"), q("1", "a"), None, None),
        (q("1", "month"), q("30", "days"), None, None),
        (q("1", "cm"), q("1", "s"), False, None),
        (q("1", "tablet"), q("2", "tablet"), False, -1),
        (q("1", "tablet"), q("1", "capsule"), None, None),
        (q("37", "Cel"), q("310.15", "K"), True, 0),
        (q("212", "[degF]"), q("100", "Cel"), True, 0),
    ],
)
def test_compare_and_equal(a: FhirPathQuantity, b: FhirPathQuantity, equal: bool | None, order: int | None) -> None:
    assert quantity_equal(a, b) is equal
    assert compare_quantities(a, b) == order


def test_equivalence_rounds_to_the_least_precise() -> None:
    assert quantity_equivalent(q("4", "g"), q("4040", "mg"))
    assert quantity_equivalent(q("4.0", "g"), q("4040", "mg"))
    assert not quantity_equivalent(q("4.00", "g"), q("4040", "mg"))
    assert quantity_equivalent(q("1", "year"), q("1", "a"))
    assert not quantity_equivalent(q("1", "cm"), q("1", "s"))


def test_convert_and_multiply() -> None:
    assert str(convert(q("1.5", "h"), "min")) == "90 'min'"
    assert str(convert(q("2", "years"), "months")) == "24 months"
    assert convert(q("1", "kg"), "m") is None
    product = multiply(q("2.0", "cm"), q("2.0", "m"), divide=False)
    assert product is not None and quantity_equal(product, q("0.040", "m2"))
    ratio = multiply(q("1.0", "m"), q("1.0", "m"), divide=True)
    assert ratio is not None and str(ratio) == "1 '1'"
    assert multiply(q("1", "m"), q("0", "s"), divide=True) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1 day", "1 day"), ("1 'wk'", "1 'wk'"), ("1.0", "1.0 '1'"), ("-2.5 'mg'", "-2.5 'mg'"), ("1 wk", None),
     ("1 'wk", None), ("abc", None)],
)
def test_parse_quantity_text(text: str, expected: str | None) -> None:
    parsed = parse_quantity(text)
    assert (str(parsed) if parsed else None) == expected
