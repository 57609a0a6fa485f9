"""A small UCUM unit algebra: enough to compare and multiply the units FHIR instances use.

A unit string (`mg/dL`, `mm[Hg]`, `10*3/uL`, `kg.m-2`, `{beats}/min`) is parsed by the UCUM
case-sensitive grammar into a factor and a product of base dimensions, so `4.0 'g' = 4000 'mg'`
and `2.0 'cm' * 2.0 'm' = 0.040 'm2'` hold. The atom table covers SI units with prefixes, time,
volume, pressure, the customary units FHIR examples use (`[lb_av]`, `[in_i]`) and percent;
temperatures (`Cel`, `[degF]`) convert by offset when used alone. Unknown atoms make the unit
unparseable (None), and the caller treats such quantities as not comparable.
"""

from __future__ import annotations

import re
from decimal import Decimal, localcontext
from functools import cache, lru_cache

Dims = tuple[tuple[str, int], ...]

PREFIXES: dict[str, Decimal] = {
    "Y": Decimal("1e24"), "Z": Decimal("1e21"), "E": Decimal("1e18"), "P": Decimal("1e15"),
    "T": Decimal("1e12"), "G": Decimal("1e9"), "M": Decimal("1e6"), "k": Decimal("1e3"),
    "h": Decimal("1e2"), "da": Decimal("1e1"), "d": Decimal("1e-1"), "c": Decimal("1e-2"),
    "m": Decimal("1e-3"), "u": Decimal("1e-6"), "n": Decimal("1e-9"), "p": Decimal("1e-12"),
    "f": Decimal("1e-15"), "a": Decimal("1e-18"), "z": Decimal("1e-21"), "y": Decimal("1e-24"),
}

