"""The search parameters of `GET /Patient` read and checked by the specification's rules.

| rule | answer |
|---|---|
| no search parameters | 400 UNSUPPORTED_SERVICE |
| a parameter the operation does not declare | 400 ADDITIONAL_PROPERTIES |
| a malformed value (boolean, `_max-results` outside 1–50, gender, `<eq\\|ge\\|le>yyyy-mm-dd`, over 35 characters) | 400 INVALID_VALUE |
| `address-postcode` with `address-postalcode`; a wildcard in a fuzzy search, in the first two characters, or in email/phone | 400 INVALID_SEARCH_DATA |
| fuzzy search without one of its combinations (given+family+birthdate; family+birthdate+gender+postcode; given+birthdate+gender+postcode) | 400 INVALID_SEARCH_DATA |
| non-fuzzy search without a date of birth / without a family name ("The minimum search parameters are family name, date of birth") | 400 MISSING_VALUE / INVALID_SEARCH_DATA |
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from conformance.reference.apis.pds.outcomes import error, invalid_search, invalid_value

_REPEATABLE = ("given", "birthdate", "death-date")
_SINGLE = ("_fuzzy-match", "_exact-match", "_history", "_max-results", "family", "gender", "address-postalcode",
           "address-postcode", "general-practitioner", "email", "phone")
KNOWN = frozenset(_REPEATABLE + _SINGLE)
GENDERS = ("male", "female", "other", "unknown")
_DATE = re.compile(r"(eq|ge|le)?([0-9]{4}-[0-9]{2}-[0-9]{2})")
MAX_RESULTS = 50


@dataclass(frozen=True, slots=True)
class Criteria:
    fuzzy: bool = False
    exact: bool = False
    history: bool = False
    max_results: int = MAX_RESULTS
    family: str | None = None
    given: tuple[str, ...] = ()
    gender: str | None = None
    birthdate: tuple[tuple[str, str], ...] = ()  # (eq|ge|le, yyyy-mm-dd)
    death_date: tuple[tuple[str, str], ...] = ()
    postcode: str | None = None
    practice: str | None = None
    email: str | None = None
    phone: str | None = None

    @property
    def hides_restricted(self) -> bool:
        """"If address-postalcode, address-postcode, or general-practitioner are included ... no restricted patients"."""
        return self.postcode is not None or self.practice is not None


def parse(query: list[tuple[str, str]], check_combination: bool = True, check_wildcard_position: bool = True) -> Criteria:
    """The criteria of a query; FhirError (400) by the rules above."""
    if not [k for k, _ in query if not k.startswith("_")]:
        raise error(400, "UNSUPPORTED_SERVICE", "No search parameters provided")
    unknown = sorted({k for k, _ in query if k not in KNOWN})
    if unknown:
        raise error(400, "ADDITIONAL_PROPERTIES", "Invalid request with error - additional properties are not "
                                                  f"allowed ('{unknown[0]}' was unexpected)")
    values: dict[str, list[str]] = {}
    for key, value in query:
        values.setdefault(key, []).append(value)
    for key in _SINGLE:
        if len(values.get(key, [])) > 1:
            raise invalid_search(f"Invalid search data provided - '{key}' may be given once only")
    one = {k: v[0] for k, v in values.items() if k in _SINGLE}
    if "address-postcode" in one and "address-postalcode" in one:
        raise invalid_search("Invalid search data provided - use address-postalcode or address-postcode, not both")
    criteria = Criteria(
        fuzzy=_boolean(one, "_fuzzy-match"), exact=_boolean(one, "_exact-match"), history=_boolean(one, "_history"),
        max_results=_max_results(one.get("_max-results")),
        family=_text(one, "family"), given=tuple(_text({"given": g}, "given") or "" for g in values.get("given", [])),
        gender=_gender(one.get("gender")),
        birthdate=_dates(values.get("birthdate", []), "birthdate"),
        death_date=_dates(values.get("death-date", []), "death-date"),
        postcode=one.get("address-postalcode", one.get("address-postcode")),
        practice=one.get("general-practitioner"), email=one.get("email"), phone=one.get("phone"))
    _check_wildcards(criteria.fuzzy, values, check_wildcard_position)
    if check_combination:
        _check_combination(criteria)
    return criteria


def _boolean(one: dict[str, str], name: str) -> bool:
    value = one.get(name, "false")
    if value not in ("true", "false"):
        raise invalid_value(f"Invalid value - '{value}' in field '{name}'")
    return value == "true"


def _max_results(value: str | None) -> int:
    if value is None:
        return MAX_RESULTS
    if not value.isdigit() or not 1 <= int(value) <= MAX_RESULTS:
        raise invalid_value(f"Invalid value - '{value}' in field '_max-results' (it must be between 1 and 50)")
    return int(value)


def _text(one: dict[str, str], name: str) -> str | None:
    value = one.get(name)
    if value is not None and (not value.strip() or len(value) > 35):
        raise invalid_value(f"Invalid value - '{value}' in field '{name}' (1 to 35 characters)")
    return value


def _gender(value: str | None) -> str | None:
    if value is not None and value not in GENDERS:
        raise invalid_value(f"Invalid value - '{value}' in field 'gender'")
    return value


def _dates(values: list[str], name: str) -> tuple[tuple[str, str], ...]:
    found = []
    for value in values:
        match = _DATE.fullmatch(value)
        if match is None or not _is_date(match.group(2)):
            raise invalid_value(f"Invalid value - '{value}' in field '{name}' (the format is <eq|ge|le>yyyy-mm-dd)")
        found.append((match.group(1) or "eq", match.group(2)))
    if len(found) > 2 or (len(found) == 2 and sorted(p for p, _ in found) != ["ge", "le"]):
        raise invalid_search(f"Invalid search data provided - a '{name}' range is {name}=ge...&{name}=le...")
    return tuple(found)


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _check_wildcards(fuzzy: bool, values: dict[str, list[str]], check_position: bool) -> None:
    for name in ("family", "given", "address-postalcode", "address-postcode", "email", "phone"):
        for value in values.get(name, []):
            if "*" not in value:
                continue
            if name in ("email", "phone"):
                raise invalid_search(f"Invalid search data provided - wildcards are not supported in '{name}'")
            if fuzzy:
                raise invalid_search("Invalid search data provided - wildcards are not allowed in a fuzzy search")
            if check_position and "*" in value[:2]:
                raise invalid_search(f"Invalid search data provided - '{value}': a wildcard may not be in the first "
                                     "two characters")


def _check_combination(c: Criteria) -> None:
    if c.fuzzy:
        has_given, has_postcode = bool(c.given), c.postcode is not None
        combos = (has_given and c.family and c.birthdate,
                  c.family and c.birthdate and c.gender and has_postcode,
                  has_given and c.birthdate and c.gender and has_postcode)
        if not any(combos):
            raise invalid_search("Invalid search data provided - a fuzzy search needs given name, family name and date "
                                 "of birth; or family name, date of birth, gender and postcode; or given name, date of "
                                 "birth, gender and postcode")
        return
    if not c.birthdate:
        raise error(400, "MISSING_VALUE", "Missing value - 'birth_date/birth_date_range_start/birth_date_range_end'")
    if not c.family:
        raise invalid_search("Invalid search data provided - the minimum search parameters are family name and date "
                             "of birth")

