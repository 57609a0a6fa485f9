"""The RFC grammars of mime types (urn:ietf:bcp:13) and language tags (urn:ietf:bcp:47)."""

from __future__ import annotations

import pytest

from conformance.terminology.ietf import LANGUAGES, MIME_TYPES, language_tag_problem, mime_type_problem
from conformance.terminology.syntax import syntax_problem

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
             "xml", "json", "ttl"]  # R4 CapabilityStatement.format: xml | json | ttl | mime type
BAD_MIME = {
    "textplain": "separated by '/'",
    "pdf": "separated by '/'",
    "text/ plain": "tokens",
    "text/plain/html": "tokens",
    "text/plain; charset": "attribute=value",
    "text/plain charset=UTF-8": "tokens",
    "": "separated by '/'",
}


@pytest.mark.parametrize("tag", GOOD_TAGS)
def test_well_formed_language_tags(tag: str) -> None:
    assert language_tag_problem(tag) is None


@pytest.mark.parametrize(("tag", "reason"), BAD_TAGS.items())
def test_ill_formed_language_tags(tag: str, reason: str) -> None:
    problem = language_tag_problem(tag)
    assert problem is not None and reason in problem


@pytest.mark.parametrize("code", GOOD_MIME)
def test_well_formed_mime_types(code: str) -> None:
    assert mime_type_problem(code) is None


@pytest.mark.parametrize(("code", "reason"), BAD_MIME.items())
def test_ill_formed_mime_types(code: str, reason: str) -> None:
    problem = mime_type_problem(code)
    assert problem is not None and reason in problem


def test_syntax_problem_names_the_system() -> None:
    assert syntax_problem(MIME_TYPES, "text/plain") is None
    assert syntax_problem(MIME_TYPES, "pdf") == ("not a mime type: a mime type is a type and a subtype separated "
                                                "by '/' (e.g. text/plain)")
    assert syntax_problem(LANGUAGES, "en-GB") is None
    assert syntax_problem(LANGUAGES, "en_GB") == "not a language tag: subtags are separated by '-', not '_' (e.g. en-GB)"
