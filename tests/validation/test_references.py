"""Reference resolution in Bundles (references.py) and the Bundle helpers of bundles.py, without any package.

R4 bundle.html "Resolving references in Bundles": absolute references match a fullUrl; a relative `Type/id`
resolves against the [root] of the RESTful fullUrl of the entry that holds it, "else no resolution is
possible"; a version-specific reference matches `meta.versionId`. The validator's scopes are strict; the
default (the export rules') still accepts a `Type/id` match across bases, as before.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.fhir.json_reader import read_json
from conformance.fhir.tree import Node
from conformance.fhirpath.narrative import element_ids
from conformance.validation.bundles import entry_base, not_a_literal_reference
from conformance.validation.references import ResolutionScope

BASE = "https://example.org/fhir"


def _bundle(entries: list[dict[str, Any]], bundle_type: str = "collection") -> Node:
    root = read_json(json.dumps({"resourceType": "Bundle", "type": bundle_type, "entry": entries})).root
    assert root is not None
    return root


def _patient(pid: str = "jane", version: str | None = None) -> dict[str, Any]:
    patient: dict[str, Any] = {"resourceType": "Patient", "id": pid}
    if version:
        patient["meta"] = {"versionId": version}
    return patient


def _entry_scope(bundle_scope: ResolutionScope, bundle: Node, index: int) -> ResolutionScope:
    """The scope the validator makes for the resource of entry `index`."""
    resource = bundle.children_named("entry")[index].child("resource")
    assert resource is not None
    scope = ResolutionScope.for_resource(resource, bundle_scope)
    scope.is_entry = True
    scope.entry_base = entry_base(resource)
    return scope


def _resource(bundle: Node, index: int) -> Node | None:
    return bundle.children_named("entry")[index].child("resource")


@pytest.fixture
def mixed() -> Node:
    """Entry 0 has a RESTful fullUrl, entry 1 a URN; the Patient's fullUrl has another base."""
    return _bundle([
        {"fullUrl": f"{BASE}/Observation/o1", "resource": {"resourceType": "Observation", "id": "o1"}},
        {"fullUrl": "urn:uuid:8f0e2a8e-4b6c-4d1e-9a55-2f3c4d5e6f70", "resource": {"resourceType": "Observation"}},
        {"fullUrl": "https://other.org/fhir/Patient/jane", "resource": _patient()},
        {"fullUrl": f"{BASE}/Practitioner/adams", "resource": {"resourceType": "Practitioner", "id": "adams"}},
    ])


def test_a_relative_reference_resolves_against_the_entrys_base(mixed: Node) -> None:
    strict = ResolutionScope.for_bundle(mixed, None, strict=True)
    scope = _entry_scope(strict, mixed, 0)
    target = scope.resolve("Practitioner/adams")
    assert target is _resource(mixed, 3)
    assert scope.resolve("Patient/jane") is None  # another base: no resolution
    assert scope.resolve("https://other.org/fhir/Patient/jane") is _resource(mixed, 2)  # absolute: by fullUrl


def test_a_relative_reference_from_a_urn_entry_resolves_to_nothing_when_strict(mixed: Node) -> None:
    strict = ResolutionScope.for_bundle(mixed, None, strict=True)
    assert _entry_scope(strict, mixed, 1).resolve("Practitioner/adams") is None


def test_the_default_scope_still_matches_type_and_id_across_bases(mixed: Node) -> None:
    loose = ResolutionScope.for_bundle(mixed, None)
    assert _entry_scope(loose, mixed, 1).resolve("Practitioner/adams") is _resource(mixed, 3)
    assert _entry_scope(loose, mixed, 0).resolve("Patient/jane") is _resource(mixed, 2)


def test_an_inner_urn_entry_does_not_take_an_outer_entrys_base() -> None:
    inner = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:5b1e8c4e-7d43-4b0a-9f5e-3d2c1b0a9e8f", "resource": {"resourceType": "Observation"}}]}
    outer = _bundle([{"fullUrl": f"{BASE}/Bundle/b1", "resource": inner},
                     {"fullUrl": f"{BASE}/Patient/jane", "resource": _patient()}])
    outer_scope = ResolutionScope.for_bundle(outer, None, strict=True)
    bundle_node = outer.children_named("entry")[0].child("resource")
    assert bundle_node is not None
    in_outer_entry = _entry_scope(outer_scope, outer, 0)
    assert in_outer_entry.resolve("Patient/jane") is _resource(outer, 1)  # the inner Bundle itself sits in entry 0
    inner_scope = ResolutionScope.for_bundle(bundle_node, in_outer_entry, strict=True)
    assert _entry_scope(inner_scope, bundle_node, 0).resolve("Patient/jane") is None


