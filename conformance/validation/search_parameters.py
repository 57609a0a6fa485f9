"""Search parameter rules the R4 definitions state in prose (SearchParameter, CapabilityStatement).

R4 SearchParameter.derivedFrom: "If a derivedFrom is provided, then the details in the search
parameter must be consistent with the definition from which it is defined. i.e. the parameter
should have the same meaning, and (usually) the functionality should be a proper subset of the
underlying search parameter." Checked where the parent can be found: the same `type`, and a
`base` within the parent's (a parent on Resource or DomainResource covers every type). A
CapabilityStatement's search parameter that names its definition has the definition's type.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.fhir.tree import Node
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
