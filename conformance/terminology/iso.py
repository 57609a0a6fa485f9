"""The shape of ISO currency and country codes, the ISO code systems R4 binds by URN.

R4 Money.currency is required-bound to `currencies` ("ISO 4217 Currency Code": all of urn:iso:std:iso:4217),
and R4 terminologies-systems.html names urn:iso:std:iso:3166 ("ISO 3166 Codes (Countries)": the 2-letter,
3-letter and numeric codes) and urn:iso:std:iso:3166:-2 (country subdivisions). The lists themselves are not
held offline, but their codes have one shape each, so a value of another shape is no code of the system:

- ISO 4217: three upper-case letters (the alphabetic code, `EUR`, `GBP`; FHIR's currency codes are these).
- ISO 3166-1: two or three upper-case letters (alpha-2 `GB`, alpha-3 `GBR`) or three digits (numeric `826`).
- ISO 3166-2: an alpha-2 country code, a hyphen and one to three letters or digits (`GB-ENG`, `US-CA`).
"""

from __future__ import annotations

import re

CURRENCIES = "urn:iso:std:iso:4217"
COUNTRIES = "urn:iso:std:iso:3166"
SUBDIVISIONS = "urn:iso:std:iso:3166:-2"

_SHAPES: dict[str, tuple[re.Pattern[str], str]] = {
    CURRENCIES: (re.compile(r"[A-Z]{3}"), "an ISO 4217 currency code is three upper-case letters (e.g. EUR, GBP)"),
    COUNTRIES: (re.compile(r"[A-Z]{2,3}|[0-9]{3}"),
                "an ISO 3166 country code is two or three upper-case letters or three digits (e.g. GB, GBR, 826)"),
    SUBDIVISIONS: (re.compile(r"[A-Z]{2}-[A-Z0-9]{1,3}"),
                   "an ISO 3166-2 code is a country code, '-' and 1 to 3 letters or digits (e.g. GB-ENG)"),
}


def iso_code_problem(system: str, code: str) -> str | None:
    """Why `code` cannot be a code of the ISO code system `system`, or None (also for other systems)."""
    shape = _SHAPES.get(system)
    if shape is None or shape[0].fullmatch(code):
        return None
    return shape[1]
