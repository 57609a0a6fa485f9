"""Search parameter rules the R4 definitions state in prose (SearchParameter, CapabilityStatement).

R4 SearchParameter.derivedFrom: "If a derivedFrom is provided, then the details in the search
parameter must be consistent with the definition from which it is defined. i.e. the parameter
should have the same meaning, and (usually) the functionality should be a proper subset of the
underlying search parameter." Checked where the parent can be found: the same `type`, and a
`base` within the parent's (a parent on Resource or DomainResource covers every type). A
CapabilityStatement's search parameter that names its definition has the definition's type.

R4 SearchParameter.expression: "A FHIRPath expression that returns a set of elements for the search
parameter", evaluated on resources of the `base` types. An expression that is not FHIRPath is an error,
and so is a path that names no element: each union branch that starts with a resource type must start
with one of the bases and then name elements of it (a branch that starts otherwise must do so for one
of the bases). What the static check cannot follow (functions, resolve(), casts it does not know) is
not judged, and functions this engine does not implement are not held against the expression.

R4 SearchParameter.component is "Used to define the parts of a composite search parameter", and a
composite parameter is "a composite search parameter that combines a search on two values together"
(search.html#composite): a parameter of type composite without a component defines no parts, an error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.fhir.tree import Node
from conformance.fhirpath import ast
from conformance.fhirpath.errors import FhirPathSyntaxError
from conformance.fhirpath.model import ModelInfo
from conformance.fhirpath.parser import parse as parse_fhirpath
from conformance.fhirpath.semantic import check as semantic_check
from conformance.issues import Issue, make_issue

_EVERY_TYPE = frozenset({"Resource", "DomainResource"})


def check_derived_from(parameter: Node, resolve: Callable[[str], dict[str, Any] | None], issues: list[Issue]) -> None:
    derived = parameter.child("derivedFrom")
    if derived is None or not derived.value:
        return
    parent = resolve(derived.value)
    if not isinstance(parent, dict) or parent.get("resourceType") != "SearchParameter":
        return
    own_type = parameter.child("type")
    if own_type is not None and own_type.value and parent.get("type") and own_type.value != parent["type"]:
        issues.append(make_issue("searchparameter.derived-inconsistent", own_type, url=derived.value,
                                 detail=f"its type is {own_type.value}, the parent's {parent['type']}"))
    parent_base = {b for b in parent.get("base") or () if isinstance(b, str)}
    if not parent_base or parent_base & _EVERY_TYPE:
        return
    for base in parameter.children_named("base"):
        if base.value and base.value not in parent_base:
            issues.append(make_issue("searchparameter.derived-inconsistent", base, url=derived.value,
                                     detail=f"its base {base.value} is not a base of the parent "
                                            f"({', '.join(sorted(parent_base))})"))


def check_composite_components(parameter: Node, issues: list[Issue]) -> None:
    type_ = parameter.child("type")
    if type_ is not None and type_.value == "composite" and not parameter.children_named("component"):
        issues.append(make_issue("searchparameter.composite-without-components", type_))


def check_capability_search_params(statement: Node, resolve: Callable[[str], dict[str, Any] | None],
                                   issues: list[Issue]) -> None:
    """R4 CapabilityStatement.rest(.resource).searchParam.definition is "a formal reference to where
    this parameter was first defined, so that a client can be confident of the meaning of the search
    parameter": a parameter that names its SearchParameter has that definition's `type`."""
    for rest in statement.children_named("rest"):
        holders = [rest, *rest.children_named("resource")]
        for holder in holders:
            for param in holder.children_named("searchParam"):
                definition, own_type = param.child("definition"), param.child("type")
                if definition is None or not definition.value or own_type is None or not own_type.value:
                    continue
                found = resolve(definition.value)
                if not isinstance(found, dict) or found.get("resourceType") != "SearchParameter":
                    continue
                if found.get("type") and found["type"] != own_type.value:
                    issues.append(make_issue("capabilitystatement.searchparam-type", own_type, url=definition.value,
                                             type=own_type.value, defined=found["type"]))


def check_search_expression(parameter: Node, model: ModelInfo, issues: list[Issue]) -> None:
    expression = parameter.child("expression")
    if expression is None or not expression.value:
        return
    try:
        tree = parse_fhirpath(expression.value)
    except FhirPathSyntaxError as exc:
        issues.append(make_issue("searchparameter.expression-invalid", expression, detail=exc.message))
        return
    except Exception:  # noqa: BLE001 - what the parser cannot read for other reasons is not judged
        return
    bases = [b.value for b in parameter.children_named("base") if b.value]
    known = [b for b in bases if model.knows(b)]
    if not known:
        return
    for branch in _union_branches(tree):
        head = _head_name(branch)
        if head is not None and head in model.resource_types and head not in bases \
                and head not in ("Resource", "DomainResource"):
            issues.append(make_issue("searchparameter.expression-invalid", expression,
                                     detail=f"it starts with {head}, which is not a base of the parameter "
                                            f"({', '.join(bases)})"))
            continue
        targets = [head] if head is not None and head in known else known
        try:
            found = [semantic_check(branch, t, model, any_type=True) for t in targets]
        except Exception:  # noqa: BLE001 - the static check is a help, never a crash
            continue
        if found and all(found):
            issues.append(make_issue("searchparameter.expression-invalid", expression, detail=found[0][0]))


def _union_branches(tree: ast.Expr) -> list[ast.Expr]:
    if isinstance(tree, ast.Binary) and tree.op == "|":
        return _union_branches(tree.left) + _union_branches(tree.right)
    return [tree]


def _head_name(tree: ast.Expr) -> str | None:
    """The first name of a path (`Patient` in `Patient.name.where(...)`), or None."""
    node: ast.Expr = tree
    while True:
        if isinstance(node, ast.TypeOp):
            node = node.operand
        elif isinstance(node, (ast.Invoke, ast.Indexer)):
            node = node.target
        elif isinstance(node, ast.Member):
            return node.name
        else:
            return None
