"""Collection rules shared by operators and functions: singleton evaluation and de-duplication."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from conformance.fhir.tree import Node
from conformance.fhirpath.errors import FhirPathError
from conformance.fhirpath.values import NO_VALUE, item_key, system_value

if TYPE_CHECKING:
    from conformance.fhirpath.context import Env

TRUE: list[Any] = [True]
FALSE: list[Any] = [False]
EMPTY: list[Any] = []


def as_boolean(coll: list[Any], env: Env, what: str) -> bool | None:
    """Singleton evaluation as a Boolean: empty → None; one Boolean → it; one other item → True
    (an error in strict mode); several items → error."""
    n = len(coll)
    if n == 0:
        return None
    if n > 1:
        raise FhirPathError(f"{what} expects a single boolean, got a collection of {n} items")
    item = coll[0]
    if item is True or item is False:
        return item
    if type(item) is Node and item.value is not None:
        v = system_value(item, env)
        if v is True or v is False:
            return v
    elif type(item) is Node and system_value(item, env) is NO_VALUE:
        return None
    if env.ctx.strict:
        raise FhirPathError(f"{what} expects a boolean, got {item!r}")
    return True


def result(value: bool | None) -> list[Any]:
    return EMPTY if value is None else TRUE if value else FALSE


def distinct(items: list[Any], env: Env) -> list[Any]:
    seen: set[Any] = set()
    out: list[Any] = []
    for item in items:
        k = item_key(item, env)
        if k not in seen:
            seen.add(k)
            out.append(item)
    return out


def keys(items: list[Any], env: Env) -> set[Any]:
    return {item_key(i, env) for i in items}
