"""`is`, `as` and `ofType`: matching items against System and FHIR type names.

Unqualified names resolve to FHIR types first, then System types (`string` is FHIR.string,
`Integer` is System.Integer). A FHIR element never is a System type and vice versa. `is`
accepts subtypes (a `code` is a `string`, an Age is a Quantity); `as`/`ofType` match
primitive types exactly (the official suite requires `gender.as(string)` to be empty) and
complex types and resources by subtype (so `ofType(Resource)` finds every resource).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from conformance.fhir.tree import Node
from conformance.fhirpath.ast import TypeSpec
from conformance.fhirpath.errors import FhirPathError
from conformance.fhirpath.values import TypeInfo, system_type_name

if TYPE_CHECKING:
    from conformance.fhirpath.context import Env
    from conformance.fhirpath.model import ModelInfo

SYSTEM_TYPES = frozenset({"Boolean", "String", "Integer", "Long", "Decimal", "Date", "DateTime", "Time",
                          "Quantity", "Any"})


def check_type_name(spec: TypeSpec, env: Env) -> None:
    """Unknown type names are errors (when the model is loaded enough to know)."""
    ns, name = spec.namespace, spec.name
    if ns == "System":
        return
    if ns not in (None, "FHIR"):
        raise FhirPathError(f"unknown type namespace {ns} in {spec}")
    model = env.model
    if model.has_type(name) or (ns is None and name in SYSTEM_TYPES):
        return
    if model.has_type("Element"):
        raise FhirPathError(f"unknown type {spec}")


_VERDICTS: dict[tuple[int, str, str, bool], bool] = {}


def type_matches(model: ModelInfo, type_name: str, name: str, exact_primitives: bool) -> bool:
    """Whether FHIR type `type_name` is `name` or derives from it (memoised per model)."""
    if type_name == name:
        return True
    key = (id(model), type_name, name, exact_primitives)
    found = _VERDICTS.get(key)
    if found is None:
        if exact_primitives and model.is_primitive(type_name):
            found = False
        else:
            found = model.is_subtype(type_name, name)
        if len(_VERDICTS) > 50_000:
            _VERDICTS.clear()
        _VERDICTS[key] = found
    return found


def matches(item: Any, spec: TypeSpec, env: Env, exact_primitives: bool) -> bool:
    ns, name = spec.namespace, spec.name
    if type(item) is Node:
        if ns == "System":
            return False
        tn = env.type_name(item)
        return bool(tn) and type_matches(env.model, tn, name, exact_primitives)
    if ns == "FHIR":
        return False
    sys_name = system_type_name(item)
    if sys_name is None:
        return isinstance(item, TypeInfo) and name == "Any"
    if ns is None and env.model.has_type(name) and name not in SYSTEM_TYPES:
        return False
    return sys_name == name or name == "Any"


def is_type(items: list[Any], spec: TypeSpec, env: Env) -> list[Any]:
    check_type_name(spec, env)
    if not items:
        return []
    if len(items) > 1:
        raise FhirPathError(f"'is {spec}' expects a single item, got {len(items)}")
    return [matches(items[0], spec, env, exact_primitives=False)]


def as_type(items: list[Any], spec: TypeSpec, env: Env) -> list[Any]:
    check_type_name(spec, env)
    if len(items) > 1 and env.ctx.enforce_as_singleton:
        raise FhirPathError(f"'as {spec}' expects a single item, got {len(items)} (use ofType() to filter)")
    return _filter(items, spec, env)


def of_type(items: list[Any], spec: TypeSpec, env: Env) -> list[Any]:
    check_type_name(spec, env)
    return _filter(items, spec, env)


def _filter(items: list[Any], spec: TypeSpec, env: Env) -> list[Any]:
    """Items whose type is `spec` (primitives exactly), deciding once per distinct type."""
    out: list[Any] = []
    verdicts: dict[str, bool] = {}
    type_name = env.type_name
    for item in items:
        if type(item) is Node:
            tn = type_name(item)
            ok = verdicts.get(tn)
            if ok is None:
                ok = verdicts[tn] = spec.namespace != "System" and bool(tn) and type_matches(
                    env.model, tn, spec.name, exact_primitives=True)
            if ok:
                out.append(item)
        elif matches(item, spec, env, exact_primitives=True):
            out.append(item)
    return out