# atom -> (factor, definition in other units or None for a base dimension, metric?)
_ATOMS: dict[str, tuple[str, str | None, bool]] = {
    # base units (mol and arbitrary units are kept as their own dimensions)
    "m": ("1", None, True), "s": ("1", None, True), "g": ("1", None, True), "rad": ("1", None, True),
    "K": ("1", None, True), "C": ("1", None, True), "cd": ("1", None, True), "mol": ("1", None, True),
    "[iU]": ("1", None, True), "[arb'U]": ("1", None, False), "[HPF]": ("1", None, False),
    "[LPF]": ("1", None, False),
    # dimensionless
    "1": ("1", "", False), "10*": ("10", "", False), "10^": ("10", "", False), "%": ("0.01", "", False),
    "[ppth]": ("1e-3", "", False), "[ppm]": ("1e-6", "", False), "[ppb]": ("1e-9", "", False),
    "[pi]": ("3.14159265358979323846264338327950288", "", False),
    # SI derived
    "sr": ("1", "rad2", True), "Hz": ("1", "s-1", True), "N": ("1", "kg.m.s-2", True),
    "Pa": ("1", "N.m-2", True), "J": ("1", "N.m", True), "W": ("1", "J.s-1", True),
    "A": ("1", "C.s-1", True), "V": ("1", "J.C-1", True), "F": ("1", "C.V-1", True),
    "Ohm": ("1", "V.A-1", True), "S": ("1", "Ohm-1", True), "Wb": ("1", "V.s", True),
    "T": ("1", "Wb.m-2", True), "H": ("1", "Wb.A-1", True), "lm": ("1", "cd.sr", True),
    "lx": ("1", "lm.m-2", True), "Bq": ("1", "s-1", True), "Gy": ("1", "J.kg-1", True),
    "Sv": ("1", "J.kg-1", True), "kat": ("1", "mol.s-1", True), "U": ("1", "umol.min-1", True),
    "eq": ("1", "mol", True), "osm": ("1", "mol", True), "[IU]": ("1", "[iU]", True),
    "deg": ("0.0174532925199432957692369076848861271", "rad", False),
    # volume, area, mass
    "l": ("1", "dm3", True), "L": ("1", "l", True), "ar": ("100", "m2", True), "t": ("1000", "kg", True),
    "u": ("1.6605402e-24", "g", True), "[gr]": ("64.79891", "mg", False),
    "[lb_av]": ("7000", "[gr]", False), "[oz_av]": ("0.0625", "[lb_av]", False),
    "[stone_av]": ("14", "[lb_av]", False), "[drp]": ("0.05", "ml", False),
    "[foz_us]": ("29.5735295625", "ml", False), "[gal_us]": ("3785.411784", "ml", False),
    "[pt_us]": ("473.176473", "ml", False), "[cup_us]": ("236.5882365", "ml", False),
    "[tsp_us]": ("4.92892159375", "ml", False), "[tbs_us]": ("14.78676478125", "ml", False),
    # length
    "[in_i]": ("2.54", "cm", False), "[ft_i]": ("12", "[in_i]", False), "[yd_i]": ("3", "[ft_i]", False),
    "[mi_i]": ("5280", "[ft_i]", False), "[nmi_i]": ("1852", "m", False), "Ao": ("0.1", "nm", False),
    # time
    "min": ("60", "s", False), "h": ("60", "min", False), "d": ("24", "h", False), "wk": ("7", "d", False),
    "a_j": ("365.25", "d", False), "a": ("1", "a_j", False), "a_t": ("365.24219", "d", False),
    "a_g": ("365.2425", "d", False), "mo_j": ("1", "a_j/12", False), "mo": ("1", "mo_j", False),
    "mo_g": ("1", "a_g/12", False), "mo_s": ("29.53059", "d", False),
    # pressure, energy
    "bar": ("1e5", "Pa", True), "atm": ("101325", "Pa", False), "m[Hg]": ("133.322", "kPa", True),
    "m[H2O]": ("9.80665", "kPa", True), "[g]": ("9.80665", "m.s-2", False),
    "[lbf_av]": ("1", "[lb_av].[g]", False), "[psi]": ("1", "[lbf_av].[in_i]-2", False),
    "cal": ("4.184", "J", True), "[Cal]": ("1", "kcal", False), "eV": ("1.60217733e-19", "J", True),
    "[mi_i]/h": ("1", "[mi_i].h-1", False),
    # temperature (only convertible alone; see SPECIAL)
    "Cel": ("1", "K", True), "[degF]": ("0.555555555555555555555555555555555556", "K", False),
}

# offset temperature scales: unit -> (numerator, denominator, offset): K = (v + offset) * n / d
SPECIAL: dict[str, tuple[Decimal, Decimal, Decimal]] = {
    "Cel": (Decimal(1), Decimal(1), Decimal("273.15")),
    "[degF]": (Decimal(5), Decimal(9), Decimal("459.67")),
}

_COMPONENT = re.compile(r"(\[[^\]]*\]|\{[^}]*\}|[^./()\[\]{}])+")
_EXPONENT = re.compile(r"^(.*?)([+\-]?\d+)?$")


class UcumUnit:
    """A parsed unit: value_in_base = value × factor, with `dims` the base-dimension exponents."""

    __slots__ = ("factor", "dims")

    def __init__(self, factor: Decimal, dims: Dims) -> None:
        self.factor = factor
        self.dims = dims

    def __repr__(self) -> str:
        return f"UcumUnit({self.factor}, {dict(self.dims)})"


def _combine(a: dict[str, int], b: Dims, sign: int) -> None:
    for dim, exp in b:
        a[dim] = a.get(dim, 0) + sign * exp
        if a[dim] == 0:
            del a[dim]


