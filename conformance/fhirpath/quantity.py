"""System.Quantity: a decimal value with a UCUM unit or a calendar-duration keyword.

Calendar durations (`1 week`, `3 days`) and UCUM definite durations agree from weeks down
(`7 days = 1 'wk'`), but years and months are not comparable with UCUM `'a'`/`'mo'`, whose
lengths are averages: such comparisons are unknown (empty), as the specification requires.
"""

from __future__ import annotations

import re
from decimal import Decimal, localcontext

from conformance.fhirpath import ucum
from conformance.fhirpath.temporal import CALENDAR_UNITS

_CALENDAR_TO_UCUM = {"week": "wk", "day": "d", "hour": "h", "minute": "min", "second": "s", "millisecond": "ms"}
_QUANTITY_TEXT = re.compile(
    r"\s*([+\-]?\d+(?:\.\d+)?)\s*(?:'((?:[^'\\]|\\.)*)'|([a-z]+))?\s*"
)


class FhirPathQuantity:
    __slots__ = ("value", "unit")

    def __init__(self, value: Decimal, unit: str = "1") -> None:
        self.value = value
        self.unit = unit

    @property
    def is_calendar(self) -> bool:
        return self.unit in CALENDAR_UNITS

    def __str__(self) -> str:
        value = format(self.value, "f")
        return f"{value} {self.unit}" if self.is_calendar else f"{value} '{self.unit}'"

    def __repr__(self) -> str:
        return f"FhirPathQuantity({self})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FhirPathQuantity) and quantity_equal(self, other) is True

    def __hash__(self) -> int:
        return hash(self.value.normalize())


def parse_quantity(text: str) -> FhirPathQuantity | None:
    """`'1 day'`, `"1 'wk'"`, `'1.0'` → Quantity; a bare word that is not a calendar unit fails."""
    m = _QUANTITY_TEXT.fullmatch(text)
    if m is None:
        return None
    number, quoted, word = m.groups()
    if word is not None and word not in CALENDAR_UNITS:
        return None
    unit = word if word is not None else quoted if quoted is not None else "1"
    return FhirPathQuantity(Decimal(number), unit)


def _canonical(q: FhirPathQuantity) -> tuple[str, str]:
    """('ucum', code) for UCUM-comparable units, ('cal', 'month') for calendar years/months."""
    unit = q.unit
    if unit in CALENDAR_UNITS:
        word = unit[:-1] if unit.endswith("s") else unit
        if word in ("year", "month"):
            return "cal", word
        return "ucum", _CALENDAR_TO_UCUM[word]
    return "ucum", unit


def _base_values(a: FhirPathQuantity, b: FhirPathQuantity) -> tuple[Decimal, Decimal] | None:
    """Both values in one unit, or None when they cannot be compared."""
    ka, ua = _canonical(a)
    kb, ub = _canonical(b)
    if ka != kb:
        return None
    if ka == "cal":
        va = a.value * 12 if ua == "year" else a.value
        vb = b.value * 12 if ub == "year" else b.value
        return va, vb
    if ua == ub:
        return a.value, b.value
    ba = ucum.to_base(a.value, ua)
    bb = ucum.to_base(b.value, ub)
    if ba is None or bb is None or ba[1] != bb[1]:
        return None
    return ba[0], bb[0]


def comparable(a: FhirPathQuantity, b: FhirPathQuantity) -> bool:
    return _base_values(a, b) is not None


def compare_quantities(a: FhirPathQuantity, b: FhirPathQuantity) -> int | None:
    values = _base_values(a, b)
    if values is None:
        return None
    va, vb = values
    return (va > vb) - (va < vb)


def quantity_equal(a: FhirPathQuantity, b: FhirPathQuantity) -> bool | None:
    values = _base_values(a, b)
    if values is None:
        ka, kb = _canonical(a)[0], _canonical(b)[0]
        if ka == "ucum" and kb == "ucum" and ucum.is_valid(a.unit) and ucum.is_valid(b.unit):
            return False  # both valid but of different dimensions
        return None
    return values[0] == values[1]


def quantity_equivalent(a: FhirPathQuantity, b: FhirPathQuantity) -> bool:
    values = _base_values(a, b)
    if values is None:
        # calendar years/months are equivalent to their UCUM counterparts
        ka, ua = _canonical(a)
        kb, ub = _canonical(b)
        pair = {ka + ua, kb + ub}
        if pair in ({"calyear", "ucuma"}, {"calmonth", "ucummo"}):
            return a.value == b.value
        return False
    va, vb = values
    places = max(min(-_exp(va), -_exp(vb)), 0)
    with localcontext() as ctx:
        ctx.prec = 40
        q = Decimal(1).scaleb(-places)
        return va.quantize(q) == vb.quantize(q)


def _exp(d: Decimal) -> int:
    e = d.as_tuple().exponent
    return e if isinstance(e, int) else 0


def convert(q: FhirPathQuantity, unit: str) -> FhirPathQuantity | None:
    """q expressed in `unit` (UCUM or calendar), or None when not convertible."""
    target = FhirPathQuantity(Decimal(1), unit)
    if _canonical(q) == _canonical(target):
        return FhirPathQuantity(q.value, unit)
    ka, ua = _canonical(q)
    kb, ub = _canonical(target)
    if ka == kb == "cal":
        months = q.value * 12 if ua == "year" else q.value
        return FhirPathQuantity(months / 12 if ub == "year" else months, unit)
    if ka != "ucum" or kb != "ucum":
        return None
    base = ucum.to_base(q.value, ua)
    tparsed = ucum.to_base(Decimal(1), ub)
    if base is None or tparsed is None or base[1] != tparsed[1]:
        return None
    value = ucum.from_base(base[0], ub)
    if value is None:
        return None
    return FhirPathQuantity(Decimal(format(value.normalize(), "f")), unit)


def _ucum_of(q: FhirPathQuantity) -> str | None:
    kind, unit = _canonical(q)
    return unit if kind == "ucum" else None


def multiply(a: FhirPathQuantity, b: FhirPathQuantity, divide: bool) -> FhirPathQuantity | None:
    ua, ub = _ucum_of(a), _ucum_of(b)
    if ua is None or ub is None:
        return None
    with localcontext() as ctx:
        ctx.prec = 28
        if divide:
            if b.value == 0:
                return None
            value = a.value / b.value
        else:
            value = a.value * b.value
    pa, pb = ucum.parse_unit(ua), ucum.parse_unit(ub)
    if pa is None or pb is None:
        return None
    dims: dict[str, int] = dict(pa.dims)
    for d, e in pb.dims:
        dims[d] = dims.get(d, 0) + (-e if divide else e)
        if dims[d] == 0:
            del dims[d]
    if not dims:
        factor = pa.factor / pb.factor if divide else pa.factor * pb.factor
        return FhirPathQuantity(value * factor, "1")
    if ua == "1":
        unit = ub if not divide else f"/{_wrap(ub)}"
    elif ub == "1":
        unit = ua
    else:
        unit = f"{_wrap(ua)}{'/' if divide else '.'}{_wrap(ub)}"
    return FhirPathQuantity(value, unit)


def _wrap(unit: str) -> str:
    return unit if re.fullmatch(r"[^./()]+", unit) else f"({unit})"


def add(a: FhirPathQuantity, b: FhirPathQuantity, sign: int) -> FhirPathQuantity | None:
    """a ± b in a's unit; None when the units are not comparable."""
    other = b if b.unit == a.unit else convert(b, a.unit)
    if other is None:
        return None
    return FhirPathQuantity(a.value + sign * other.value, a.unit)
