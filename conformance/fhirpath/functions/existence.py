"""Existence functions: empty, exists, all, allTrue/anyTrue/allFalse/anyFalse, subsetOf,
supersetOf, count, distinct, isDistinct."""

from __future__ import annotations

from typing import Any

from conformance.fhir.tree import Node
from conformance.fhirpath.context import Env
from conformance.fhirpath.errors import FhirPathError
from conformance.fhirpath.functions.registry import function
from conformance.fhirpath.logic import FALSE, TRUE, as_boolean, distinct, keys
from conformance.fhirpath.values import system_value


@function("empty")
def empty(items: list[Any], env: Env) -> list[Any]:
    return FALSE if items else TRUE


@function("exists", 0, 1, kind="lazy")
def exists(items: list[Any], env: Env, outer: list[Any], criteria: Any = None) -> list[Any]:
    if criteria is None:
        return TRUE if items else FALSE
    saved = env.index
    try:
        for i, item in enumerate(items):
            env.index = i
            if as_boolean(criteria([item], env), env, "exists()") is True:
                return TRUE
    finally:
        env.index = saved
    return FALSE


@function("all", 1, kind="lazy")
def all_(items: list[Any], env: Env, outer: list[Any], criteria: Any) -> list[Any]:
    saved = env.index
    try:
        for i, item in enumerate(items):
            env.index = i
            if as_boolean(criteria([item], env), env, "all()") is not True:
                return FALSE
    finally:
        env.index = saved
    return TRUE


def _booleans(items: list[Any], env: Env, name: str) -> list[bool]:
    out: list[bool] = []
    for item in items:
        v = system_value(item, env) if type(item) is Node else item
        if v is not True and v is not False:
            raise FhirPathError(f"{name} expects Booleans, got {v!r}")
        out.append(v)
    return out


@function("allTrue")
def all_true(items: list[Any], env: Env) -> list[Any]:
    return TRUE if all(_booleans(items, env, "allTrue()")) else FALSE


@function("anyTrue")
def any_true(items: list[Any], env: Env) -> list[Any]:
    return TRUE if any(_booleans(items, env, "anyTrue()")) else FALSE


@function("allFalse")
def all_false(items: list[Any], env: Env) -> list[Any]:
    return TRUE if not any(_booleans(items, env, "allFalse()")) else FALSE


@function("anyFalse")
def any_false(items: list[Any], env: Env) -> list[Any]:
    return TRUE if not all(_booleans(items, env, "anyFalse()")) else FALSE


@function("subsetOf", 1)
def subset_of(items: list[Any], env: Env, other: list[Any]) -> list[Any]:
    return TRUE if keys(items, env) <= keys(other, env) else FALSE


@function("supersetOf", 1)
def superset_of(items: list[Any], env: Env, other: list[Any]) -> list[Any]:
    return TRUE if keys(items, env) >= keys(other, env) else FALSE


@function("count")
def count(items: list[Any], env: Env) -> list[Any]:
    return [len(items)]


@function("distinct")
def distinct_(items: list[Any], env: Env) -> list[Any]:
    return distinct(items, env)


@function("isDistinct")
def is_distinct(items: list[Any], env: Env) -> list[Any]:
    return TRUE if len(keys(items, env)) == len(items) else FALSE
