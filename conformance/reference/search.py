"""Search parameters: what each resource type indexes, and FHIR search queries turned into SQL.

Semantics follow the FHIR R4 search specification for the parameters supported:
strings match case- and accent-insensitively from the start (`:exact`, `:contains` as
specified), tokens as `[system]|[code]`, dates as ranges with the prefixes eq, ne, gt, lt,
ge, le, sa and eb and partial dates (`1984`, `1984-03`). Repeating a parameter means AND,
a comma between values means OR. Unknown parameters are ignored (lenient handling).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

from conformance.reference.nhs import is_valid_nhs_number
from conformance.reference.outcomes import FhirError
from conformance.validation.national import NHS_NUMBER_SYSTEM

GENDER_SYSTEM = "http://hl7.org/fhir/administrative-gender"
GENDERS = ("male", "female", "other", "unknown")

# (param, system, normalised value, raw value, low date, high date)
IndexRow = tuple[str, str | None, str, str, str | None, str | None]


@dataclass(frozen=True, slots=True)
class SearchParam:
    name: str
    kind: Literal["token", "string", "date"]
    extract: Callable[[dict[str, Any]], Iterable[IndexRow]]
    documentation: str
    definition: str


# -- index extraction -------------------------------------------------------------------------------
def normalise(text: str) -> str:
    """Case- and accent-insensitive form used for string matching."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().split())


