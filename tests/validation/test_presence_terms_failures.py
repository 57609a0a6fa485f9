"""Invariants decided by presence alone must give what the engine gives, failures included: a term the engine
would evaluate before the deciding one, or a function that fails on an empty input, is left to the engine
(else `invariant.not-evaluated` became a pass, or an `invariant.failed`)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from conformance.fhir.json_reader import read_json
from conformance.fhir.tree import Node
from conformance.fhirpath import FhirPathError, compile
from conformance.validation.invariant_guard import presence_terms, presence_verdict, present_names

# each fails in the engine on some focus, before or whatever the terms after it say
FAILING = [
    "name.single().exists() or gender.exists()",  # single() of two names
    "name.where(given).empty() or gender.exists()",  # where() criterion of two items
    "name.select(given.single()).exists() or gender.exists()",
    "contact.ofType(Foo).exists()",  # unknown type: an error on an empty input too
    "contact.ofType(Foo.Bar).empty()",  # unknown namespace
    "link.take('x').empty()",  # take()'s argument is evaluated whatever the input
    "link.skip(%nope).empty()",  # unknown variable
    "photo.take(name.count() | 3).empty()",  # two items
]


@pytest.mark.parametrize(("expression", "terms"), [
    ("contact.ofType(Foo).exists()", None),
    ("link.take('x').empty() or gender.exists()", None),
    ("link.skip(1).empty()", None),
    ("name.where(given).empty() or gender.exists()", ((("name", None, True), ("gender", True, False)), True)),
])
def test_functions_that_can_fail_on_nothing_are_not_presence_terms(expression: str, terms: Any) -> None:
    assert presence_terms(compile(expression).tree) == terms


def test_a_present_longer_path_before_the_deciding_term_leaves_the_verdict_to_the_engine() -> None:
    terms = (("name", None, True), ("gender", True, False))
    focus = Node("Patient")
    focus.add(Node("name"))
    focus.add(Node("gender", "male", "string"))
    assert presence_verdict(terms, True, present_names(focus.children)) is None  # `name...` may fail first
    absent_name = Node("Patient")
    absent_name.add(Node("gender", "male", "string"))
    assert presence_verdict(terms, True, present_names(absent_name.children)) is True  # nothing to evaluate first
    typed = Node("Observation")
    typed.add(Node("valueQuantity"))
    typed.add(Node("code"))
    # a plain step to a choice's typed name cannot fail: a later term still decides
    assert presence_verdict((("value", False, True), ("code", True, False)), True, present_names(typed.children)) is True


@pytest.mark.core
@pytest.mark.parametrize("expression", FAILING)
def test_where_the_terms_decide_the_engine_gives_the_same_without_failing(expression: str) -> None:
    from conformance.fhirpath import EvaluationContext, default_model

    found = presence_terms(compile(expression).tree)
    if found is None:
        return
    terms, complete = found
    names = sorted({term[0] for term in terms})
    for states in itertools.product(("absent", "one", "two"), repeat=len(names)):
        focus = Node("Patient", resource_type="Patient")
        for name, state in zip(names, states, strict=True):
            for _ in range({"absent": 0, "one": 1, "two": 2}[state]):
                child = Node(name)
                child.add(Node("given", "x", "string"))
                child.add(Node("given", "y", "string"))
                focus.add(child)
        verdict = presence_verdict(terms, complete, present_names(focus.children))
        if verdict is None:
            continue
        context = EvaluationContext(model=default_model(), enforce_as_singleton=False)
        try:
            result = compile(expression).evaluate(focus, context=context)
        except FhirPathError as exc:
            pytest.fail(f"{expression} on {states}: decided {verdict}, the engine fails: {exc}")
        assert result == [verdict], (expression, states)


def _profile(tmp_path: Path, constraints: list[tuple[str, str, str]]) -> Path:
    sd = {"resourceType": "StructureDefinition", "id": "p", "url": "http://example.org/StructureDefinition/p",
          "name": "P", "status": "active", "kind": "resource", "abstract": False, "type": "Patient",
          "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient", "derivation": "constraint",
          "differential": {"element": [{"id": "Patient", "path": "Patient", "constraint": [
              {"key": key, "severity": severity, "human": key, "expression": expression}
              for key, severity, expression in constraints]}]}}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(sd), encoding="utf-8")
    return path


@pytest.mark.core
def test_invariants_the_engine_cannot_evaluate_stay_not_evaluated(tmp_path: Path) -> None:
    from conformance.validation import create_validator

    keys = [f"t-{i}" for i in range(len(FAILING))]
    profile = _profile(tmp_path, [(key, "error", expression) for key, expression in zip(keys, FAILING, strict=True)])
    validator = create_validator(ig_specs=(str(profile),))
    patient = {"resourceType": "Patient", "id": "a", "meta": {"profile": ["http://example.org/StructureDefinition/p"]},
               "text": {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">x</div>'},
               "name": [{"family": "A", "given": ["x", "y"]}, {"family": "B"}], "gender": "male"}
    root = read_json(json.dumps(patient)).root
    assert root is not None
    issues = validator.validate(root)
    found = {i.message.split(" ", 1)[0].rstrip(":"): i.code for i in issues if i.code.startswith("invariant.")}
    assert found == dict.fromkeys(keys, "invariant.not-evaluated")
