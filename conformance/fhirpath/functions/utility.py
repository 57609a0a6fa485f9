"""Utility functions: trace, now, today, timeOfDay, type, is, as, sort, the boundary and
precision functions, and the date/time component functions of FHIRPath 2.1."""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from conformance.fhirpath import ast
from conformance.fhirpath.ast import TypeSpec
from conformance.fhirpath.context import Env
from conformance.fhirpath.errors import FhirPathError
from conformance.fhirpath.functions.registry import function
from conformance.fhirpath.logic import EMPTY, FALSE, TRUE
from conformance.fhirpath.quantity import FhirPathQuantity
from conformance.fhirpath.quantity import comparable as quantities_comparable
from conformance.fhirpath.temporal import (
    DAY,
    MILLISECOND,
    FhirPathDate,
    FhirPathDateTime,
    FhirPathTime,
    Temporal,
    boundary,
    from_datetime,
)
from conformance.fhirpath.typecheck import as_type, is_type
from conformance.fhirpath.values import compare_values, singleton_value, type_info

MAX_DECIMAL_PRECISION = 28


@function("trace", 1, 2, kind="lazy")
def trace(items: list[Any], env: Env, outer: list[Any], name: Any, projection: Any = None) -> list[Any]:
    sink = env.ctx.trace
    if sink is not None:
        label = name(outer, env)
        shown = items
        if projection is not None:
            shown = [r for item in items for r in projection([item], env)]
        sink(str(label[0]) if label else "", shown)
    return items


@function("now")
def now(items: list[Any], env: Env) -> list[Any]:
    return [from_datetime(env.now)]


@function("today")
def today(items: list[Any], env: Env) -> list[Any]:
    n = env.now
    return [FhirPathDate((n.year, n.month, n.day, 0, 0, 0, 0), DAY)]


@function("timeOfDay")
def time_of_day(items: list[Any], env: Env) -> list[Any]:
    n = from_datetime(env.now)
    return [FhirPathTime((0, 0, 0) + n.parts[3:], MILLISECOND)]


@function("type")
def type_(items: list[Any], env: Env) -> list[Any]:
    out = []
    for item in items:
        info = type_info(item, env)
        if info is not None:
            out.append(info)
    return out


@function("is", 1, kind="type")
def is_(items: list[Any], env: Env, spec: TypeSpec) -> list[Any]:
    return is_type(items, spec, env)


@function("as", 1, kind="type")
def as_(items: list[Any], env: Env, spec: TypeSpec) -> list[Any]:
    return as_type(items, spec, env)


@function("sort", 0, 16, kind="special")
def sort(node: ast.Call, target: Any, compile_expr: Callable[[ast.Expr], Any]) -> Any:
    keys: list[tuple[Any, bool]] = []
    for arg in node.args:
        if isinstance(arg, ast.Unary) and arg.op == "-":
            keys.append((compile_expr(arg.operand), True))
        else:
            keys.append((compile_expr(arg), False))

    def run(coll: list[Any], env: Env) -> list[Any]:
        items = target(coll, env) if target is not None else coll
        if len(items) < 2:
            return list(items)
        if keys:
            rows = [([_sort_value(k([item], env), env) for k, _ in keys], item) for item in items]
        else:
            rows = [([_sort_value([item], env)], item) for item in items]
        descending = [d for _, d in keys] or [False]

        def cmp(a: tuple[list[Any], Any], b: tuple[list[Any], Any]) -> int:
            for va, vb, desc in zip(a[0], b[0], descending, strict=True):
                if va is None or vb is None:  # empty sorts after every value
                    c = (va is None) - (vb is None)
                else:
                    c = compare_values(va, vb, env, "sort") or 0
                if c:
                    return -c if desc else c
            return 0

        rows.sort(key=functools.cmp_to_key(cmp))
        return [item for _, item in rows]

    return run


def _sort_value(values: list[Any], env: Env) -> Any:
    v = singleton_value(values, env, "sort()")
    return v


# -- boundaries and precision ------------------------------------------------------------------

def _places(d: Decimal) -> int:
    e = d.as_tuple().exponent
    return max(-e, 0) if isinstance(e, int) else 0


def decimal_boundary(value: Decimal | int, digits: int | None, high: bool) -> Decimal | None:
    """The least/greatest decimal `value` could stand for, to `digits` decimal places."""
    target = 8 if digits is None else digits
    if target < 0 or target > MAX_DECIMAL_PRECISION:
        return None
    d = Decimal(value)
    if d < 0:
        inner = decimal_boundary(d.copy_negate(), digits, not high)
        return None if inner is None else inner.copy_negate()
    half = Decimal(5).scaleb(-(_places(d) + 1))
    q = Decimal(1).scaleb(-target)
    with localcontext() as ctx:
        ctx.prec = 80
        if high:
            return (d + half).quantize(q, rounding=ROUND_HALF_UP)
        return (d - half).quantize(q, rounding=ROUND_DOWN)


