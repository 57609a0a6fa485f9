"""Subsetting: single, first, last, tail, skip, take, intersect, exclude."""

from __future__ import annotations

from typing import Any

from conformance.fhirpath.context import Env
from conformance.fhirpath.errors import FhirPathError
from conformance.fhirpath.functions.registry import function
from conformance.fhirpath.logic import EMPTY, distinct, keys
from conformance.fhirpath.values import item_key, singleton_value


@function("single")
def single(items: list[Any], env: Env) -> list[Any]:
    if len(items) > 1:
        raise FhirPathError(f"single() expects at most one item, got {len(items)}")
    return items


@function("first")
def first(items: list[Any], env: Env) -> list[Any]:
    return items[:1]


@function("last")
def last(items: list[Any], env: Env) -> list[Any]:
    return items[-1:]


@function("tail")
def tail(items: list[Any], env: Env) -> list[Any]:
    return items[1:]


def _count(arg: list[Any], env: Env, name: str) -> int | None:
    n = singleton_value(arg, env, name)
    if n is None:
        return None
    if type(n) is not int:
        raise FhirPathError(f"{name} expects an Integer, got {n!r}")
    return n


@function("skip", 1)
def skip(items: list[Any], env: Env, num: list[Any]) -> list[Any]:
    n = _count(num, env, "skip()")
    if n is None:
        return EMPTY
    return items[max(n, 0):]


@function("take", 1)
def take(items: list[Any], env: Env, num: list[Any]) -> list[Any]:
    n = _count(num, env, "take()")
    if n is None or n <= 0:
        return EMPTY
    return items[:n]


@function("intersect", 1)
def intersect(items: list[Any], env: Env, other: list[Any]) -> list[Any]:
    wanted = keys(other, env)
    return distinct([i for i in items if item_key(i, env) in wanted], env)


@function("exclude", 1)
def exclude(items: list[Any], env: Env, other: list[Any]) -> list[Any]:
    unwanted = keys(other, env)
    return [i for i in items if item_key(i, env) not in unwanted]
