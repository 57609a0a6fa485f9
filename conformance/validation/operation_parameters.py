"""An OperationDefinition's parameter cardinalities (R4 OperationDefinition.parameter.min / max).

`parameter.min` is "The minimum number of times this parameter SHALL appear in the request or
response" and `parameter.max` "The maximum number of times this element is permitted to appear in
the request or response", a string because it is a count or `*`, as in ElementDefinition.max (whose
eld-3, "Max SHALL be a number or '*'", and eld-2, "Min <= Max", say what such a pair means; R4 gives
OperationDefinition no invariant of its own for it, the HL7 validator checks the same). A max that is
neither, or a min above the max, is an error (`operation.parameter-cardinality`). Parts
(`parameter.part`) are parameters too and are checked alike.
"""

from __future__ import annotations

import re

from conformance.fhir.tree import Node
from conformance.issues import Issue, make_issue

_NUMBER = re.compile(r"[0-9]+")  # ASCII digits only: str.isdigit() also takes '²' and other scripts' digits


def check_parameter_cardinality(holder: Node, issues: list[Issue]) -> None:
    """Each `parameter` of an OperationDefinition (or `part` of a parameter), recursively."""
    for parameter in holder.children_named("parameter") + holder.children_named("part"):
        _check(parameter, issues)
        check_parameter_cardinality(parameter, issues)


def _check(parameter: Node, issues: list[Issue]) -> None:
    name = parameter.child_value("name") or "(no name)"
    max_node = parameter.child("max")
    max_value = max_node.value if max_node is not None else None
    if max_node is None or max_value is None or max_value == "*":
        return
    if not _NUMBER.fullmatch(max_value):
        issues.append(make_issue("operation.parameter-cardinality", max_node, name=name,
                                 detail=f"max '{max_value}' is neither a number nor '*'"))
        return
    min_value = parameter.child_value("min")
    if min_value is not None and _NUMBER.fullmatch(min_value) and _above(min_value, max_value):
        issues.append(make_issue("operation.parameter-cardinality", parameter.child("min") or max_node, name=name,
                                 detail=f"min {min_value} is above max {max_value}"))


def _above(low: str, high: str) -> bool:
    """Is the number `low` above `high`? Compared as digit strings (no int(): a 5000-digit max is legal text
    but beyond Python's integer conversion limit)."""
    low, high = low.lstrip("0") or "0", high.lstrip("0") or "0"
    return (len(low), low) > (len(high), high)
