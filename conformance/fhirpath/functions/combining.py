"""Combining: union (de-duplicating) and combine (keeping duplicates)."""

from __future__ import annotations

from typing import Any

from conformance.fhirpath.context import Env
from conformance.fhirpath.functions.registry import function
from conformance.fhirpath.logic import distinct


@function("union", 1)
def union(items: list[Any], env: Env, other: list[Any]) -> list[Any]:
    return distinct(items + other, env)


@function("combine", 1)
def combine(items: list[Any], env: Env, other: list[Any]) -> list[Any]:
    return items + other
