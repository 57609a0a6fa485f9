"""Conversion: iif and the to*/convertsTo* families (Boolean, Integer, Decimal, String, Date,
DateTime, Time, Quantity)."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from conformance.fhir.tree import Node
from conformance.fhirpath import ast
from conformance.fhirpath.context import Env
from conformance.fhirpath.errors import FhirPathError
from conformance.fhirpath.functions.registry import function
from conformance.fhirpath.logic import EMPTY, FALSE, TRUE, as_boolean
from conformance.fhirpath.quantity import FhirPathQuantity, convert, parse_quantity
from conformance.fhirpath.temporal import (
    DAY,
    FhirPathDate,
    FhirPathDateTime,
    FhirPathTime,
    Temporal,
    date_to_datetime,
    parse_date,
    parse_datetime,
    parse_time,
)
from conformance.fhirpath.ucum import is_valid
from conformance.fhirpath.values import NO_VALUE, node_quantity, system_value

_INTEGER = re.compile(r"[+\-]?\d+")
_DECIMAL = re.compile(r"[+\-]?\d+(?:\.\d+)?")
_TRUE = frozenset({"true", "t", "yes", "y", "1", "1.0"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "0.0"})


@function("iif", 2, 3, kind="special")
def iif(node: ast.Call, target: Any, compile_expr: Callable[[ast.Expr], Any]) -> Any:
    criterion = compile_expr(node.args[0])
    then = compile_expr(node.args[1])
    otherwise = compile_expr(node.args[2]) if len(node.args) > 2 else None

    def run(coll: list[Any], env: Env) -> list[Any]:
        if target is not None:
            coll = target(coll, env)
            if len(coll) > 1:
                raise FhirPathError(f"iif() expects at most one input item, got {len(coll)}")
        if as_boolean(criterion(coll, env), env, "iif()") is True:
            return then(coll, env)
        return otherwise(coll, env) if otherwise is not None else EMPTY

    return run


def decimal_text(d: Decimal) -> str:
    text = format(d, "f")
    return text


def to_boolean(v: Any) -> bool | None:
    t = type(v)
    if t is bool:
        return v
    if t is int:
        return True if v == 1 else False if v == 0 else None
    if t is Decimal:
        return True if v == 1 else False if v == 0 else None
    if t is str:
        low = v.lower()
        return True if low in _TRUE else False if low in _FALSE else None
    return None


def to_integer(v: Any) -> int | None:
    t = type(v)
    if t is int:
        return v
    if t is bool:
        return int(v)
    if t is str and _INTEGER.fullmatch(v):
        return int(v)
    return None


def to_decimal(v: Any) -> Decimal | None:
    t = type(v)
    if t is Decimal:
        return v
    if t is int:
        return Decimal(v)
    if t is bool:
        return Decimal(1 if v else 0)
    if t is str and _DECIMAL.fullmatch(v):
        return Decimal(v)
    return None


def to_string(v: Any) -> str | None:
    t = type(v)
    if t is str:
        return v
    if t is bool:
        return "true" if v else "false"
    if t is int:
        return str(v)
    if t is Decimal:
        return decimal_text(v)
    if isinstance(v, Temporal | FhirPathQuantity):
        return str(v)
    return None


def to_date(v: Any) -> FhirPathDate | None:
    if type(v) is FhirPathDate:
        return v
    if type(v) is FhirPathDateTime:
        return FhirPathDate(v.parts[:3] + (0, 0, 0, 0), min(v.precision, DAY))
    if type(v) is str:
        d = parse_date(v)
        if d is None:
            dt = parse_datetime(v)
            return to_date(dt) if dt is not None else None
        return d
    return None


def to_datetime(v: Any) -> FhirPathDateTime | None:
    if type(v) is FhirPathDateTime:
        return v
    if type(v) is FhirPathDate:
        return date_to_datetime(v)
    if type(v) is str:
        return parse_datetime(v)
    return None


def to_time(v: Any) -> FhirPathTime | None:
    if type(v) is FhirPathTime:
        return v
    if type(v) is str:
        return parse_time(v[1:] if v.startswith("T") else v)
    return None


def to_quantity(v: Any, unit: str | None = None) -> FhirPathQuantity | None:
    t = type(v)
    if t is FhirPathQuantity:
        q: FhirPathQuantity | None = v
    elif t is int or t is Decimal:
        q = FhirPathQuantity(Decimal(v))
    elif t is bool:
        q = FhirPathQuantity(Decimal("1.0") if v else Decimal("0.0"))
    elif t is str:
        q = parse_quantity(v)
        if q is not None and not q.is_calendar and not is_valid(q.unit):
            q = None
    else:
        q = None
    if q is not None and unit is not None and unit != q.unit:
        q = convert(q, unit)
    return q


def _input(items: list[Any], env: Env, name: str) -> Any:
    if not items:
        return NO_VALUE
    if len(items) > 1:
        raise FhirPathError(f"{name}() expects a single item, got {len(items)}")
    item = items[0]
    if type(item) is Node:
        v = system_value(item, env)
        return node_quantity(v, env) if type(v) is Node else v
    return item


def _converter(name: str, fn: Callable[[Any], Any]) -> None:
    cap = name[0].upper() + name[1:]

    def to(items: list[Any], env: Env) -> list[Any]:
        v = _input(items, env, "to" + cap)
        if v is NO_VALUE:
            return EMPTY
        r = fn(v)
        return EMPTY if r is None else [r]

    def converts(items: list[Any], env: Env) -> list[Any]:
        v = _input(items, env, "convertsTo" + cap)
        if v is NO_VALUE:
            return EMPTY
        return TRUE if fn(v) is not None else FALSE

    function("to" + cap)(to)
    function("convertsTo" + cap)(converts)


for _name, _fn in (("boolean", to_boolean), ("integer", to_integer), ("decimal", to_decimal),
                   ("date", to_date), ("dateTime", to_datetime), ("time", to_time)):
    _converter(_name, _fn)


@function("toString")
def to_string_(items: list[Any], env: Env) -> list[Any]:
    if len(items) == 1 and type(items[0]) is Node and items[0].value is not None:
        return [items[0].value]
    v = _input(items, env, "toString")
    if v is NO_VALUE:
        return EMPTY
    r = to_string(v)
    return EMPTY if r is None else [r]


@function("convertsToString")
def converts_to_string(items: list[Any], env: Env) -> list[Any]:
    v = _input(items, env, "convertsToString")
    if v is NO_VALUE:
        return EMPTY
    return TRUE if to_string(v) is not None else FALSE


def _unit_arg(args: tuple[list[Any], ...], env: Env) -> str | None:
    if not args or not args[0]:
        return None
    u = system_value(args[0][0], env)
    if type(u) is not str:
        raise FhirPathError("toQuantity() expects a unit string")
    return u


@function("toQuantity", 0, 1)
def to_quantity_(items: list[Any], env: Env, *unit: list[Any]) -> list[Any]:
    v = _input(items, env, "toQuantity")
    if v is NO_VALUE or v is None:
        return EMPTY
    q = to_quantity(v, _unit_arg(unit, env))
    return EMPTY if q is None else [q]


@function("convertsToQuantity", 0, 1)
def converts_to_quantity(items: list[Any], env: Env, *unit: list[Any]) -> list[Any]:
    v = _input(items, env, "convertsToQuantity")
    if v is NO_VALUE:
        return EMPTY
    if v is None:
        return FALSE
    return TRUE if to_quantity(v, _unit_arg(unit, env)) is not None else FALSE
