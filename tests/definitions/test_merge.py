"""Merging one differential element into the element it constrains (no packages needed)."""

from __future__ import annotations

import copy
from typing import Any

from conformance.definitions.merge import (
    apply_profile_root,
    extension_documentation,
    merge_element,
    merge_slicing,
)

BASE: dict[str, Any] = {
    "path": "Observation.code",
    "short": "Type of observation",
    "definition": "Describes what was observed.",
    "min": 1,
    "max": "1",
    "type": [{"code": "CodeableConcept"}],
    "binding": {"strength": "example", "valueSet": "http://hl7.org/fhir/ValueSet/observation-codes"},
    "constraint": [{"key": "ele-1", "severity": "error", "human": "All FHIR elements must have a @value or children",
                    "expression": "hasValue() or (children().count() > id.count())"}],
    "alias": ["Name"],
    "isModifier": False,
    "isSummary": True,
}
PROFILE = "http://example.org/fhir/StructureDefinition/p"
SOURCE = "http://hl7.org/fhir/StructureDefinition/Observation"


def merge(diff: dict[str, Any], current: dict[str, Any] | None = None, *, is_slice: bool = False,
          is_extension: bool = False) -> tuple[dict[str, Any], list[str]]:
    current = BASE if current is None else current
    return merge_element(current, diff, inherited=current, is_slice=is_slice, is_extension=is_extension,
                         profile_url=PROFILE, inherited_source=SOURCE)


def test_documentation_replaces_or_extends() -> None:
    out, problems = merge({"short": "Vital sign", "definition": "...Only vital signs.", "alias": ["Name", "VS"]})
    assert out["short"] == "Vital sign"
    assert out["definition"] == "Describes what was observed.\r\nOnly vital signs."
    assert out["alias"] == ["Name", "VS"] and problems == []


def test_cardinality_may_narrow_not_widen() -> None:
    assert merge({"min": 1, "max": "1"})[1] == []
    out, problems = merge({"min": 0, "max": "*"})
    assert (out["min"], out["max"]) == (0, "*")  # applied as written
    assert problems == ["min 0 is less than the base's min 1", "max * is more than the base's max 1"]
    assert merge({"min": 0}, is_slice=True)[1] == []  # a slice may be optional within a required element


def test_fixed_and_pattern_values_replace_their_own_kind() -> None:
    current = dict(BASE, fixedString="a", patternCodeableConcept={"text": "x"})
    out, _ = merge({"fixedCode": "b"}, current)
    assert "fixedString" not in out and out["fixedCode"] == "b" and out["patternCodeableConcept"] == {"text": "x"}
    out, _ = merge({"minValueInteger": 1, "maxLength": 5}, out)
    assert (out["minValueInteger"], out["maxLength"]) == (1, 5)


def test_constraints_accumulate_and_name_their_source() -> None:
    out, _ = merge({"constraint": [{"key": "p-1", "severity": "error", "human": "h", "expression": "true"}]})
    assert [(c["key"], c["source"]) for c in out["constraint"]] == [("ele-1", SOURCE), ("p-1", PROFILE)]
    out, _ = merge({"constraint": [{"key": "p-1", "severity": "warning", "human": "h2", "expression": "false",
                                    "source": "http://elsewhere"}]}, out)
    assert [(c["key"], c["severity"], c["source"]) for c in out["constraint"]] == [
        ("ele-1", "error", SOURCE), ("p-1", "warning", "http://elsewhere")]


def test_bindings() -> None:
    out, problems = merge({"binding": {"strength": "required", "valueSet": "http://example.org/vs"}})
    assert out["binding"] == {"strength": "required", "valueSet": "http://example.org/vs"} and problems == []
    loosened, problems = merge({"binding": {"strength": "preferred"}}, out)
    assert loosened["binding"] == {"strength": "preferred", "valueSet": "http://example.org/vs"}  # the rest is kept
    assert problems == ["the required binding cannot be loosened to preferred"]
    # a binding means nothing once the type cannot carry a code
    out, _ = merge({"type": [{"code": "Reference"}]})
    assert "binding" not in out


