"""Math functions: abs, ceiling, exp, floor, ln, log, power, round, sqrt, truncate.

Transcendental functions compute in binary floating point and return the shortest decimal
that round-trips (so `16.log(2) = 4.0` holds); everything else stays exact in Decimal.
"""

from __future__ import annotations

import math as _m
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_UP,
    Decimal,
    InvalidOperation,
    localcontext,
)
from typing import Any

from conformance.fhirpath.context import Env
from conformance.fhirpath.errors import FhirPathError
from conformance.fhirpath.functions.registry import function
from conformance.fhirpath.logic import EMPTY
from conformance.fhirpath.quantity import FhirPathQuantity
from conformance.fhirpath.values import node_quantity, singleton_value

MAX_EXPONENT = 10_000
MAX_DIGITS = 1_000


def _number(items: list[Any], env: Env, name: str, quantity_ok: bool = False) -> Any:
    v = singleton_value(items, env, name)
    if v is None:
        return None
    t = type(v)
    if t is int or t is Decimal:
        return v
    if quantity_ok:
        if t is FhirPathQuantity:
            return v
        q = node_quantity(v, env) if t.__name__ == "Node" else None
        if q is not None:
            return q
    raise FhirPathError(f"{name}() expects a number, got {v!r}")


def _from_float(x: float) -> Decimal | None:
    if _m.isnan(x) or _m.isinf(x):
        return None
    return Decimal(repr(x))


def _integral(v: Any, rounding: str) -> int:
    return int(Decimal(v).to_integral_value(rounding=rounding))


@function("abs")
def abs_(items: list[Any], env: Env) -> list[Any]:
    v = _number(items, env, "abs", quantity_ok=True)
    if v is None:
        return EMPTY
    if type(v) is FhirPathQuantity:
        return [FhirPathQuantity(abs(v.value), v.unit)]
    return [abs(v)]


@function("ceiling")
def ceiling(items: list[Any], env: Env) -> list[Any]:
    v = _number(items, env, "ceiling")
    return EMPTY if v is None else [_integral(v, ROUND_CEILING)]


@function("floor")
def floor(items: list[Any], env: Env) -> list[Any]:
    v = _number(items, env, "floor")
    return EMPTY if v is None else [_integral(v, ROUND_FLOOR)]


@function("truncate")
def truncate(items: list[Any], env: Env) -> list[Any]:
    v = _number(items, env, "truncate")
    return EMPTY if v is None else [_integral(v, ROUND_DOWN)]


@function("exp")
def exp(items: list[Any], env: Env) -> list[Any]:
    v = _number(items, env, "exp")
    if v is None:
        return EMPTY
    try:
        r = _from_float(_m.exp(float(v)))
    except OverflowError:
        return EMPTY
    return EMPTY if r is None else [r]


@function("ln")
def ln(items: list[Any], env: Env) -> list[Any]:
    v = _number(items, env, "ln")
    if v is None or v <= 0:
        return EMPTY
    r = _from_float(_m.log(float(v)))
    return EMPTY if r is None else [r]


@function("log", 1)
def log(items: list[Any], env: Env, base: list[Any]) -> list[Any]:
    v = _number(items, env, "log")
    b = _number(base, env, "log")
    if v is None or b is None or v <= 0 or b <= 0 or b == 1:
        return EMPTY
    r = _from_float(_m.log(float(v), float(b)))
    return EMPTY if r is None else [r]


@function("power", 1)
def power(items: list[Any], env: Env, exponent: list[Any]) -> list[Any]:
    v = _number(items, env, "power")
    e = _number(exponent, env, "power")
    if v is None or e is None:
        return EMPTY
    if abs(e) > MAX_EXPONENT or (abs(v) > 1 and float(abs(e)) * _m.log10(float(abs(v))) > MAX_DIGITS):
        return EMPTY  # beyond any FHIR number (and a way to hang the process)
    if type(v) is int and type(e) is int and e >= 0:
        return [v**e]
    if type(e) is int or (type(e) is Decimal and e == e.to_integral_value()):
        try:
            r = Decimal(v) ** int(e)
        except (InvalidOperation, ZeroDivisionError, OverflowError):
            return EMPTY
        return [r] if r.is_finite() else EMPTY
    try:
        r = float(v) ** float(e)
    except (ZeroDivisionError, OverflowError):
        return EMPTY
    if isinstance(r, complex):
        return EMPTY
    d = _from_float(r)
    return EMPTY if d is None else [d]


@function("round", 0, 1)
def round_(items: list[Any], env: Env, *precision: list[Any]) -> list[Any]:
    v = _number(items, env, "round")
    if v is None:
        return EMPTY
    places = 0
    if precision:
        p = singleton_value(precision[0], env, "round")
        if p is not None:
            if type(p) is not int or p < 0:
                raise FhirPathError("round() expects a non-negative integer precision")
            places = p
    if places > MAX_DIGITS:
        raise FhirPathError(f"round() precision {places} is too large")
    with localcontext() as ctx:
        ctx.prec = MAX_DIGITS + 100
        return [Decimal(v).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)]


@function("sqrt")
def sqrt(items: list[Any], env: Env) -> list[Any]:
    v = _number(items, env, "sqrt")
    if v is None or v < 0:
        return EMPTY
    r = Decimal(v).sqrt()
    if r == r.to_integral_value():
        r = r.quantize(Decimal("1.0"))
    return [r]
