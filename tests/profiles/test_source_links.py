"""Source links: the JSON pointer convention resolved against the local specification, and every shipped profile's
requirements checked against the specifications in ../shared/nhs-specs (read in place, never copied)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.profiles import builtin_roots, list_profiles, load_profile
from conformance.profiles.model import Specification
from conformance.profiles.openapi import escape_token, pointer, resolve_pointer, unescape_token
from conformance.profiles.source_links import check_source_link, parse_source_link

SPEC = Specification(title="Demo", repository="https://github.com/example/demo", commit="abc1234",
                     openapi="specification/demo.yaml", local="demo/demo.resolved.yaml")
DATA = {"paths": {"/a~b": {"get": {"parameters": [{"name": "x"}, {"name": "y"}]}}, "/Bundle": {}}}


@pytest.mark.parametrize(("where", "found"), [
    ("", True),
    ("/paths/~1a~0b/get", True),
    ("/paths/~1a~0b/get/parameters/1/name", True),
    ("/paths/~1a~0b/get/parameters/2", False),
    ("/paths/~1a~0b/get/parameters/01", False),  # no leading zeros in an array index (RFC 6901)
    ("/paths/~1a~b/get", False),
    ("/paths/~1Bundle", True),
    ("paths", False),
])
def test_pointers_resolve_by_rfc_6901(where: str, found: bool) -> None:
    assert resolve_pointer(DATA, where)[0] is found


def test_tokens_escape_and_unescape_in_the_rfc_order() -> None:
    assert escape_token("/a~1b") == "~1a~01b"
    assert unescape_token("~01") == "~1"  # not "/": ~1 is replaced first
    assert pointer("paths", "/Patient/{id}", "get") == "/paths/~1Patient~1{id}/get"


def test_a_link_splits_into_file_and_percent_decoded_pointer() -> None:
    link = parse_source_link(f"{SPEC.repository}/blob/abc1234/specification/demo.yaml#/paths/~1a%7E0b", SPEC)
    assert (link.in_openapi, link.repository_path, link.pointer) == (True, "specification/demo.yaml", "/paths/~1a~0b")
    other = parse_source_link(f"{SPEC.repository}/blob/abc1234/specification/examples/x.json", SPEC)
    assert (other.in_openapi, other.repository_path, other.pointer) == (False, "specification/examples/x.json", None)
    page = parse_source_link("https://hl7.org/fhir/R4/http.html#read", SPEC)
    assert (page.in_openapi, page.in_repository, page.pointer) == (False, False, None)


def test_a_path_with_a_hash_resolves_whether_or_not_it_is_percent_encoded(tmp_path: Path) -> None:
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "demo.resolved.yaml").write_text(
        "paths:\n  /FHIR/R4/$process-message#prescription-order:\n    post: {responses: {'200': {}}}\n", encoding="utf-8")
    base = f"{SPEC.repository}/blob/abc1234/specification/demo.yaml#/paths/~1FHIR~1R4~1$process-message"
    assert check_source_link(base + "#prescription-order/post/responses/200", SPEC, tmp_path) is None
    assert check_source_link(base + "%23prescription-order/post", SPEC, tmp_path) is None
    assert check_source_link(base + "%23prescription-order/get", SPEC, tmp_path) == (
        "the pointer /paths/~1FHIR~1R4~1$process-message#prescription-order/get does not resolve: nothing at 'get' "
        "after '/paths/~1FHIR~1R4~1$process-message#prescription-order'")


def test_links_outside_the_document_are_checked_for_form(tmp_path: Path) -> None:
    assert check_source_link("https://simplifier.net/guide/ukcoreversionhistory", SPEC, tmp_path) is None
    assert check_source_link("http://example.org/page", SPEC, tmp_path) == \
        "'http://example.org/page' is not an absolute https URL"
    assert check_source_link("", SPEC, tmp_path) == "no source link"
    assert check_source_link(f"{SPEC.repository}/blob/abc1234/specification/demo.yaml", SPEC, tmp_path) == \
        "a link into the OpenAPI document needs a #/JSON/pointer"


def test_a_link_to_another_local_file_of_the_repository_is_resolved_there(tmp_path: Path) -> None:
    examples = tmp_path / "demo" / "specification" / "examples"
    examples.mkdir(parents=True)
    (examples / "x.json").write_text('{"entry": [{"resource": {"resourceType": "Patient"}}]}', encoding="utf-8")
    base = f"{SPEC.repository}/blob/abc1234/specification/examples/x.json"
    assert check_source_link(base + "#/entry/0/resource", SPEC, tmp_path) is None
    assert check_source_link(base + "#/entry/1", SPEC, tmp_path) == \
        "the pointer /entry/1 does not resolve: nothing at '1' after '/entry'"


@pytest.mark.shared
def test_every_requirement_of_every_shipped_profile_resolves_in_its_specification(shared_dir: Path) -> None:
    specs = shared_dir / "nhs-specs"
    problems = []
    checked: set[str] = set()
    for folder in list_profiles(builtin_roots()):
        profile = load_profile(folder)
        spec = profile.specification
        if spec is None:
            continue
        assert spec.local and (specs / spec.local).is_file(), f"{profile.id}: specification.local {spec.local}"
        checked.add(profile.id)
        for r in profile.requirements:
            problem = check_source_link(r.source, spec, specs)
            if problem:
                problems.append(f"{profile.id} {r.id}: {problem}")
    assert problems == []
    assert {"summary-care-record", "eps-fhir-api", "personal-demographics"} <= checked