def test_types_must_come_from_the_base() -> None:
    out, problems = merge({"type": [{"code": "CodeableConcept", "profile": ["http://example.org/cc"]}]})
    assert out["type"] == [{"code": "CodeableConcept", "profile": ["http://example.org/cc"]}] and problems == []
    _, problems = merge({"type": [{"code": "Quantity"}]})
    assert problems == ["type Quantity is not one of the base's types (CodeableConcept)"]


def test_a_primitive_type_may_be_narrowed_to_its_specialisation() -> None:
    """R4 datatypes.html: id, code and markdown are strings; Resource.id is declared a string, profiles say id."""
    string = {"path": "Patient.id", "min": 0, "max": "1", "type": [{"code": "string"}]}
    out, problems = merge_element(string, {"type": [{"code": "id"}]}, inherited=string, is_slice=False,
                                  is_extension=False, profile_url="http://example.org/p", inherited_source="")
    assert problems == [] and out["type"] == [{"code": "id"}]
    _, problems = merge_element(string, {"type": [{"code": "uri"}]}, inherited=string, is_slice=False,
                                is_extension=False, profile_url="http://example.org/p", inherited_source="")
    assert problems == ["type uri is not one of the base's types (string)"]


def test_modifier_and_summary_flags() -> None:
    out, problems = merge({"isModifier": True, "isSummary": False})
    assert (out["isModifier"], out["isSummary"]) == (False, True)
    assert problems == ["isModifier cannot be changed by a profile (base: False)",
                        "isSummary cannot be changed by a profile (base: True)"]
    out, problems = merge({"isModifier": True, "isModifierReason": "r"}, is_extension=True)
    assert (out["isModifier"], out["isModifierReason"], problems) == (True, "r", [])


def test_slicing_refinement() -> None:
    base = {"discriminator": [{"type": "value", "path": "url"}], "rules": "open"}
    assert merge_slicing(base, {"discriminator": [{"type": "value", "path": "url"},
                                                  {"type": "exists", "path": "value"}], "rules": "closed",
                                "ordered": True}) == {
        "discriminator": [{"type": "value", "path": "url"}, {"type": "exists", "path": "value"}],
        "rules": "closed", "ordered": True}
    assert merge_slicing(None, base) == base and merge_slicing(None, base) is not base


def test_extension_documentation_and_the_profile_root() -> None:
    plain = extension_documentation(dict(BASE, comment="c", requirements="r"))
    assert (plain["short"], plain["definition"]) == ("Extension", "An Extension")
    assert not {"comment", "requirements", "alias"} & plain.keys()
    root = {"short": "Ethnic category", "definition": "The ethnicity.", "isModifier": False, "condition": ["ele-1"],
            "constraint": [{"key": "ele-1"}, {"key": "ext-1", "source": "E"}], "min": 0, "max": "1"}
    used = apply_profile_root(dict(plain, min=0, max="*"), root, SOURCE)
    assert (used["short"], used["definition"], used["condition"]) == ("Ethnic category", "The ethnicity.", ["ele-1"])
    assert [c["key"] for c in used["constraint"]] == ["ele-1", "ext-1"]
    assert (used["min"], used["max"]) == (0, "1")  # the root narrows: the higher min, the lower max
    narrower = apply_profile_root(dict(plain, min=1, max="0"), dict(root, max="*"), SOURCE)
    assert (narrower["min"], narrower["max"]) == (1, "0")


def test_inputs_are_not_changed() -> None:
    current = copy.deepcopy(BASE)
    diff = {"min": 1, "constraint": [{"key": "p-1", "severity": "error", "human": "h", "expression": "true"}],
            "binding": {"strength": "required"}, "slicing": {"rules": "closed"}, "alias": ["A"]}
    before = copy.deepcopy(diff)
    merge(diff, current)
    assert current == BASE and diff == before