def _items(resource: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = resource.get(key)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _string(param: str, text: Any, squash: bool = False) -> Iterator[IndexRow]:
    if isinstance(text, str) and text.strip():
        norm = normalise(text).replace(" ", "") if squash else normalise(text)
        yield (param, None, norm, text, None, None)


def _id(resource: dict[str, Any]) -> Iterator[IndexRow]:
    if isinstance(resource.get("id"), str):
        yield ("_id", None, resource["id"], resource["id"], None, None)


def _identifier(resource: dict[str, Any]) -> Iterator[IndexRow]:
    for ident in _items(resource, "identifier"):
        value = ident.get("value")
        if isinstance(value, str):
            system = ident.get("system") if isinstance(ident.get("system"), str) else None
            yield ("identifier", system, value, value, None, None)


def _names(param: str, parts: Sequence[str]) -> Callable[[dict[str, Any]], Iterator[IndexRow]]:
    def extract(resource: dict[str, Any]) -> Iterator[IndexRow]:
        names = _items(resource, "name")
        if "text" in parts and isinstance(resource.get("name"), str):  # Organization.name is a string
            yield from _string(param, resource["name"])
        for name in names:
            for part in parts:
                values = name.get(part)
                for value in values if isinstance(values, list) else [values]:
                    yield from _string(param, value)
    return extract


def _gender(resource: dict[str, Any]) -> Iterator[IndexRow]:
    if isinstance(resource.get("gender"), str):
        yield ("gender", GENDER_SYSTEM, resource["gender"], resource["gender"], None, None)


def _birthdate(resource: dict[str, Any]) -> Iterator[IndexRow]:
    value = resource.get("birthDate")
    if isinstance(value, str) and (bounds := date_range(value)):
        yield ("birthdate", None, value, value, bounds[0], bounds[1])


def _postcode(resource: dict[str, Any]) -> Iterator[IndexRow]:
    for address in _items(resource, "address"):
        yield from _string("address-postcode", address.get("postalCode"), squash=True)


_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")


def date_range(value: str) -> tuple[str, str] | None:
    """First and last day covered by a (partial) date, or None when it is not a real date."""
    match = _DATE.fullmatch(value)
    if not match:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    if month is None:
        return f"{year:04d}-01-01", f"{year:04d}-12-31"
    if not 1 <= month <= 12:
        return None
    last = calendar.monthrange(year, month)[1]
    if day is None:
        return f"{year:04d}-{month:02d}-01", f"{year:04d}-{month:02d}-{last:02d}"
    if not 1 <= day <= last:
        return None
    return (f"{year:04d}-{month:02d}-{day:02d}",) * 2


def _param(name: str, kind: Literal["token", "string", "date"], extract: Callable[[dict[str, Any]], Iterable[IndexRow]], doc: str,
           base: str) -> SearchParam:
    return SearchParam(name, kind, extract, doc, f"http://hl7.org/fhir/SearchParameter/{base}")


_ID = _param("_id", "token", _id, "The resource id (for a Patient, the NHS number)", "Resource-id")
_IDENTIFIER_DOC = "An identifier, as system|value (NHS number: https://fhir.nhs.uk/Id/nhs-number|NNNNNNNNNN)"

PARAMS: dict[str, dict[str, SearchParam]] = {
    "Patient": {p.name: p for p in (
        _ID,
        _param("identifier", "token", _identifier, _IDENTIFIER_DOC, "Patient-identifier"),
        _param("family", "string", _names("family", ("family",)), "Family name, from the start", "individual-family"),
        _param("given", "string", _names("given", ("given",)), "A given name, from the start", "individual-given"),
        _param("name", "string", _names("name", ("family", "given", "text", "prefix", "suffix")),
               "Any part of a name, from the start", "Patient-name"),
        _param("gender", "token", _gender, "male | female | other | unknown", "individual-gender"),
        _param("birthdate", "date", _birthdate, "Date of birth, with eq/ne/gt/lt/ge/le/sa/eb prefixes",
               "individual-birthdate"),
        _param("address-postcode", "string", _postcode, "Postcode (spaces ignored)", "individual-address-postalcode"),
    )},
    "Practitioner": {p.name: p for p in (
        _ID,
        _param("identifier", "token", _identifier, _IDENTIFIER_DOC, "Practitioner-identifier"),
        _param("family", "string", _names("family", ("family",)), "Family name, from the start", "individual-family"),
        _param("given", "string", _names("given", ("given",)), "A given name, from the start", "individual-given"),
        _param("name", "string", _names("name", ("family", "given", "text", "prefix", "suffix")),
               "Any part of a name, from the start", "Practitioner-name"),
    )},
    "Organization": {p.name: p for p in (
        _ID,
        _param("identifier", "token", _identifier, "An identifier, as system|value (ODS code: "
               "https://fhir.nhs.uk/Id/ods-organization-code|CODE)", "Organization-identifier"),
        _param("name", "string", _names("name", ("text",)), "The name, from the start", "Organization-name"),
        _param("address-postcode", "string", _postcode, "Postcode (spaces ignored)", "Organization-address-postalcode"),
    )},
}


def index_rows(resource_type: str, resource: dict[str, Any]) -> list[IndexRow]:
    return [row for param in PARAMS.get(resource_type, {}).values() for row in param.extract(resource)]


# -- queries ----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Criterion:
    name: str  # as given, with any modifier (for links)
    value: str  # as given
    sql: str
    args: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class SearchQuery:
    resource_type: str
    criteria: tuple[Criterion, ...]
    count: int
    page: int

    def where(self) -> tuple[str, list[Any]]:
        """An SQL condition over the current-version row `c`, and its arguments."""
        if not self.criteria:
            return "1", []
        return " AND ".join(c.sql for c in self.criteria), [a for c in self.criteria for a in c.args]

    def query_string(self, page: int) -> str:
        pairs = [(c.name, c.value) for c in self.criteria] + [("_count", str(self.count)), ("_page", str(page))]
        return "&".join(f"{quote(k, safe='-_:')}={quote(v, safe='-_:|,/.')}" for k, v in pairs)

    def without_criteria(self) -> SearchQuery:
        return SearchQuery(self.resource_type, (), self.count, self.page)


def _invalid(message: str, issue_type: str = "value", code: str = "INVALID_SEARCH_DATA") -> FhirError:
    return FhirError(400, issue_type, code, message)


def parse_query(resource_type: str, pairs: Sequence[tuple[str, str]], page_size: int, max_page_size: int,
                check_nhs_numbers: bool = True) -> SearchQuery:
    """The query's criteria and paging, or a 400 FhirError saying which parameter is wrong."""
    supported = PARAMS[resource_type]
    criteria: list[Criterion] = []
    count, page = page_size, 1
    for key, value in pairs:
        name, _, modifier = key.partition(":")
        if key == "_count":
            count = min(_positive(key, value, allow_zero=True), max_page_size)
        elif key == "_page":
            page = _positive(key, value)
        elif name in supported:
            criteria.append(_criterion(supported[name], key, modifier or None, value, check_nhs_numbers))
    if not criteria:
        raise _invalid(f"a {resource_type} search needs at least one of: {', '.join(supported)}", "required")
    return SearchQuery(resource_type, tuple(criteria), count, page)


def _positive(key: str, value: str, allow_zero: bool = False) -> int:
    if value.isdigit() and (allow_zero or int(value) > 0):
        return int(value)
    raise _invalid(f"{key} must be a {'non-negative' if allow_zero else 'positive'} whole number, not '{value}'")


def _criterion(param: SearchParam, key: str, modifier: str | None, value: str, check_nhs: bool) -> Criterion:
    allowed = {"string": (None, "exact", "contains"), "token": (None,), "date": (None,)}[param.kind]
    if modifier not in allowed:
        raise _invalid(f"the modifier ':{modifier}' is not supported on '{param.name}'", "not-supported")
    alternatives = value.split(",")
    if not value or any(not alt for alt in alternatives):
        raise _invalid(f"'{key}' needs a value")
    build = {"string": _string_sql, "token": _token_sql, "date": _date_sql}[param.kind]
    parts = [build(param.name, modifier, alt, check_nhs) for alt in alternatives]
    sql = " OR ".join(p[0] for p in parts)
    args = tuple(a for p in parts for a in p[1])
    exists = ("EXISTS (SELECT 1 FROM search_index s WHERE s.type = c.type AND s.id = c.id AND s.param = ? "
              f"AND ({sql}))")
    return Criterion(key, value, exists, (param.name, *args))


def _string_sql(name: str, modifier: str | None, value: str, _check: bool) -> tuple[str, tuple[Any, ...]]:
    if modifier == "exact":
        return "s.raw = ?", (value,)
    norm = normalise(value).replace(" ", "") if name == "address-postcode" else normalise(value)
    if modifier == "contains":
        return "instr(s.norm, ?) > 0", (norm,)
    return "substr(s.norm, 1, ?) = ?", (len(norm), norm)


def _token_sql(name: str, _modifier: str | None, value: str, check_nhs: bool) -> tuple[str, tuple[Any, ...]]:
    system, bar, code = value.rpartition("|") if "|" in value else (None, "", value)
    if bar and not system and not code:
        raise _invalid(f"'{name}' needs a system or a code, not just '|'")
    if name == "gender" and code not in GENDERS:
        raise _invalid(f"gender must be one of {', '.join(GENDERS)}, not '{code}'")
    if name == "gender" and system not in (None, GENDER_SYSTEM):
        raise _invalid(f"gender codes come from {GENDER_SYSTEM}")
    if check_nhs and system == NHS_NUMBER_SYSTEM and code and not is_valid_nhs_number(code):
        raise FhirError(400, "value", "INVALID_RESOURCE_ID",
                        "the identifier is not a valid NHS number (10 digits, the last a Modulus 11 check digit)")
    if system is None:
        return "s.norm = ?", (code,)
    if not system:
        return "(s.system IS NULL AND s.norm = ?)", (code,)
    if not code:
        return "s.system = ?", (system,)
    return "(s.system = ? AND s.norm = ?)", (system, code)


_DATE_PREFIXES = {
    "eq": "(s.low >= ? AND s.high <= ?)",
    "ne": "NOT (s.low >= ? AND s.high <= ?)",
    "gt": "s.high > ?",
    "lt": "s.low < ?",
    "ge": "s.high >= ?",
    "le": "s.low <= ?",
    "sa": "s.low > ?",
    "eb": "s.high < ?",
}


def _date_sql(name: str, _modifier: str | None, value: str, _check: bool) -> tuple[str, tuple[Any, ...]]:
    prefix, rest = (value[:2], value[2:]) if value[:2].isalpha() else ("eq", value)
    if prefix not in _DATE_PREFIXES:
        raise _invalid(f"'{prefix}' is not a date prefix; use one of {', '.join(_DATE_PREFIXES)}")
    bounds = date_range(rest)
    if bounds is None:
        raise _invalid(f"'{value}' is not a date for {name}: give YYYY, YYYY-MM or YYYY-MM-DD, with an optional prefix")
    low, high = bounds
    args = {"eq": (low, high), "ne": (low, high), "gt": (high,), "lt": (low,), "ge": (low,), "le": (high,),
            "sa": (high,), "eb": (low,)}[prefix]
    return _DATE_PREFIXES[prefix], args
