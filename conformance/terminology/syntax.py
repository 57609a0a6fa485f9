"""Identifier syntax of code systems that cannot be held locally: SNOMED CT, dm+d and LOINC.

Offline we cannot know whether `http://snomed.info/sct#22298006` exists, but we can know that
`22298007` is not a SNOMED CT identifier at all (its Verhoeff check digit is wrong), and that a
description id is not a concept id. These rules are exact (they follow the published identifier
formats), so a failure is never a false error; a success only means "well-formed".

- SNOMED CT identifier (SCTID): 6 to 18 digits, no leading zero; the last digit is a Verhoeff check
  digit; the two digits before it are the partition identifier, whose second digit says what the
  id names (0 concept, 1 description, 2 relationship) and whose first digit the format (0 short, 1
  long: the id then carries a 7-digit namespace, so it has at least 11 digits). A code in a Coding
  must name a concept: partition 00 or 10. SNOMED CT post-coordinated expressions are allowed as
  codes; each identifier in them is checked.
- dm+d (`https://dmd.nhs.uk`): concept ids are SNOMED CT concept identifiers; no expressions.
- LOINC (`http://loinc.org`): `nnnnn-n` (1 to 7 digits, a hyphen, a mod-10 check digit, the Luhn
  algorithm; LOINC Users' Guide §12 C "Calculating Mod 10 Check Digits", which also lists the 14 codes
  issued with a wrong check digit, accepted as they are). Answer (LA), answer list (LL), part (LP) and
  group (LG) codes have the same shape with a prefix; for LA and LP codes the same section gives their
  check digit as "a variant of the basic Mod 10 algorithm" over the whole identifier (the OpenMRS check
  digit algorithm: each character counts as its ASCII value minus 48). LL and LG check digits are not
  documented, so only their shape is checked.
- mime types (`urn:ietf:bcp:13`) and language tags (`urn:ietf:bcp:47`): their RFC grammars (`ietf.py`).
- UCUM (`http://unitsofmeasure.org`): its unit expression grammar (`ucum_syntax.py`).
- ISO 4217 currencies and ISO 3166 countries and subdivisions: the shape of their codes (`iso.py`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from conformance.terminology.ietf import LANGUAGES, MIME_TYPES, language_tag_problem, mime_type_problem
from conformance.terminology.iso import COUNTRIES, CURRENCIES, SUBDIVISIONS, iso_code_problem
from conformance.terminology.ucum_syntax import UCUM, ucum_problem

SNOMED = "http://snomed.info/sct"
DMD = "https://dmd.nhs.uk"
LOINC = "http://loinc.org"

# Verhoeff tables: the dihedral group D5 multiplication, the position permutation, the inverse.
_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_INV = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)

_SCTID = re.compile(r"[1-9][0-9]{5,17}")
_LOINC = re.compile(r"(L[ALPG])?([0-9]{1,7})-([0-9])")
_PARTITION_KINDS = {"0": "concept", "1": "description", "2": "relationship"}


def verhoeff_valid(digits: str) -> bool:
    """True when the last digit of `digits` is the Verhoeff check digit of the others."""
    check = 0
    for i, ch in enumerate(reversed(digits)):
        check = _D[check][_P[i % 8][ord(ch) - 48]]
    return check == 0


def verhoeff_digit(digits: str) -> int:
    """The Verhoeff check digit to append to `digits`."""
    check = 0
    for i, ch in enumerate(reversed(digits)):
        check = _D[check][_P[(i + 1) % 8][ord(ch) - 48]]
    return _INV[check]


def luhn_digit(digits: str) -> int:
    """The mod-10 (Luhn) check digit LOINC appends to `digits`; for a string with letters (`LA6576`), LOINC's
    variant for part and answer ids: each character counts as its ASCII value minus 48, and a doubled value
    loses 9 for every 5 in it (the same as summing a digit's doubled digits)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 0:  # the rightmost character, then every second one, is doubled
            d = 2 * d - (d // 5) * 9
        total += d
    return (10 - total % 10) % 10


# LOINC Users' Guide §12 C: "These 14 terms were found to have invalid check digits and are a known issue."
LOINC_CHECK_DIGIT_EXCEPTIONS = frozenset({
    "11491-6", "11501-6", "5895-7", "5896-5", "5897-3", "5928-1", "6028-3", "6415-5", "6580-7", "6645-7",
    "6646-5", "6647-3", "6648-1", "6649-9",
})


@dataclass(frozen=True, slots=True)
class SctidProblem:
    """Why a string is not a SNOMED CT concept identifier: `kind` is format, partition or check-digit."""

    kind: str
    reason: str


def sctid_problems(value: str) -> list[SctidProblem]:
    """Every reason `value` is not a SNOMED CT concept identifier (empty when it is well-formed)."""
    if not _SCTID.fullmatch(value):
        if value[:1] == "0" and value.isdigit():
            return [SctidProblem("format", "an SCTID never starts with 0")]
        return [SctidProblem("format", "an SCTID is 6 to 18 digits")]
    problems: list[SctidProblem] = []
    partition = value[-3:-1]
    kind = _PARTITION_KINDS.get(partition[1]) if partition[0] in "01" else None
    if kind is None:
        problems.append(SctidProblem("partition", f"partition identifier {partition} is not a valid partition"))
    elif kind != "concept":
        problems.append(SctidProblem("partition", f"partition identifier {partition} marks a {kind} id, "
                                                  "not a concept id (expected 00 or 10)"))
    elif partition[0] == "1" and len(value) < 11:
        problems.append(SctidProblem("format", "a long-format SCTID (partition 10) carries a 7-digit namespace "
                                               "and so has at least 11 digits"))
    if not verhoeff_valid(value):
        problems.append(SctidProblem("check-digit", f"the Verhoeff check digit should be "
                                                    f"{verhoeff_digit(value[:-1])}, not {value[-1]}"))
    return problems


_TERM = re.compile(r"\|[^|]*\|")
_CONCRETE = re.compile(r"#[-+]?[0-9]+(\.[0-9]+)?|\"[^\"]*\"")
_EXPRESSION_MARKS = frozenset(":=+{}|()<>,")


def is_snomed_expression(code: str) -> bool:
    """A post-coordinated expression (compositional grammar) rather than a single identifier."""
    return any(ch in _EXPRESSION_MARKS for ch in code)


def expression_ids(code: str) -> list[str]:
    """The identifiers in an expression, its terms (`|...|`) and concrete values removed."""
    stripped = _CONCRETE.sub(" ", _TERM.sub(" ", code))
    return re.findall(r"[0-9]+", stripped)


def snomed_problems(code: str, *, expressions: bool = True) -> list[tuple[str, SctidProblem]]:
    """(identifier, problem) for each identifier in `code` that is not a concept id."""
    if expressions and is_snomed_expression(code):
        ids = expression_ids(code)
        if not ids:
            return [(code, SctidProblem("format", "the expression holds no concept identifier"))]
        return [(i, p) for i in ids for p in sctid_problems(i)]
    return [(code, p) for p in sctid_problems(code)]


def loinc_problem(code: str) -> str | None:
    """Why `code` is not a LOINC code, or None when it is well-formed."""
    m = _LOINC.fullmatch(code)
    if m is None:
        return "a LOINC code is 1 to 7 digits, a hyphen and a check digit (e.g. 8867-4)"
    prefix = m.group(1)
    if prefix in ("LL", "LG") or code in LOINC_CHECK_DIGIT_EXCEPTIONS:
        return None
    expected = luhn_digit((prefix or "") + m.group(2))
    if int(m.group(3)) != expected:
        return f"the LOINC check digit should be {expected}, not {m.group(3)}"
    return None


def _snomed_reason(code: str) -> str | None:
    problems = snomed_problems(code)
    if not problems:
        return None
    ident, first = problems[0]
    prefix = f"'{ident}' in the expression: " if ident != code else ""
    return f"not a SNOMED CT concept identifier: {prefix}{first.reason}"


def _dmd_reason(code: str) -> str | None:
    problems = snomed_problems(code, expressions=False)
    return f"not a dm+d concept identifier: {problems[0][1].reason}" if problems else None


def _reason(what: str, problem: str | None) -> str | None:
    return f"not {what}: {problem}" if problem else None


def _loinc_reason(code: str) -> str | None:
    return _reason("a LOINC code", loinc_problem(code))


# system → a function returning why a code cannot belong to it (None: well-formed)
SYNTAX: dict[str, Callable[[str], str | None]] = {
    SNOMED: _snomed_reason,
    DMD: _dmd_reason,
    LOINC: _loinc_reason,
    MIME_TYPES: lambda code: _reason("a mime type", mime_type_problem(code)),
    LANGUAGES: lambda code: _reason("a language tag", language_tag_problem(code)),
    UCUM: lambda code: _reason("a UCUM unit", ucum_problem(code)),
    CURRENCIES: lambda code: _reason("a currency code", iso_code_problem(CURRENCIES, code)),
    COUNTRIES: lambda code: _reason("a country code", iso_code_problem(COUNTRIES, code)),
    SUBDIVISIONS: lambda code: _reason("a country subdivision code", iso_code_problem(SUBDIVISIONS, code)),
}

# systems that are never expanded from packages, even when a package carries a fragment of them
EXTERNAL_SYSTEMS = frozenset(SYNTAX)


def syntax_problem(system: str, code: str) -> str | None:
    """Why `code` cannot be a code of `system` by its identifier syntax alone, or None."""
    rule = SYNTAX.get(system)
    return rule(code) if rule is not None else None
