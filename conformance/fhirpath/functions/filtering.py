"""Filtering and projection: where, select, repeat, ofType; and the boolean not()."""

from __future__ import annotations

from typing import Any

from conformance.fhir.tree import Node
from conformance.fhirpath.ast import TypeSpec
from conformance.fhirpath.context import Env
from conformance.fhirpath.errors import FhirPathError
from conformance.fhirpath.functions.registry import function
from conformance.fhirpath.logic import EMPTY, FALSE, TRUE, as_boolean
from conformance.fhirpath.typecheck import of_type
from conformance.fhirpath.values import item_key

MAX_REPEAT = 100_000


@function("where", 1, kind="lazy")
def where(items: list[Any], env: Env, outer: list[Any], criteria: Any) -> list[Any]:
    out: list[Any] = []
    saved = env.index
    try:
        for i, item in enumerate(items):
            env.index = i
            if as_boolean(criteria([item], env), env, "where()") is True:
                out.append(item)
    finally:
        env.index = saved
    return out


@function("select", 1, kind="lazy")
def select(items: list[Any], env: Env, outer: list[Any], projection: Any) -> list[Any]:
    out: list[Any] = []
    saved = env.index
    try:
        for i, item in enumerate(items):
            env.index = i
            out.extend(projection([item], env))
    finally:
        env.index = saved
    return out


@function("repeat", 1, kind="lazy")
def repeat(items: list[Any], env: Env, outer: list[Any], projection: Any) -> list[Any]:
    """Apply the projection to the input, then to its results, until nothing new appears.

    Elements are new when they are different nodes; computed values when no equal value was
    seen (so `repeat('x')` stops)."""
    out: list[Any] = []
    seen_nodes: set[int] = set()
    seen_values: set[Any] = set()
    frontier = items
    saved = env.index
    try:
        while frontier:
            nxt: list[Any] = []
            for i, item in enumerate(frontier):
                env.index = i
                for r in projection([item], env):
                    if type(r) is Node:
                        if id(r) in seen_nodes:
                            continue
                        seen_nodes.add(id(r))
                    else:
                        k = item_key(r, env)
                        if k in seen_values:
                            continue
                        seen_values.add(k)
                    out.append(r)
                    nxt.append(r)
            if len(out) > MAX_REPEAT:
                raise FhirPathError(f"repeat() produced more than {MAX_REPEAT} items; it does not converge")
            frontier = nxt
    finally:
        env.index = saved
    return out


@function("ofType", 1, kind="type")
def of_type_(items: list[Any], env: Env, spec: TypeSpec) -> list[Any]:
    return of_type(items, spec, env)


@function("not")
def not_(items: list[Any], env: Env) -> list[Any]:
    v = as_boolean(items, env, "not()")
    return EMPTY if v is None else FALSE if v else TRUE
