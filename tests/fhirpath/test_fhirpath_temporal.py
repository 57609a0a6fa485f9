"""Partial-precision dates and times: parsing, comparison, arithmetic and boundaries."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conformance.fhirpath.temporal import (
    DAY,
    MILLISECOND,
    MONTH,
    YEAR,
    add_duration,
    boundary,
    compare,
    parse_date,
    parse_datetime,
    parse_time,
)


def dt(text: str):  # type: ignore[no-untyped-def]
    value = parse_datetime(text)
    assert value is not None, text
    return value


@pytest.mark.parametrize(
    ("text", "precision", "tz"),
    [
        ("2015", YEAR, None),
        ("2015-02", MONTH, None),
        ("2015-02-04", DAY, None),
        ("2015-02-04T14:34:28.123456+10:00", MILLISECOND, 600),
        ("2015-02-04T14:34:28Z", 5, 0),
        ("2015-02-04T14:34-05:30", 4, -330),
    ],
)
def test_parse_datetime_keeps_precision_and_offset(text: str, precision: int, tz: int | None) -> None:
    value = dt(text)
    assert (value.precision, value.tz) == (precision, tz)


@pytest.mark.parametrize("text", ["2015-13", "2015-02-29", "2015-02-04T24:00:00", "2015-02-04T14:60", "20150204",
                                  "2015-02-04T14:34:28+15:00", "2015-02T14:00", "2015-02-04 14:00"])
def test_invalid_datetimes_are_refused(text: str) -> None:
    assert parse_datetime(text) is None


def test_dates_and_times_parse() -> None:
    assert str(parse_date("2024-02-29")) == "2024-02-29"
    assert parse_date("2023-02-29") is None
    assert str(parse_time("23:59:59.5")) == "23:59:59.500"
    assert parse_time("24:00") is None


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("2012-04-15", "2012-04-16", -1),
        ("2012-04", "2012-04-15", None),
        ("2012-03", "2012-04-15", -1),
        ("2012-04-15T15:30:31", "2012-04-15T15:30:31.000", 0),
        ("2012-04-15T15:00:00+02:00", "2012-04-15T16:00:00+03:00", 0),
        ("2012-04-15T23:30:00-02:00", "2012-04-16T01:30:00Z", 0),
        ("2012-04-15T15:00:00Z", "2012-04-15T10:00:00", None),
        ("2012-04-15T15:00:00Z", "2012-04-13T10:00:00", 1),
        ("2012-04-15T10:00", "2012-04-15T10:00:00", None),
    ],
)
def test_compare(a: str, b: str, expected: int | None) -> None:
    assert compare(dt(a), dt(b)) == expected
    assert compare(dt(b), dt(a)) == (None if expected is None else -expected)


@pytest.mark.parametrize(
    ("start", "amount", "unit", "expected"),
    [
        ("2024-01-31", "1", "month", "2024-02-29"),
        ("2024-01-31T10:00:00Z", "1", "month", "2024-02-29T10:00:00Z"),
        ("2023-12-31T23:59:59.999+01:00", "1", "millisecond", "2024-01-01T00:00:00.000+01:00"),
        ("2024-03-31T10:00", "-1", "month", "2024-02-29T10:00"),
        ("2024", "25", "month", "2026"),
        ("2024-05", "40", "day", "2024-06"),
        ("2024-05-10T10:00", "90", "second", "2024-05-10T10:01"),
        ("2024-05-10", "7.9", "day", "2024-05-17"),
        ("2024-05-10", "-1", "week", "2024-05-03"),
    ],
)
def test_add_duration(start: str, amount: str, unit: str, expected: str) -> None:
    value = parse_date(start) if "T" not in start else dt(start)
    assert value is not None
    result = add_duration(value, Decimal(amount), unit)
    assert type(result) is type(value) and str(result) == expected


@pytest.mark.parametrize(
    ("text", "digits", "high", "expected"),
    [
        ("2014", 6, False, "2014-01"),
        ("2014", 6, True, "2014-12"),
        ("2014-02", 8, True, "2014-02-28"),
        ("2014-01-01T08", 17, False, "2014-01-01T08:00:00.000+14:00"),
        ("2014-01-01T08", 17, True, "2014-01-01T08:00:59.999-12:00"),
        ("2014-01-01T08:05+08:00", 17, True, "2014-01-01T08:05:59.999+08:00"),
        ("2014-01-01T08", 8, False, "2014-01-01"),
        ("2014-01-01", 5, False, None),
    ],
)
def test_datetime_boundaries(text: str, digits: int, high: bool, expected: str | None) -> None:
    b = boundary(dt(text), digits, high)
    assert (str(b) if b is not None else None) == expected
