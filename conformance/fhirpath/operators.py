"""Arithmetic on System values: numbers, strings, quantities and date/time + duration."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, DivisionByZero, InvalidOperation
from typing import Any

from conformance.fhirpath import quantity as q
from conformance.fhirpath.errors import FhirPathError
from conformance.fhirpath.quantity import FhirPathQuantity
from conformance.fhirpath.temporal import Temporal, add_duration, calendar_unit

_NUM = (int, Decimal)


def _num(v: Any) -> bool:
    t = type(v)
    return t is int or t is Decimal


def _fail(op: str, a: Any, b: Any) -> FhirPathError:
    return FhirPathError(f"cannot apply '{op}' to {_kind(a)} ({a}) and {_kind(b)} ({b})")


def _kind(v: Any) -> str:
    if isinstance(v, Temporal):
        return {"date": "a Date", "dateTime": "a DateTime", "time": "a Time"}[v.kind]
    if type(v) is FhirPathQuantity:
        return "a Quantity"
    name = {bool: "Boolean", int: "Integer", Decimal: "Decimal", str: "String"}.get(type(v)) or type(v).__name__
    return f"{'an' if name[0] in 'AEIOU' else 'a'} {name}"


def _shift(t: Temporal, qty: FhirPathQuantity, sign: int, op: str) -> Temporal:
    unit = calendar_unit(qty.unit)
    if unit is None:
        raise FhirPathError(f"cannot apply '{op}' to a {t.kind} and the quantity {qty} "
                            "(only calendar durations, and UCUM 'wk', 'd', 'h', 'min', 's', 'ms', can be added)")
    try:
        return add_duration(t, qty.value * sign, unit)
    except (OverflowError, ValueError) as exc:
        raise FhirPathError(f"date/time arithmetic out of range: {exc}") from None


def add(a: Any, b: Any) -> Any:
    if _num(a) and _num(b):
        return a + b if type(a) is int and type(b) is int else Decimal(a) + Decimal(b)
    if type(a) is str and type(b) is str:
        return a + b
    if isinstance(a, Temporal) and type(b) is FhirPathQuantity:
        return _shift(a, b, 1, "+")
    if type(a) is FhirPathQuantity and type(b) is FhirPathQuantity:
        return q.add(a, b, 1)
    raise _fail("+", a, b)


def subtract(a: Any, b: Any) -> Any:
    if _num(a) and _num(b):
        return a - b if type(a) is int and type(b) is int else Decimal(a) - Decimal(b)
    if isinstance(a, Temporal) and type(b) is FhirPathQuantity:
        return _shift(a, b, -1, "-")
    if type(a) is FhirPathQuantity and type(b) is FhirPathQuantity:
        return q.add(a, b, -1)
    raise _fail("-", a, b)


def multiply(a: Any, b: Any) -> Any:
    if _num(a) and _num(b):
        return a * b if type(a) is int and type(b) is int else Decimal(a) * Decimal(b)
    if type(a) is FhirPathQuantity and type(b) is FhirPathQuantity:
        return q.multiply(a, b, divide=False)
    if type(a) is FhirPathQuantity and _num(b):
        return FhirPathQuantity(a.value * b, a.unit)
    if _num(a) and type(b) is FhirPathQuantity:
        return FhirPathQuantity(b.value * a, b.unit)
    raise _fail("*", a, b)


def divide(a: Any, b: Any) -> Any:
    if _num(a) and _num(b):
        if b == 0:
            return None
        try:
            return Decimal(a) / Decimal(b)
        except (DivisionByZero, InvalidOperation):
            return None
    if type(a) is FhirPathQuantity and type(b) is FhirPathQuantity:
        return q.multiply(a, b, divide=True)
    if type(a) is FhirPathQuantity and _num(b):
        return None if b == 0 else FhirPathQuantity(a.value / Decimal(b), a.unit)
    raise _fail("/", a, b)


def int_divide(a: Any, b: Any) -> Any:
    if _num(a) and _num(b):
        if b == 0:
            return None
        if type(a) is int and type(b) is int:
            quotient = abs(a) // abs(b)
            return quotient if (a >= 0) == (b >= 0) else -quotient
        return int((Decimal(a) / Decimal(b)).to_integral_value(rounding=ROUND_DOWN))
    raise _fail("div", a, b)


def modulo(a: Any, b: Any) -> Any:
    if _num(a) and _num(b):
        if b == 0:
            return None
        if type(a) is int and type(b) is int:
            r = abs(a) % abs(b)
            return r if a >= 0 else -r
        da, db = Decimal(a), Decimal(b)
        return da - db * (da / db).to_integral_value(rounding=ROUND_DOWN)
    raise _fail("mod", a, b)


def negate(v: Any) -> Any:
    if _num(v) and type(v) is not bool:
        return 0 - v  # not -v: the negation of 0.0 is 0.0, not -0.0
    if type(v) is FhirPathQuantity:
        return FhirPathQuantity(-v.value, v.unit)
    raise FhirPathError(f"cannot negate {_kind(v)} ({v})")


ARITHMETIC = {"+": add, "-": subtract, "*": multiply, "/": divide, "div": int_divide, "mod": modulo}
