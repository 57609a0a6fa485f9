"""The static guard that lets invariants about absent elements skip evaluation — sound, or no guard."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from conformance.fhir.tree import Node
from conformance.fhirpath import compile
from conformance.validation.invariant_guard import (
    absent,
    first_steps,
    name_keys,
    presence_terms,
    presence_verdict,
    present_names,
)


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


@pytest.mark.parametrize(("expression", "terms"), [
    ("code.empty() or system.exists()", ((("code", False, True), ("system", True, False)), True)),  # qty-3
    ("low.exists() or high.exists() or text.exists()",
     ((("low", True, False), ("high", True, False), ("text", True, False)), True)),
    ("value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()",
     ((("value", False, True), ("component", None, True)), True)),  # obs-7: a longer path from `component`
    ("dataAbsentReason.empty() or value.empty()", ((("dataAbsentReason", False, True), ("value", False, True)), True)),
    ("code.exists()", ((("code", True, False),), True)),
    ("name.given.exists() or code.exists()", ((("name.given", True, False), ("code", True, False)), True)),
    ("text.`div`.exists()", ((("text.div", True, False),), True)),  # dom-6: element names only, followed
    ("name.where(use = 'official').exists() or code.exists()", ((("name", None, False), ("code", True, False)), True)),
    ("code.exists() or abstract = true", ((("code", True, False),), False)),  # the rest is the engine's
    ("code.exists() and system.exists()", None),  # `and`: not decided by one term
    ("%resource.code.exists() or code.exists()", None),  # the first operand is not a presence term
    ("valueQuantity.exists() or code.exists()", None),  # a concrete choice name is the engine's to judge
    ("Patient.exists() or code.exists()", None),  # a type name filters the focus
    ("code.count() = 1 or system.exists()", None),
    ("name.count().empty() or code.exists()", None),  # count() of nothing is 0, not empty
])
def test_presence_terms(expression: str, terms: Any) -> None:
    assert presence_terms(compile(expression).tree) == terms


def test_a_choice_typed_child_leaves_the_term_to_the_engine() -> None:
    observation = Node("Observation")
    observation.add(Node("valueQuantity"))
    terms = ((("dataAbsentReason", False, True), ("value", False, True)), True)
    assert presence_verdict(*terms, present_names(observation.children)) is True  # dataAbsentReason is absent: decided
    assert presence_verdict((("value", False, True),), True, present_names(observation.children)) is None  # `value` as valueQuantity


def test_an_undecided_leading_term_of_a_longer_expression_is_not_a_verdict() -> None:
    node = Node("Observation")
    node.add(Node("value"))
    assert presence_verdict((("value", False, True),), False, present_names(node.children)) is None  # the rest may still hold
    assert presence_verdict((("value", False, True),), True, present_names(node.children)) is False
    assert presence_verdict((("value", None, True),), True, present_names(node.children)) is None  # a longer path from it


def _core_constraints() -> list[str]:
    from tests.conftest import core_package_dir

    folder = core_package_dir()
    assert folder is not None
    found: set[str] = set()
    for path in sorted(folder.glob("StructureDefinition-*.json")):
        sd = json.loads(path.read_text(encoding="utf-8"))
        for element in (sd.get("snapshot") or {}).get("element") or ():
            for constraint in element.get("constraint") or ():
                expression = constraint.get("expression")
                if isinstance(expression, str) and presence_terms(compile(expression).tree) is not None:
                    found.add(expression)
    return sorted(found)


@pytest.mark.core
def test_the_presence_verdict_agrees_with_the_engine_on_every_r4_invariant_of_its_shape() -> None:
    """Each R4 invariant that starts with presence terms (qty-3, cpt-2, obs-6, obs-3, dom-6 ... — 80 or so),
    on a focus with every combination of its names present, absent or present as a choice's typed name (and, for
    a path of names such as dom-6's `text.div`, its first element without the rest): wherever the terms
    decide, the engine gives the same single boolean."""
    from conformance.fhirpath import EvaluationContext

    expressions = _core_constraints()
    assert len(expressions) >= 40  # (the R4 core has many: a smaller count means the analysis broke)
    decided = 0
    for expression in expressions:
        terms, complete = presence_terms(compile(expression).tree)  # type: ignore[misc]
        names = sorted({term[0] for term in terms})
        for states in itertools.product(("absent", "present", "typed", "stub"), repeat=len(names)):
            focus = Node("Element")
            for name, state in zip(names, states, strict=True):
                *outer, last = name.split(".")
                parent = focus
                if outer and state != "absent":
                    for step in outer:  # (the first element, and the elements on the way, each once)
                        existing = next((c for c in parent.children if c.name == step), None)
                        parent = existing if existing is not None else parent.add(Node(step))
                if state == "present":
                    parent.add(Node(last, "x", "string"))
                elif state == "typed":
                    parent.add(Node(last + "String", "x", "string"))
                elif state == "stub" and not outer:
                    parent.add(Node(last))  # (present, with nothing in it)
            verdict = presence_verdict(terms, complete, present_names(focus.children), focus.children)
            if verdict is None:
                continue
            decided += 1
            result = compile(expression).evaluate(focus, context=EvaluationContext(enforce_as_singleton=False))
            assert result == [verdict], (expression, states)
    assert decided > 100
