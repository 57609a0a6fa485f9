"""The grammars of codes checked offline: mime types (RFC 2045), language tags (RFC 5646), UCUM units (UCUM §2),
ISO currency and country codes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance.terminology.ietf import LANGUAGES, MIME_TYPES, language_tag_problem, mime_type_problem
from conformance.terminology.iso import COUNTRIES, CURRENCIES, SUBDIVISIONS
from conformance.terminology.syntax import syntax_problem
from conformance.terminology.ucum_syntax import UCUM, ucum_problem

# RFC 5646 §2.1 and its appendix A examples; R4's own tags (en-GB, x-... private use, grandfathered tags)
GOOD_TAGS = ["en", "en-GB", "EN-gb", "de-CH-1901", "zh-Hant-TW", "zh-yue-HK", "sr-Latn-RS", "es-419",
             "sl-rozaj-biske", "en-US-u-islamcal", "en-a-bbb-x-a-ccc", "x-whatever", "qaa-Qaaa-QM-x-southern",
             "i-default", "en-GB-oed", "zh-min-nan", "art-lojban", "ast", "de-Latn-DE-1996"]
BAD_TAGS = {
    "english": "2-3 letter language",  # a 5-8 letter primary subtag: reserved, never registered
    "engl": "2-3 letter language",  # 4 letters: reserved for future standardization
    "en_GB": "separated by '-', not '_'",
    "en-": "2-3 letter language",
    "e": "2-3 letter language",
    "en-GB-x": "2-3 letter language",  # private use needs at least one subtag
    "en-a": "2-3 letter language",  # an extension needs at least one subtag
    "de-DE-1": "2-3 letter language",  # a variant is 5-8 characters, or a digit and 3 more
    "123": "2-3 letter language",
    "en GB": "2-3 letter language",
    "": "2-3 letter language",
}
GOOD_MIME = ["text/plain", "text/plain; charset=UTF-8", "application/fhir+json;fhirVersion=4.0",
             "image/svg+xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "multipart/form-data; boundary=\"a b\"", "text/plain;", "*/*",
             "application/fhir+json;canonicalization=http://hl7.org/fhir/canonicalization/json#document",
             "application/dicom; variant=DICOM WADO-RS",  # R4's Endpoint examples: a value with a space
             "xml", "json", "ttl"]  # R4 CapabilityStatement.format: xml | json | ttl | mime type
BAD_MIME = {
    "textplain": "separated by '/'",
    "pdf": "separated by '/'",
    "text/ plain": "tokens",
    "text/plain/html": "tokens",
    "text/plain; charset": "attribute=value",
    "text/plain; charset=UTF-8; x=\"open": "attribute=value",  # an unclosed quoted string
    "text/plain charset=UTF-8": "tokens",
    "": "separated by '/'",
}
# R4's own units (ucum-common, the vital signs profiles) and UCUM's examples: all well-formed
GOOD_UNITS = ["mg/dL", "mm[Hg]", "10*3/uL", "kg.m-2", "{beats}/min", "/min", "%", "[in_i]", "Cel", "1", "10*-3",
              "mg/(24.h)", "mL/min/{1.73_m2}", "[arb'U]", "g.m{x}", "m2", "{a b}", "U/(10.g){feces}", "g/kg/(8.h){shift}",
              "[lb_av]", "kg/m2", "[degF]", "%{HemoglobinSaturation}",
              "(" * 32 + "m" + ")" * 32]  # the deepest nesting accepted
BAD_UNITS = {
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
    "(" * 5000 + "m" + ")" * 5000: "nest more than 32 deep",  # hostile: refused, not a RecursionError
}

Problem = Callable[[str], "str | None"]
GOOD = [(language_tag_problem, c) for c in GOOD_TAGS] + [(mime_type_problem, c) for c in GOOD_MIME] + \
    [(ucum_problem, c) for c in GOOD_UNITS]
BAD = [(language_tag_problem, c, r) for c, r in BAD_TAGS.items()] + \
    [(mime_type_problem, c, r) for c, r in BAD_MIME.items()] + [(ucum_problem, c, r) for c, r in BAD_UNITS.items()]


def _case_id(value: object) -> str:
    """A readable test id: long hostile codes are shortened."""
    text = value if isinstance(value, str) else getattr(value, "__name__", str(value))
    return text if len(text) <= 40 else f"{text[:20]}...({len(text)} chars)"


@pytest.mark.parametrize(("grammar", "code"), GOOD, ids=_case_id)
def test_well_formed(grammar: Problem, code: str) -> None:
    assert grammar(code) is None


@pytest.mark.parametrize(("grammar", "code", "reason"), BAD, ids=_case_id)
def test_ill_formed(grammar: Problem, code: str, reason: str) -> None:
    problem = grammar(code)
    assert problem is not None and reason in problem


# ISO 4217 alphabetic codes; ISO 3166-1 alpha-2, alpha-3 and numeric; ISO 3166-2 subdivisions
ISO = [(CURRENCIES, "EUR", True), (CURRENCIES, "GBP", True), (CURRENCIES, "EURO", False), (CURRENCIES, "usd", False),
       (CURRENCIES, "978", False), (COUNTRIES, "GB", True), (COUNTRIES, "GBR", True), (COUNTRIES, "826", True),
       (COUNTRIES, "gb", False), (COUNTRIES, "Britain", False), (COUNTRIES, "82", False), (SUBDIVISIONS, "GB-ENG", True),
       (SUBDIVISIONS, "US-CA", True), (SUBDIVISIONS, "GB", False), (SUBDIVISIONS, "England", False)]


@pytest.mark.parametrize(("system", "code", "valid"), ISO)
def test_iso_code_shapes(system: str, code: str, valid: bool) -> None:
    assert (syntax_problem(system, code) is None) is valid


def test_syntax_problem_names_the_system() -> None:
    assert syntax_problem(MIME_TYPES, "text/plain") is None
    assert syntax_problem(MIME_TYPES, "pdf") == ("not a mime type: a mime type is a type and a subtype separated "
                                                "by '/' (e.g. text/plain)")
    assert syntax_problem(LANGUAGES, "en-GB") is None
    assert syntax_problem(LANGUAGES, "en_GB") == "not a language tag: subtags are separated by '-', not '_' (e.g. en-GB)"
    assert syntax_problem(UCUM, "mg/dL") is None
    assert syntax_problem(UCUM, "mg / dL") == "not a UCUM unit: a UCUM code has no spaces (e.g. mg/dL)"
    assert syntax_problem(CURRENCIES, "EURO") == ("not a currency code: an ISO 4217 currency code is three upper-case "
                                                 "letters (e.g. EUR, GBP)")