@cache
def _atom(symbol: str) -> UcumUnit | None:
    entry = _ATOMS.get(symbol)
    if entry is not None:
        factor, definition, _ = entry
        if definition is None:
            return UcumUnit(Decimal(1), ((symbol, 1),))
        base = parse_unit(definition) if definition else UcumUnit(Decimal(1), ())
        if base is None:  # pragma: no cover - the table is consistent
            return None
        with localcontext() as ctx:
            ctx.prec = 40
            return UcumUnit(Decimal(factor) * base.factor, base.dims)
    for plen in (2, 1):
        prefix, rest = symbol[:plen], symbol[plen:]
        if prefix in PREFIXES and rest:
            entry = _ATOMS.get(rest)
            if entry is not None and entry[2]:
                inner = _atom(rest)
                if inner is not None:
                    with localcontext() as ctx:
                        ctx.prec = 40
                        return UcumUnit(PREFIXES[prefix] * inner.factor, inner.dims)
    return None


@lru_cache(maxsize=4096)
def parse_unit(text: str) -> UcumUnit | None:
    """Parse a UCUM (case-sensitive) unit expression; None if it uses anything unknown."""
    try:
        unit, pos = _term(text, 0)
    except ValueError:
        return None
    return unit if pos == len(text) else None


def _term(text: str, pos: int) -> tuple[UcumUnit, int]:
    factor = Decimal(1)
    dims: dict[str, int] = {}
    sign = 1
    if pos < len(text) and text[pos] == "/":
        sign = -1
        pos += 1
    while True:
        comp, pos = _component(text, pos)
        with localcontext() as ctx:
            ctx.prec = 40
            factor = factor * comp.factor if sign > 0 else factor / comp.factor
        _combine(dims, comp.dims, sign)
        if pos < len(text) and text[pos] in "./":
            sign = 1 if text[pos] == "." else -1
            pos += 1
            continue
        break
    return UcumUnit(factor, tuple(sorted(dims.items()))), pos


def _component(text: str, pos: int) -> tuple[UcumUnit, int]:
    if pos < len(text) and text[pos] == "(":
        inner, pos = _term(text, pos + 1)
        if pos >= len(text) or text[pos] != ")":
            raise ValueError("unbalanced parenthesis")
        pos += 1
        m = re.compile(r"[+\-]?\d+").match(text, pos)
        if m:
            return _power(inner, int(m.group())), m.end()
        return inner, pos
    m = _COMPONENT.match(text, pos)
    if m is None:
        raise ValueError("expected a unit")
    raw = m.group()
    symbol = re.sub(r"\{[^}]*\}", "", raw)
    if not symbol:  # an annotation alone is the unity
        return UcumUnit(Decimal(1), ()), m.end()
    if symbol.isdigit():
        return UcumUnit(Decimal(symbol), ()), m.end()
    em = _EXPONENT.match(symbol)
    assert em is not None
    name, exp = em.group(1), em.group(2)
    atom = _atom(name) if name else None
    if atom is None:
        atom = _atom(symbol)
        exp = None
    if atom is None:
        raise ValueError(f"unknown unit {symbol!r}")
    return (_power(atom, int(exp)) if exp else atom), m.end()


def _power(unit: UcumUnit, n: int) -> UcumUnit:
    with localcontext() as ctx:
        ctx.prec = 40
        factor = unit.factor ** n
    return UcumUnit(factor, tuple((d, e * n) for d, e in unit.dims))


def to_base(value: Decimal, unit: str) -> tuple[Decimal, Dims] | None:
    """A value in `unit` expressed in base units, with the dimensions; None if unknown."""
    special = SPECIAL.get(unit)
    with localcontext() as ctx:
        ctx.prec = 40
        if special is not None:
            num, den, offset = special
            return (value + offset) * num / den, (("K", 1),)
        parsed = parse_unit(unit)
        if parsed is None:
            return None
        return value * parsed.factor, parsed.dims


def from_base(value: Decimal, unit: str) -> Decimal | None:
    special = SPECIAL.get(unit)
    with localcontext() as ctx:
        ctx.prec = 40
        if special is not None:
            num, den, offset = special
            return value * den / num - offset
        parsed = parse_unit(unit)
        if parsed is None:
            return None
        return value / parsed.factor


def is_valid(unit: str) -> bool:
    return unit in SPECIAL or parse_unit(unit) is not None
