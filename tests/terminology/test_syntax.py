"""Identifier syntax for SNOMED CT, dm+d and LOINC: Verhoeff, partitions, LOINC's mod-10, expressions."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from conformance.terminology.syntax import (
    DMD,
    LOINC,
    SNOMED,
    loinc_problem,
    luhn_digit,
    sctid_problems,
    snomed_problems,
    syntax_problem,
    verhoeff_digit,
    verhoeff_valid,
)
from tests.terminology.conftest import FIXTURES

TABLE: dict[str, list[dict[str, Any]]] = yaml.safe_load((FIXTURES / "cases" / "syntax.yaml").read_text("utf-8"))


@pytest.mark.parametrize("case", TABLE["sctid"], ids=lambda c: repr(c["value"]))
def test_sctid_problems(case: dict[str, Any]) -> None:
    assert [p.kind for p in sctid_problems(case["value"])] == case["problems"]


@pytest.mark.parametrize("case", TABLE["loinc"], ids=lambda c: c["value"])
def test_loinc_problem(case: dict[str, Any]) -> None:
    problem = loinc_problem(case["value"])
    if case["problem"] is None:
        assert problem is None
    else:
        assert problem is not None and case["problem"] in problem


@pytest.mark.parametrize("case", TABLE["expressions"], ids=lambda c: c["value"])
def test_expression_identifiers(case: dict[str, Any]) -> None:
    assert sorted({ident for ident, _ in snomed_problems(case["value"])}) == case["bad"]


@pytest.mark.parametrize("digits", ["2229800", "40468400", "99900005100000110", "1"])
def test_verhoeff_digit_completes_a_valid_number(digits: str) -> None:
    full = digits + str(verhoeff_digit(digits))
    assert verhoeff_valid(full)
    assert not verhoeff_valid(digits + str((verhoeff_digit(digits) + 1) % 10))


def test_luhn_digit_matches_published_loinc_codes() -> None:
    assert [luhn_digit(n) for n in ("8867", "2160", "4548", "2345")] == [4, 0, 4, 7]


def test_syntax_problem_by_system() -> None:
    assert syntax_problem(SNOMED, "22298006") is None
    assert syntax_problem(SNOMED, "22298007") == ("not a SNOMED CT concept identifier: the Verhoeff check digit "
                                                 "should be 6, not 7")
    assert syntax_problem(DMD, "73211009:363698007=84301002") == ("not a dm+d concept identifier: an SCTID is 6 to 18 "
                                                                 "digits")  # dm+d codes are never expressions
    assert syntax_problem(LOINC, "8867-5") == "not a LOINC code: the LOINC check digit should be 4, not 5"
    assert syntax_problem("http://example.org/any", "anything at all") is None