def _boundary(items: list[Any], env: Env, digits: list[Any], high: bool) -> list[Any]:
    v = singleton_value(items, env, "boundary")
    if v is None:
        return EMPTY
    p = singleton_value(digits, env, "boundary") if digits else None
    if p is not None and type(p) is not int:
        raise FhirPathError("the precision of a boundary must be an integer")
    t = type(v)
    if t is int or t is Decimal:
        r = decimal_boundary(v, p, high)
        return EMPTY if r is None else [r]
    if t is FhirPathQuantity:
        r = decimal_boundary(v.value, p, high)
        return EMPTY if r is None else [FhirPathQuantity(r, v.unit)]
    if isinstance(v, Temporal):
        b = boundary(v, p, high)
        return EMPTY if b is None else [b]
    raise FhirPathError(f"boundaries apply to numbers, quantities and dates, not {v!r}")


@function("lowBoundary", 0, 1)
def low_boundary(items: list[Any], env: Env, *digits: list[Any]) -> list[Any]:
    return _boundary(items, env, digits[0] if digits else [], high=False)


@function("highBoundary", 0, 1)
def high_boundary(items: list[Any], env: Env, *digits: list[Any]) -> list[Any]:
    return _boundary(items, env, digits[0] if digits else [], high=True)


@function("precision")
def precision(items: list[Any], env: Env) -> list[Any]:
    v = singleton_value(items, env, "precision()")
    if v is None:
        return EMPTY
    if type(v) is Decimal:
        return [_places(v)]
    if type(v) is int:
        return [0]
    if isinstance(v, Temporal):
        return [v.digits()]
    raise FhirPathError(f"precision() applies to decimals and dates, not {v!r}")


@function("comparable", 1)
def comparable(items: list[Any], env: Env, other: list[Any]) -> list[Any]:
    a = singleton_value(items, env, "comparable()")
    b = singleton_value(other, env, "comparable()")
    if a is None or b is None:
        return EMPTY
    if type(a) is not FhirPathQuantity or type(b) is not FhirPathQuantity:
        raise FhirPathError("comparable() applies to quantities")
    return TRUE if quantities_comparable(a, b) else FALSE


# -- date/time components (FHIRPath 2.1) -----------------------------------------------------

def _component(name: str, level: int, kinds: tuple[type[Temporal], ...]) -> None:
    def fn(items: list[Any], env: Env) -> list[Any]:
        v = singleton_value(items, env, name + "()")
        if not isinstance(v, kinds) or v.precision < level:
            return EMPTY
        return [v.parts[level]]

    function(name)(fn)


for _name, _level, _kinds in (
    ("yearOf", 0, (FhirPathDate, FhirPathDateTime)), ("monthOf", 1, (FhirPathDate, FhirPathDateTime)),
    ("dayOf", 2, (FhirPathDate, FhirPathDateTime)), ("hourOf", 3, (FhirPathDateTime, FhirPathTime)),
    ("minuteOf", 4, (FhirPathDateTime, FhirPathTime)), ("secondOf", 5, (FhirPathDateTime, FhirPathTime)),
    ("millisecondOf", 6, (FhirPathDateTime, FhirPathTime)),
):
    _component(_name, _level, _kinds)


@function("timezoneOffsetOf")
def timezone_offset_of(items: list[Any], env: Env) -> list[Any]:
    v = singleton_value(items, env, "timezoneOffsetOf()")
    if type(v) is not FhirPathDateTime or v.tz is None:
        return EMPTY
    return [Decimal(v.tz) / 60]


@function("dateOf")
def date_of(items: list[Any], env: Env) -> list[Any]:
    v = singleton_value(items, env, "dateOf()")
    if type(v) is FhirPathDate:
        return [v]
    if type(v) is FhirPathDateTime:
        return [FhirPathDate(v.parts[:3] + (0, 0, 0, 0), min(v.precision, DAY))]
    return EMPTY


@function("timeOf")
def time_of(items: list[Any], env: Env) -> list[Any]:
    v = singleton_value(items, env, "timeOf()")
    if type(v) is FhirPathDateTime and v.precision > DAY:
        return [FhirPathTime((0, 0, 0) + v.parts[3:], v.precision)]
    return EMPTY

