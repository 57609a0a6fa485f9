"""Navigation that does not grow with a node's size: indexed member steps and focus-free paths
(`%resource.type`) evaluated once per evaluation. Behaviour only; no timings."""

from __future__ import annotations

import json

from conformance.fhir.json_reader import read_json
from conformance.fhir.tree import INDEX_THRESHOLD, Node
from conformance.fhirpath import EvaluationContext, compile
from conformance.fhirpath.compiler import _from_variable
from conformance.fhirpath.parser import parse

BDL_3 = ("entry.all(request.exists() = (%resource.type = 'batch' or %resource.type = 'transaction' "
         "or %resource.type = 'history'))")


def _bundle(kind: str, entries: int, with_request: bool) -> Node:
    entry: dict[str, object] = {"resource": {"resourceType": "Basic", "id": "b"}}
    if with_request:
        entry["request"] = {"method": "POST", "url": "Basic"}
    doc = {"resourceType": "Bundle", "type": kind, "entry": [entry] * entries}
    root = read_json(json.dumps(doc)).root
    assert root is not None
    return root


def test_bdl_3_over_a_large_bundle() -> None:
    expr = compile(BDL_3)
    n = INDEX_THRESHOLD * 4
    assert expr.evaluate(_bundle("transaction", n, True), context=EvaluationContext()) == [True]
    assert expr.evaluate(_bundle("collection", n, False), context=EvaluationContext()) == [True]
    assert expr.evaluate(_bundle("collection", n, True), context=EvaluationContext()) == [False]


def test_a_focus_free_path_is_computed_once_per_evaluation_not_once_per_item() -> None:
    root = _bundle("collection", INDEX_THRESHOLD * 2, False)
    first, second = _bundle("batch", 3, True), root
    expr = compile("entry.select(%resource.type)")
    assert [n.value for n in expr.evaluate(root, context=EvaluationContext())] == ["collection"] * (INDEX_THRESHOLD * 2)
    # a new evaluation sees its own %resource, not the previous one's
    assert [n.value for n in expr.evaluate(first, context=EvaluationContext())] == ["batch"] * 3
    assert [n.value for n in expr.evaluate(second, context=EvaluationContext())][:1] == ["collection"]


def test_only_paths_from_a_variable_through_names_are_focus_free() -> None:
    assert _from_variable(parse("%resource.type"))
    assert _from_variable(parse("%rootResource.entry.resource"))
    assert not _from_variable(parse("type"))
    assert not _from_variable(parse("%resource.entry.first().resource"))
    assert not _from_variable(parse("$this.type"))


def test_choice_elements_are_found_on_a_large_node_in_document_order() -> None:
    node = Node("Observation", resource_type="Observation")
    for i in range(INDEX_THRESHOLD + 2):
        node.add(Node("note", index=i, repeating=True))
    node.add(Node("valueString", "x", "string"))
    found = compile("value").evaluate(node, context=EvaluationContext())
    assert [n.name for n in found] == ["valueString"]
