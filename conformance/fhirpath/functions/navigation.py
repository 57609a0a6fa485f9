"""Tree navigation: children() and descendants()."""

from __future__ import annotations

from typing import Any

from conformance.fhir.tree import Node
from conformance.fhirpath.context import Env
from conformance.fhirpath.functions.registry import function


@function("children")
def children(items: list[Any], env: Env) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if type(item) is Node and item.children:
            out.extend(item.children)
    return out


@function("descendants")
def descendants(items: list[Any], env: Env) -> list[Any]:
    """Every descendant, level by level (the order of repeat(children()))."""
    out: list[Any] = []
    frontier = [i for i in items if type(i) is Node]
    while frontier:
        nxt: list[Node] = []
        for node in frontier:
            if node.children:
                nxt.extend(node.children)
        out.extend(nxt)
        frontier = nxt
    return out