def test_version_specific_references_match_the_version() -> None:
    bundle = _bundle([
        {"fullUrl": f"{BASE}/Observation/o1", "resource": {"resourceType": "Observation", "id": "o1"}},
        {"fullUrl": f"{BASE}/Patient/jane", "resource": _patient(version="1")},
        {"fullUrl": f"{BASE}/Patient/jane", "resource": _patient(version="2")},
    ])
    scope = _entry_scope(ResolutionScope.for_bundle(bundle, None, strict=True), bundle, 0)
    second = bundle.children_named("entry")[2].child("resource")
    assert scope.resolve("Patient/jane/_history/2") is second
    assert scope.resolve(f"{BASE}/Patient/jane/_history/2") is second
    assert scope.resolve("Patient/jane/_history/3") is None
    assert scope.is_ambiguous("Patient/jane") and scope.is_ambiguous(f"{BASE}/Patient/jane")
    assert not scope.is_ambiguous("Patient/jane/_history/1")
    assert not scope.is_ambiguous("Practitioner/adams")


def test_no_ambiguity_without_repeated_full_urls(mixed: Node) -> None:
    scope = _entry_scope(ResolutionScope.for_bundle(mixed, None, strict=True), mixed, 0)
    assert not scope.is_ambiguous("Practitioner/adams")
    assert not scope.is_ambiguous("#x")


@pytest.mark.parametrize(("full_url", "base"), [
    (f"{BASE}/Patient/jane", BASE),
    (f"{BASE}/Patient/jane/_history/2", BASE),
    ("http://example.org/Patient/jane", "http://example.org"),
    ("urn:uuid:5b1e8c4e-7d43-4b0a-9f5e-3d2c1b0a9e8f", None),
    ("urn:oid:1.2.3.4", None),
    ("Patient/jane", None),  # not absolute: no base
    ("https://example.org/not-restful", None),
])
def test_entry_base(full_url: str, base: str | None) -> None:
    bundle = _bundle([{"fullUrl": full_url, "resource": _patient()}])
    resource = bundle.children_named("entry")[0].child("resource")
    assert resource is not None
    assert entry_base(resource) == base


@pytest.mark.parametrize(("text", "bundle_type", "bad"), [
    ("Patient/1", "collection", False),
    ("Patient/1/_history/2", "collection", False),
    ("https://example.org/fhir/Patient/1", "collection", False),
    ("urn:uuid:5b1e8c4e-7d43-4b0a-9f5e-3d2c1b0a9e8f", "collection", False),
    ("#p", "collection", False),
    ("Patient", "collection", True),
    ("Patient/1/extra", "collection", True),
    ("Patient?identifier=http://example.org/mrn|1", "collection", True),
    ("Patient?identifier=http://example.org/mrn|1", "transaction", False),
    ("Patient?identifier=http://example.org/mrn|1", "batch", False),
])
def test_not_a_literal_reference(text: str, bundle_type: str, bad: bool) -> None:
    assert not_a_literal_reference(text, bundle_type) is bad


def test_element_ids_of_a_narrative() -> None:
    """The ids a narrativeLink fragment may name (documents.py): repeats kept, nothing from a broken narrative."""
    div = ('<div xmlns="http://www.w3.org/1999/xhtml"><table><tr id="a"><td id="b">x</td></tr>'
           '<tr id="a"><td>y</td></tr></table></div>')
    assert element_ids(div) == ("a", "b", "a")
    assert element_ids('<div xmlns="http://www.w3.org/1999/xhtml">plain</div>') == ()
    assert element_ids('<div xmlns="http://www.w3.org/1999/xhtml"><p id="x">broken</div>') == ()


def test_no_ambiguity_in_a_history() -> None:
    """A history's entries are versions of one resource; a version-independent reference names the resource."""
    entries = [{"fullUrl": f"{BASE}/Patient/jane", "resource": _patient(version=v),
                "request": {"method": "PUT", "url": "Patient/jane"}, "response": {"status": "200"}} for v in "12"]
    bundle = _bundle(entries, "history")
    scope = _entry_scope(ResolutionScope.for_bundle(bundle, None, strict=True), bundle, 0)
    assert not scope.is_ambiguous("Patient/jane")
