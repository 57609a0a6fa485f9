"""Snapshots as trees: every published snapshot survives list → tree → list unchanged; ids per the FHIR rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conformance.definitions.element_tree import ElementNode, build_tree, flatten
from conformance.definitions.snapshot import split_id

SHARED = Path(__file__).resolve().parents[3] / "shared"


def _elements(*specs: tuple[str, str | None]) -> list[dict[str, Any]]:
    return [{"path": path, **({"sliceName": s} if s else {})} for path, s in specs]


def test_ids_follow_the_fhir_rules_for_slices_and_reslices() -> None:
    elements = _elements(
        ("Patient", None),
        ("Patient.identifier", None),
        ("Patient.identifier", "nhsNumber"),
        ("Patient.identifier.system", None),
        ("Patient.identifier", "local"),
        ("Patient.identifier", "local/official"),
        ("Patient.identifier.use", None),
        ("Patient.active", None),
    )
    root = build_tree(elements)
    assert root is not None
    assert [(e["id"], e["path"], e.get("sliceName")) for e in flatten(root)] == [
        ("Patient", "Patient", None),
        ("Patient.identifier", "Patient.identifier", None),
        ("Patient.identifier:nhsNumber", "Patient.identifier", "nhsNumber"),
        ("Patient.identifier:nhsNumber.system", "Patient.identifier.system", None),
        ("Patient.identifier:local", "Patient.identifier", "local"),
        ("Patient.identifier:local/official", "Patient.identifier", "local/official"),
        ("Patient.identifier:local/official.use", "Patient.identifier.use", None),
        ("Patient.active", "Patient.active", None),
    ]


def test_a_snapshot_that_breaks_its_own_nesting_keeps_what_it_can() -> None:
    elements = _elements(("Patient", None), ("Patient.name", None), ("Patient.name", None),
                         ("Patient.contact.name.given", None), ("Patient.gender", None))
    root = build_tree(elements)
    assert root is not None
    assert [e["id"] for e in flatten(root)] == ["Patient", "Patient.name", "Patient.gender"]
    assert build_tree([]) is None


def test_a_detached_copy_is_a_template_no_later_change_reaches() -> None:
    """What a new slice starts from: the element's content as it stands, cut loose from it."""
    root = build_tree(_elements(("Observation", None), ("Observation.component", None),
                                ("Observation.component.code", None), ("Observation.component.code.text", None)))
    assert root is not None
    component = root.children[0]  # type: ignore[index]
    component.children = [c.clone() for c in component.base_children or ()]  # expanded, as a profile does
    code = component.children[0]
    code.writable()["min"] = 1
    code.slices.append(ElementNode("code", {"sliceName": "a"}, slice_name="a"))
    code.children_from_type = True
    copy = component.detached()
    copied_code = (copy.base_children or [])[0]
    assert copy.children is None and copied_code is not code
    assert (copied_code.elem, [s.slice_name for s in copied_code.slices], copied_code.children_from_type) == (
        {"path": "Observation.component.code", "min": 1}, ["a"], True)
    # the unexpanded part is shared: inherited nodes never change
    assert copied_code.base_children is code.base_children
    # later changes to the original, in place or structural, do not reach the copy
    code.writable()["max"] = "1"
    code.slices.append(ElementNode("code", {"sliceName": "b"}, slice_name="b"))
    assert "max" not in copied_code.elem and [s.slice_name for s in copied_code.slices] == ["a"]
    # and a clone of the copy keeps what it says about where its children came from
    assert copied_code.clone().children_from_type is True


@pytest.mark.parametrize(("ident", "path", "expected"), [
    ("Patient.identifier:nhsNumber.system", "Patient.identifier.system",
     [("Patient", None), ("identifier", "nhsNumber"), ("system", None)]),
    ("Patient.identifier:a/b", "Patient.identifier", [("Patient", None), ("identifier", "a/b")]),
    ("Observation.valueQuantity.code", "Observation.valueQuantity.code",
     [("Observation", None), ("valueQuantity", None), ("code", None)]),
    ("Observation.valueQuantity", "Observation.value[x]", [("Observation", None), ("valueQuantity", None)]),
    ("Observation.value[x]:valueQuantity", "Observation.value[x]",
     [("Observation", None), ("value[x]", "valueQuantity")]),
    ("Extension.extension:v1.2.url", "Extension.extension.url",  # a slice name with a dot
     [("Extension", None), ("extension", "v1.2"), ("url", None)]),
])
def test_split_id(ident: str, path: str, expected: list[tuple[str, str | None]]) -> None:
    assert split_id(ident, path) == expected


@pytest.mark.parametrize(("ident", "path"), [
    ("Patient.name", "Patient.identifier"),
    ("Patient.identifier.system", "Patient.identifier"),
    ("Patient", "Patient.identifier"),
])
def test_split_id_refuses_an_id_that_does_not_fit_its_path(ident: str, path: str) -> None:
    assert split_id(ident, path) is None


def _published_snapshots(core_packages: Any) -> list[dict[str, Any]]:
    found = []
    for package in core_packages.packages:
        for entry in package.entries:
            if entry.resource_type == "StructureDefinition":
                sd = package.load(entry)
                if sd.get("snapshot", {}).get("element"):
                    found.append(sd)
    return found


@pytest.mark.core
def test_every_core_snapshot_survives_a_round_trip(core_packages: Any) -> None:
    snapshots = _published_snapshots(core_packages)
    assert len(snapshots) > 600
    for sd in snapshots:
        elements = sd["snapshot"]["element"]
        root = build_tree(elements)
        assert root is not None
        again = flatten(root)
        assert [e["id"] for e in again] == [e["id"] for e in elements], sd["url"]
        assert all(a is b or a == b for a, b in zip(again, elements, strict=True)), sd["url"]


@pytest.mark.shared
def test_every_us_core_snapshot_survives_a_round_trip() -> None:
    import json

    folder = SHARED / "fhir" / "packages" / "hl7.fhir.us.core-3.1.0" / "package"
    files = sorted(folder.glob("StructureDefinition-*.json"))
    assert len(files) == 29
    for path in files:
        elements = json.loads(path.read_text(encoding="utf-8"))["snapshot"]["element"]
        root = build_tree(elements)
        assert root is not None and flatten(root) == elements, path.name


def test_find_slice_sees_slices_appended_after_earlier_lookups_and_returns_the_first_of_a_name() -> None:
    """find_slice indexes slices as they are appended (snapshot generation adds them between lookups)."""
    group = ElementNode("extension", {"path": "Patient.extension"})
    assert group.find_slice("a") is None
    first_a = ElementNode("extension", {}, slice_name="a")
    group.slices.append(first_a)
    assert group.find_slice("a") is first_a
    second_a, b = ElementNode("extension", {}, slice_name="a"), ElementNode("extension", {}, slice_name="b")
    group.slices += [second_a, b]
    assert (group.find_slice("a"), group.find_slice("b"), group.find_slice("c")) == (first_a, b, None)
    group.slices = [b]  # replaced by a shorter list: indexed anew
    assert (group.find_slice("a"), group.find_slice("b")) == (None, b)
