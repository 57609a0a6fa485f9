"""Aggregates: aggregate(), and sum/min/max/avg of FHIRPath 2.1."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from conformance.fhirpath.context import Env
from conformance.fhirpath.errors import FhirPathError
from conformance.fhirpath.functions.registry import function
from conformance.fhirpath.logic import EMPTY
from conformance.fhirpath.operators import add
from conformance.fhirpath.values import NO_VALUE, compare_values, system_value


@function("aggregate", 1, 2, kind="lazy")
def aggregate(items: list[Any], env: Env, outer: list[Any], aggregator: Any, init: Any = None) -> list[Any]:
    total: list[Any] = init(outer, env) if init is not None else []
    saved_index, saved_total = env.index, env.total
    try:
        for i, item in enumerate(items):
            env.index = i
            env.total = total
            total = aggregator([item], env)
    finally:
        env.index, env.total = saved_index, saved_total
    return total


def _values(items: list[Any], env: Env, name: str) -> list[Any]:
    out = []
    for item in items:
        v = system_value(item, env)
        if v is NO_VALUE:
            continue
        if type(v) is bool:
            raise FhirPathError(f"{name}() does not apply to Booleans")
        out.append(v)
    return out


@function("sum")
def sum_(items: list[Any], env: Env) -> list[Any]:
    values = _values(items, env, "sum")
    if not values:
        return [0]
    total = values[0]
    for v in values[1:]:
        total = add(total, v)
        if total is None:
            return EMPTY
    return [total]


def _extreme(items: list[Any], env: Env, name: str, sign: int) -> list[Any]:
    values = _values(items, env, name)
    if not values:
        return EMPTY
    best = values[0]
    for v in values[1:]:
        c = compare_values(v, best, env, name + "()")
        if c is None:
            return EMPTY
        if c * sign > 0:
            best = v
    return [best]


@function("min")
def min_(items: list[Any], env: Env) -> list[Any]:
    return _extreme(items, env, "min", -1)


@function("max")
def max_(items: list[Any], env: Env) -> list[Any]:
    return _extreme(items, env, "max", 1)


@function("avg")
def avg(items: list[Any], env: Env) -> list[Any]:
    values = _values(items, env, "avg")
    if not values:
        return EMPTY
    if not all(type(v) in (int, Decimal) for v in values):
        raise FhirPathError("avg() applies to numbers")
    return [sum(Decimal(v) for v in values) / len(values)]
