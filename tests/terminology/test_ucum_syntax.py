"""The UCUM unit expression grammar (UCUM §2.1-2.2), checked without UCUM's table of units."""

from __future__ import annotations

import pytest

from conformance.terminology.syntax import syntax_problem
from conformance.terminology.ucum_syntax import UCUM, ucum_problem

# R4's own units (ucum-common, the vital signs profiles) and UCUM's examples: all well-formed
GOOD = ["mg/dL", "mm[Hg]", "10*3/uL", "kg.m-2", "{beats}/min", "/min", "%", "[in_i]", "Cel", "1", "10*-3",
        "mg/(24.h)", "mL/min/{1.73_m2}", "[arb'U]", "g.m{x}", "m2", "{a b}", "U/(10.g){feces}", "g/kg/(8.h){shift}",
        "[lb_av]", "kg/m2", "[degF]", "%{HemoglobinSaturation}"]
BAD = {
    "mg / dL": "no spaces",
    "mg dL": "no spaces",
    "µg": "US-ASCII",
    "°C": "US-ASCII",
    "mg//dL": "a unit is missing",
    "": "a unit is missing",
    ".m": "a unit is missing",
    "m.": "a unit is missing",
    "(kg": "'(' is not closed",
    "kg)": "')' cannot appear there",
    "mg=1": "'=' cannot appear there",
    "[Hg": "'[' cannot appear there",
    "{x": "'{' cannot appear there",
}


@pytest.mark.parametrize("code", GOOD)
def test_well_formed_units(code: str) -> None:
    assert ucum_problem(code) is None


@pytest.mark.parametrize(("code", "reason"), BAD.items())
def test_ill_formed_units(code: str, reason: str) -> None:
    problem = ucum_problem(code)
    assert problem is not None and reason in problem


def test_syntax_problem_for_ucum() -> None:
    assert syntax_problem(UCUM, "mg/dL") is None
    assert syntax_problem(UCUM, "mg / dL") == "not a UCUM unit: a UCUM code has no spaces (e.g. mg/dL)"
