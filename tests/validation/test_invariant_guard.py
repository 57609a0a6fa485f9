"""The static guard that lets invariants about absent elements skip evaluation — sound, or no guard."""

from __future__ import annotations

import pytest

from conformance.fhir.tree import Node
from conformance.fhirpath import compile
from conformance.validation.invariant_guard import absent, first_steps, name_keys, present_names


@pytest.mark.parametrize(("expression", "steps"), [
    ("contained.contained.empty()", {"contained"}),
    ("dataAbsentReason.empty() or value.empty()", None),  # `value` may be a primitive's own value
    ("low.empty() or high.empty() or (low <= high)", {"low", "high"}),
    ("contained.where((('#'+id in %resource.descendants().reference)).not()).empty()", {"contained"}),
    ("reference.startsWith('#').not() or (reference.substring(1) in %rootResource.contained.id)", None),
    ("hasValue() or (children().count() > id.count())", None),  # a function on the focus reads everything
    ("name.exists() or %resource.id.exists()", None),
    ("$this.code.exists()", None),
    ("Patient.name.exists()", None),  # a type name as first step
    ("code.empty() or system.exists()", {"code", "system"}),
    ("name.given.union(telecom.value).exists()", {"name", "telecom"}),  # union's argument reads from the focus
])
def test_first_steps(expression: str, steps: set[str] | None) -> None:
    found = first_steps(compile(expression).tree)
    assert found == (frozenset(steps) if steps is not None else None)


def test_absent_counts_choice_names_as_their_element() -> None:
    assert absent(frozenset({"value"}), {"code", "system"})
    assert not absent(frozenset({"value"}), {"valueQuantity"})
    assert not absent(frozenset({"low"}), {"low"})
    assert absent(frozenset({"low"}), {"lowest"})  # `lowest` is not a choice of `low` (no capital after it)


def test_name_keys_are_the_name_and_its_choice_prefixes() -> None:
    assert name_keys("valueQuantity") == ("valueQuantity", "value")
    assert name_keys("dataAbsentReason") == ("dataAbsentReason", "data", "dataAbsent")
    assert name_keys("lowest") == ("lowest",)


@pytest.mark.parametrize("guard", [{"value"}, {"low"}, {"low", "high"}, {"data"}, {"code", "system"}, {"valueQuantity"}])
@pytest.mark.parametrize("children", [[], ["code", "system"], ["valueQuantity"], ["lowest"], ["low", "id"],
                                      ["dataAbsentReason"], ["valueCodeableConcept", "high"]])
def test_present_names_give_the_same_answer_as_absent(guard: set[str], children: list[str]) -> None:
    parent = Node("Observation")
    for name in children:
        parent.add(Node(name))
    assert frozenset(guard).isdisjoint(present_names(parent.children)) is absent(frozenset(guard), set(children))
