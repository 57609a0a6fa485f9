"""NHS numbers as Patient ids, the way England's demographics service uses them."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from conformance.validation.national import NHS_NUMBER_SYSTEM, nhs_number_check_digit

_TEN_DIGITS = re.compile(r"[0-9]{10}")
# new Patients get numbers from the range set aside for testing (999 000 0000 - 999 999 9999)
_FIRST_ALLOCATED = 9_990_000_000


def is_valid_nhs_number(value: str) -> bool:
    """Ten digits whose last is the Modulus 11 check digit of the first nine."""
    if not _TEN_DIGITS.fullmatch(value):
        return False
    return nhs_number_check_digit(value[:9]) == int(value[9])


def nhs_numbers(patient: dict[str, Any]) -> list[str]:
    """The values of the Patient's NHS number identifiers."""
    found: list[str] = []
    for identifier in patient.get("identifier") or []:
        if isinstance(identifier, dict) and identifier.get("system") == NHS_NUMBER_SYSTEM:
            value = identifier.get("value")
            if isinstance(value, str):
                found.append(value)
    return found


def with_nhs_number(patient: dict[str, Any], nhs_number: str) -> dict[str, Any]:
    """The Patient, with an NHS number identifier first unless it already carries one."""
    if nhs_number in nhs_numbers(patient):
        return patient
    identifiers = [i for i in patient.get("identifier") or [] if isinstance(i, dict)]
    return {**patient, "identifier": [{"system": NHS_NUMBER_SYSTEM, "value": nhs_number}, *identifiers]}


def allocate_nhs_number(taken: Callable[[str], bool]) -> str:
    """The first valid test-range NHS number for which `taken` is false."""
    candidate = _FIRST_ALLOCATED
    while True:
        value = str(candidate)
        if is_valid_nhs_number(value) and not taken(value):
            return value
        candidate += 1


def without_nhs_number(patient: dict[str, Any]) -> dict[str, Any]:
    """The Patient with its NHS number identifiers removed (the `missing-nhs-number` fault)."""
    kept = [i for i in patient.get("identifier") or []
            if not (isinstance(i, dict) and i.get("system") == NHS_NUMBER_SYSTEM)]
    return {k: (kept if k == "identifier" else v) for k, v in patient.items() if k != "identifier" or kept}
