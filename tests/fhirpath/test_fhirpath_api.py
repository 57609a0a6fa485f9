"""The public API the validator and the CLI use: compile/evaluate, contexts, hooks, results."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from conformance.fhir.json_reader import read_json
from conformance.fhir.tree import Node
from conformance.fhirpath import (
    EvaluationContext,
    FhirPathDate,
    FhirPathDateTime,
    FhirPathError,
    FhirPathQuantity,
    FhirPathSyntaxError,
    compile,
    default_model,
    evaluate,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "fhirpath"

pytestmark = pytest.mark.core


def load(name: str) -> Node:
    root = read_json((FIXTURES / name).read_bytes()).root
    assert root is not None
    return root


class Terminology:
    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    def member_of(self, item: Any, valueset: str) -> bool | None:
        code = item.child("code").value if isinstance(item, Node) else str(item)
        self.asked.append((code, valueset))
        return {"vital-signs": True, "laboratory": False}.get(code)


class Profiles:
    def conforms_to(self, item: Node, profile: str) -> bool | None:
        if profile == "http://example.org/bad":
            raise FhirPathError("unknown profile http://example.org/bad")
        return profile.endswith("/UKCore-Patient")


class Server:
    def resolve(self, reference: str, source: Node) -> Node | None:
        doc = read_json(json.dumps({"resourceType": "Organization", "id": reference.split("/")[-1], "name": "Remote"}))
        return doc.root


def test_results_are_nodes_or_python_values() -> None:
    patient = load("patient.json")
    result = evaluate("birthDate | birthDate.toString() | multipleBirth + 0.5 | birthDate + 1 day | 2 'kg' | true",
                      patient)
    assert isinstance(result[0], Node) and result[0].location == "Patient.birthDate"
    assert result[1:3] == ["1985-03-12", Decimal("1.5")]
    assert isinstance(result[3], FhirPathDate) and str(result[3]) == "1985-03-13"
    assert isinstance(result[4], FhirPathQuantity) and result[5] is True


def test_the_focus_may_be_a_list_or_nothing() -> None:
    patient = load("patient.json")
    names = compile("name").evaluate(patient, context=EvaluationContext())
    assert compile("given").evaluate(names, context=EvaluationContext()) != []
    assert compile("$this.count()").evaluate(names, context=EvaluationContext()) == [2]
    assert compile("1 + 1").evaluate(None, context=EvaluationContext()) == [2]


def test_errors_are_fhirpath_errors() -> None:
    assert issubclass(FhirPathSyntaxError, FhirPathError)
    with pytest.raises(FhirPathError, match="single"):
        evaluate("name.single()", load("patient.json"))


def test_now_is_fixed_by_the_context() -> None:
    moment = datetime(2030, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    ctx = EvaluationContext(now=moment)
    (now,) = compile("now()").evaluate(None, context=ctx)
    assert isinstance(now, FhirPathDateTime) and str(now) == "2030-01-02T03:04:05.678Z"
    assert [str(v) for v in compile("today()").evaluate(None, context=ctx)] == ["2030-01-02"]


def test_member_of_goes_through_the_terminology_hook() -> None:
    obs = load("observation.json")
    hook = Terminology()
    ctx = EvaluationContext(terminology=hook)
    expr = compile("category.coding.first().memberOf('http://hl7.org/fhir/ValueSet/observation-category')")
    assert expr.evaluate(obs, context=ctx) == [True]
    assert hook.asked == [("vital-signs", "http://hl7.org/fhir/ValueSet/observation-category")]
    assert compile("'laboratory'.memberOf('x')").evaluate(obs, context=ctx) == [False]
    assert compile("'other'.memberOf('x')").evaluate(obs, context=ctx) == []
    assert expr.evaluate(obs, context=EvaluationContext()) == []  # no hook: unknown


def test_conforms_to_goes_through_the_conformance_hook() -> None:
    patient = load("patient.json")
    ctx = EvaluationContext(conformance=Profiles())
    url = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"
    assert compile(f"conformsTo('{url}')").evaluate(patient, context=ctx) == [True]
    assert compile("conformsTo('http://example.org/other')").evaluate(patient, context=ctx) == [False]
    with pytest.raises(FhirPathError, match="unknown profile"):
        compile("conformsTo('http://example.org/bad')").evaluate(patient, context=ctx)


def test_resolve_falls_back_to_the_resolver_hook() -> None:
    patient = load("patient.json")
    expr = compile("managingOrganization.resolve().name")
    assert expr.evaluate(patient, context=EvaluationContext()) == []
    (name,) = expr.evaluate(patient, context=EvaluationContext(resolver=Server()))
    assert name.value == "Remote"


def test_trace_goes_to_the_sink() -> None:
    seen: list[tuple[str, list[Any]]] = []
    ctx = EvaluationContext(trace=lambda name, items: seen.append((name, items)))
    result = compile("name.trace('names', given).count()").evaluate(load("patient.json"), context=ctx)
    assert result == [2]
    assert [(n, [i.value for i in items]) for n, items in seen] == [("names", ["Jane", "Alice", "Jane"])]


def test_resource_variables_default_from_the_focus() -> None:
    patient = load("patient-contained.json")
    gp = compile("contained[0]").evaluate(patient, context=EvaluationContext())[0]
    ctx = EvaluationContext()
    assert [n.location for n in compile("%resource.combine(%rootResource).combine(%context)").evaluate(gp, context=ctx)] == [
        "Patient.contained[0]", "Patient", "Patient.contained[0]"]
    explicit = EvaluationContext(resource=patient, root_resource=patient)
    assert [n.location for n in compile("%resource").evaluate(gp, context=explicit)] == ["Patient"]


def test_a_context_is_reusable_across_expressions_and_models() -> None:
    patient = load("patient.json")
    ctx = EvaluationContext(model=default_model())
    for text in ("birthDate > @1980", "name.given.count()", "deceased is boolean"):
        compile(text).evaluate(patient, context=ctx)
    assert compile("birthDate > @1980").evaluate(patient, context=ctx) == [True]
    assert len(ctx._types) > 0  # node types were cached for the next expression


def test_the_static_check_can_require_a_name_of_only_one_possible_type() -> None:
    """`any_type` (what the definition checks use): a name on a choice is a problem only when none of its types
    has it, as FHIRPath evaluates it; without it the strict check stops at the first type that lacks it."""
    from conformance.fhirpath.parser import parse
    from conformance.fhirpath.semantic import check

    model = default_model()
    assert check(parse("Observation.value.code"), "Observation", model, any_type=True) == []
    assert check(parse("Observation.value.code"), "Observation", model) != []
    found = check(parse("Observation.value.foo"), "Observation", model, any_type=True)
    assert len(found) == 1 and found[0].startswith("'foo' is not an element of CodeableConcept or Period")
    assert check(parse("Procedure.occurrence"), "Procedure", model, any_type=True) == [
        "'occurrence' is not an element of Procedure"]
