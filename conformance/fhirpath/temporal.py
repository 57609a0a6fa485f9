"""Date, DateTime and Time values with partial precision, as FHIRPath defines them.

A value remembers how much of it was written (`@2014-05` is month precision), and every
operation honours that: comparing values of different precision is *unknown* (empty) unless
the components they share already differ; seconds and milliseconds count as one precision.
Timezones are normalised when both sides have one; when only one side has one the answer is
decided only if every possible offset (-12:00..+14:00) gives the same result.
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta
from decimal import Decimal

YEAR, MONTH, DAY, HOUR, MINUTE, SECOND, MILLISECOND = range(7)

_DATE_RE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_DATETIME_RE = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?"
    r"(?:T(?:(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(Z|[+\-]\d{2}:\d{2})?)?)?"
)
_TIME_RE = re.compile(r"(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?")

# precision (as a component count) -> the digits `precision()` reports
_DATE_DIGITS = {YEAR: 4, MONTH: 6, DAY: 8, HOUR: 10, MINUTE: 12, SECOND: 14, MILLISECOND: 17}
_TIME_DIGITS = {HOUR: 2, MINUTE: 4, SECOND: 6, MILLISECOND: 9}


class Temporal:
    """Common shape: `parts` = (year, month, day, hour, minute, second, millisecond)."""

    __slots__ = ("parts", "precision", "tz")
    kind = ""
    first = YEAR

    def __init__(self, parts: tuple[int, ...], precision: int, tz: int | None = None) -> None:
        self.parts = parts
        self.precision = precision
        self.tz = tz  # offset in minutes, None when not stated

    def __repr__(self) -> str:
        return f"@{self}"

    def __eq__(self, other: object) -> bool:
        return (type(other) is type(self) and self.parts == other.parts
                and self.precision == other.precision and self.tz == other.tz)

    def __hash__(self) -> int:
        return hash((self.kind, self.parts, self.precision, self.tz))

    @property
    def has_time(self) -> bool:
        return self.precision >= HOUR

    def digits(self) -> int:
        return (_TIME_DIGITS if self.kind == "time" else _DATE_DIGITS)[self.precision]


class FhirPathDate(Temporal):
    __slots__ = ()
    kind = "date"

    def __str__(self) -> str:
        return _format_date(self.parts, self.precision)


class FhirPathDateTime(Temporal):
    __slots__ = ()
    kind = "dateTime"

    def __str__(self) -> str:
        text = _format_date(self.parts, min(self.precision, DAY))
        if self.precision >= HOUR:
            text += "T" + _format_time(self.parts, self.precision)
            if self.tz is not None:
                text += format_tz(self.tz)
        return text


class FhirPathTime(Temporal):
    __slots__ = ()
    kind = "time"
    first = HOUR

    def __str__(self) -> str:
        return _format_time(self.parts, self.precision)


def format_tz(tz: int) -> str:
    if tz == 0:
        return "Z"
    sign = "+" if tz > 0 else "-"
    h, m = divmod(abs(tz), 60)
    return f"{sign}{h:02d}:{m:02d}"


def _format_date(p: tuple[int, ...], precision: int) -> str:
    text = f"{p[0]:04d}"
    if precision >= MONTH:
        text += f"-{p[1]:02d}"
    if precision >= DAY:
        text += f"-{p[2]:02d}"
    return text


def _format_time(p: tuple[int, ...], precision: int) -> str:
    text = f"{p[3]:02d}"
    if precision >= MINUTE:
        text += f":{p[4]:02d}"
    if precision >= SECOND:
        text += f":{p[5]:02d}"
    if precision >= MILLISECOND:
        text += f".{p[6]:03d}"
    return text


# -- parsing ---------------------------------------------------------------------------------

def _valid(y: int, mo: int, d: int, h: int, mi: int, s: int) -> bool:
    if not 1 <= mo <= 12 or h > 23 or mi > 59 or s > 59:
        return False
    return 1 <= d <= calendar.monthrange(y or 2000, mo)[1]


def _tz_minutes(text: str | None) -> int | None:
    if text is None:
        return None
    if text == "Z":
        return 0
    sign = -1 if text[0] == "-" else 1
    h, m = int(text[1:3]), int(text[4:6])
    if h > 14 or m > 59:
        raise ValueError(text)
    return sign * (h * 60 + m)


def parse_date(text: str) -> FhirPathDate | None:
    m = _DATE_RE.fullmatch(text)
    if m is None:
        return None
    y, mo, d = m.groups()
    parts = (int(y), int(mo or 1), int(d or 1), 0, 0, 0, 0)
    if not _valid(*parts[:6]):
        return None
    precision = DAY if d else MONTH if mo else YEAR
    return FhirPathDate(parts, precision)


def parse_datetime(text: str) -> FhirPathDateTime | None:
    """A dateTime as FHIR writes it, or a FHIRPath literal body (which may end in a bare `T`)."""
    m = _DATETIME_RE.fullmatch(text)
    if m is None:
        return None
    y, mo, d, h, mi, s, frac, tz = m.groups()
    if h is not None and (mo is None or d is None):
        return None
    ms = int((frac[:3]).ljust(3, "0")) if frac else 0
    parts = (int(y), int(mo or 1), int(d or 1), int(h or 0), int(mi or 0), int(s or 0), ms)
    if not _valid(*parts[:6]):
        return None
    if frac:
        precision = MILLISECOND
    elif s:
        precision = SECOND
    elif mi:
        precision = MINUTE
    elif h:
        precision = HOUR
    else:
        precision = DAY if d else MONTH if mo else YEAR
    try:
        offset = _tz_minutes(tz)
    except ValueError:
        return None
    return FhirPathDateTime(parts, precision, offset)


def parse_time(text: str) -> FhirPathTime | None:
    m = _TIME_RE.fullmatch(text)
    if m is None:
        return None
    h, mi, s, frac = m.groups()
    parts = (0, 0, 0, int(h), int(mi or 0), int(s or 0), int(frac[:3].ljust(3, "0")) if frac else 0)
    if parts[3] > 23 or parts[4] > 59 or parts[5] > 59:
        return None
    precision = MILLISECOND if frac else SECOND if s else MINUTE if mi else HOUR
    return FhirPathTime(parts, precision)


def from_datetime(value: datetime) -> FhirPathDateTime:
    """A Python aware datetime → DateTime at millisecond precision (for now())."""
    off = value.utcoffset()
    tz = None if off is None else int(off.total_seconds() // 60)
    parts = (value.year, value.month, value.day, value.hour, value.minute, value.second,
             value.microsecond // 1000)
    return FhirPathDateTime(parts, MILLISECOND, tz)


def date_to_datetime(d: FhirPathDate) -> FhirPathDateTime:
    return FhirPathDateTime(d.parts, d.precision, None)


# -- comparison --------------------------------------------------------------------------------

def _to_utc(parts: tuple[int, ...], tz: int) -> tuple[int, ...]:
    dt = datetime(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], parts[6] * 1000)
    dt -= timedelta(minutes=tz)
    return (dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, dt.microsecond // 1000)


def _shift(parts: tuple[int, ...], minutes: int) -> tuple[int, ...]:
    return _to_utc(parts, -minutes)


def _compare_parts(a: tuple[int, ...], pa: int, b: tuple[int, ...], pb: int, first: int) -> int | None:
    ea, eb = min(pa, SECOND), min(pb, SECOND)
    for level in range(first, min(ea, eb) + 1):
        if level == SECOND:
            va, vb = a[5] * 1000 + a[6], b[5] * 1000 + b[6]
        else:
            va, vb = a[level], b[level]
        if va != vb:
            return -1 if va < vb else 1
    return 0 if ea == eb else None


def compare(a: Temporal, b: Temporal) -> int | None:
    """-1/0/1, or None when precision or timezone make the answer unknown.

    Callers make sure the kinds agree (a Date is promoted to a DateTime first).
    """
    pa, pb = a.precision, b.precision
    if a.kind == "time" or pa < HOUR or pb < HOUR or (a.tz is None and b.tz is None):
        return _compare_parts(a.parts, pa, b.parts, pb, a.first)
    if a.tz is not None and b.tz is not None:
        return _compare_parts(_to_utc(a.parts, a.tz), pa, _to_utc(b.parts, b.tz), pb, YEAR)
    # only one side states its offset: decide only if every possible offset agrees
    if a.tz is not None:
        r = compare(b, a)
        return None if r is None else -r
    assert b.tz is not None
    bu = _to_utc(b.parts, b.tz)
    lo = _compare_parts(_shift(a.parts, -14 * 60), pa, bu, pb, YEAR)
    hi = _compare_parts(_shift(a.parts, 12 * 60), pa, bu, pb, YEAR)
    if lo is not None and lo == hi and lo != 0:
        return lo
    return None


def same_precision(a: Temporal, b: Temporal) -> bool:
    return min(a.precision, SECOND) == min(b.precision, SECOND)


# -- arithmetic --------------------------------------------------------------------------------

CALENDAR_UNITS = {
    "year": YEAR, "years": YEAR, "month": MONTH, "months": MONTH, "week": DAY, "weeks": DAY,
    "day": DAY, "days": DAY, "hour": HOUR, "hours": HOUR, "minute": MINUTE, "minutes": MINUTE,
    "second": SECOND, "seconds": SECOND, "millisecond": MILLISECOND, "milliseconds": MILLISECOND,
}
# UCUM codes that are definite durations usable in date arithmetic ('a' and 'mo' are not)
UCUM_DURATIONS = {"wk": "week", "d": "day", "h": "hour", "min": "minute", "s": "second", "ms": "millisecond"}
_MS_PER = {"week": 604_800_000, "day": 86_400_000, "hour": 3_600_000, "minute": 60_000, "second": 1000,
           "millisecond": 1}
_PRECISION_MS = {DAY: 86_400_000, HOUR: 3_600_000, MINUTE: 60_000, SECOND: 1000, MILLISECOND: 1}


def calendar_unit(unit: str) -> str | None:
    """The singular calendar keyword for a quantity unit usable in date arithmetic, or None."""
    if unit in CALENDAR_UNITS:
        return unit[:-1] if unit.endswith("s") else unit
    return UCUM_DURATIONS.get(unit)


def add_duration(t: Temporal, amount: Decimal, unit: str) -> Temporal:
    """`t + amount unit` (unit a singular calendar keyword). Fractions are truncated."""
    n = int(amount)  # truncates toward zero
    parts = list(t.parts)
    precision = t.precision
    if unit in ("year", "month"):
        months = n * 12 if unit == "year" else n
        if t.kind == "time":
            return t
        if precision == YEAR:
            parts[0] += int(months / 12)
        else:
            total = parts[0] * 12 + (parts[1] - 1) + months
            parts[0], parts[1] = divmod(total, 12)
            parts[1] += 1
            if precision >= DAY:
                parts[2] = min(parts[2], calendar.monthrange(parts[0], parts[1])[1])
        if not 1 <= parts[0] <= 9999:
            raise OverflowError("date out of range")
        return type(t)(tuple(parts), precision, t.tz)
    ms = n * _MS_PER[unit]
    if t.kind == "time":
        unit_ms = _PRECISION_MS[max(precision, HOUR)]
        ms = int(ms / unit_ms) * unit_ms
        total = (parts[3] * 3_600_000 + parts[4] * 60_000 + parts[5] * 1000 + parts[6] + ms) % 86_400_000
        h, rest = divmod(total, 3_600_000)
        mi, rest = divmod(rest, 60_000)
        s, milli = divmod(rest, 1000)
        return FhirPathTime((0, 0, 0, h, mi, s, milli), precision)
    if precision < DAY:
        days = int(ms / 86_400_000)
        months = int(days / (365 if precision == YEAR else 30))
        return add_duration(t, Decimal(months), "month") if months else t
    unit_ms = _PRECISION_MS[precision]
    ms = int(ms / unit_ms) * unit_ms
    dt = datetime(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], parts[6] * 1000)
    dt += timedelta(milliseconds=ms)
    new = (dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, dt.microsecond // 1000)
    return type(t)(new, precision, t.tz)


# -- boundaries --------------------------------------------------------------------------------

_DIGITS_TO_PRECISION = {4: YEAR, 6: MONTH, 8: DAY, 10: HOUR, 12: MINUTE, 14: SECOND, 17: MILLISECOND}
_TIME_DIGITS_TO_PRECISION = {2: HOUR, 4: MINUTE, 6: SECOND, 9: MILLISECOND}


def boundary(t: Temporal, digits: int | None, high: bool) -> Temporal | None:
    """lowBoundary()/highBoundary(): the earliest/latest instant `t` could mean, to `digits`."""
    if t.kind == "time":
        target = _TIME_DIGITS_TO_PRECISION.get(9 if digits is None else digits)
    else:
        default = 8 if t.kind == "date" else 17
        target = _DIGITS_TO_PRECISION.get(default if digits is None else digits)
        if target is not None and t.kind == "date" and target > DAY:
            return None
    if target is None:
        return None
    p = list(t.parts)
    precision = t.precision
    if precision == HOUR:  # an hour alone is not a FHIR time: read it as hh:00
        precision = MINUTE
    fill_from = precision + 1
    for level in range(fill_from, MILLISECOND + 1):
        if level == MONTH:
            p[1] = 12 if high else 1
        elif level == DAY:
            p[2] = calendar.monthrange(p[0], p[1])[1] if high else 1
        elif level == HOUR:
            p[3] = 23 if high else 0
        elif level in (MINUTE, SECOND):
            p[level] = 59 if high else 0
        elif level == MILLISECOND:
            p[6] = 999 if high else 0
    tz = t.tz
    if t.kind == "dateTime":
        if target >= HOUR and tz is None:
            tz = -12 * 60 if high else 14 * 60
        if target < HOUR:
            tz = None
    for level in range(target + 1, MILLISECOND + 1):
        p[level] = 1 if level in (MONTH, DAY) else 0
    return type(t)(tuple(p), target, tz)
