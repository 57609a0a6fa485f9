"""The per-field business rules of `PATCH /Patient/{id}` ("Patient data fields" in the operation's
description), checked on the patched patient against the one before, so that only what the patch
changes is judged (a legacy value already held is not refused):

| field | rule | answer |
|---|---|---|
| `gender` | "can only be `male`, `female` or `unknown`", "cannot set gender to `other`" | 400 INVALID_VALUE |
| `birthDate` | "cannot be a date in the future" | 400 INVALID_UPDATE |
| a `period` of a name, address, telecom or contact | "an `end` date must not be before the `start` date" | 400 INVALID_UPDATE (the error table's example) |
| `name` | "supplied name data can only contain characters from the following ranges" | 400 UNSUPPORTED_CHARACTERS_IN_FIELD |
| `name` | "cannot add more than one `usual` name", "cannot add more than one `nickname`" | 400 INVALID_UPDATE |
| `contact` | "the relationship can only be `C` meaning `Emergency Contact`"; "in any telecom child object the system cannot be `fax`" | 400 INVALID_VALUE |
| `name` | "the first character of each `suffix` item must be `A-Z`" | 400 INVALID_VALUE |
| a `period` | "if a `period` object is supplied, a `start` date must also be provided"; "a `start` date must not be in the future" | 400 INVALID_UPDATE |
| `telecom` (the patient's and a contact's) | an email "must be a valid email format ... and must be more than 6 characters and less than 90 characters" | 400 INVALID_VALUE |

The other rules of that section (the usual name cannot be removed, address uses and periods, death
notification, ...) are not played.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from conformance.reference.apis.pds.outcomes import error, invalid_update, invalid_value

# "Character Code/Range": A-Z, a-z, apostrophe, hyphen, space, À-Ö, Ø-ö, ø-ſ, full stop, digits
_NAME_RANGES = ((65, 90), (97, 122), (45, 45), (39, 39), (32, 32), (192, 214), (216, 246), (248, 383), (46, 46),
                (48, 57))
_WITH_PERIODS = ("name", "address", "telecom", "contact")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
EMERGENCY_CONTACT = "C"


def check_fields(before: dict[str, Any], after: dict[str, Any]) -> None:
    """FhirError (400) when the patch breaks one of the rules above."""
    if after.get("gender") == "other" and before.get("gender") != "other":
        raise invalid_value("Invalid value - 'other' in field 'gender' (male, female or unknown)")
    born = after.get("birthDate")
    if isinstance(born, str) and born != before.get("birthDate") and born[:10] > date.today().isoformat():
        raise invalid_update(f"birthDate '{born}' cannot be a date in the future")
    for field in _WITH_PERIODS:
        for item in _changed(before, after, field):
            period = item.get("period") or {}
            start, end = period.get("start"), period.get("end")
            if "period" in item and not isinstance(start, str):
                raise invalid_update(f"a {field} period needs a start date")
            if isinstance(start, str) and start[:10] > date.today().isoformat():
                raise invalid_update(f"a {field} period cannot start in the future ({start})")
            if isinstance(start, str) and isinstance(end, str) and end[:10] < start[:10]:
                raise invalid_update(f"a {field} period ends ({end}) before it starts ({start})")
    for use in ("usual", "nickname"):
        if _uses(after, use) > max(1, _uses(before, use)):
            raise invalid_update(f"a patient cannot have more than one '{use}' name")
    _check_contacts(before, after)
    for name in _changed(before, after, "name"):
        for suffix in name.get("suffix") or []:
            if not (isinstance(suffix, str) and suffix[:1].isascii() and suffix[:1].isupper()):
                raise invalid_value(f"Invalid value - suffix '{suffix}' (its first character must be A-Z)")
        for part in ("family", "given", "prefix", "suffix"):
            values = name.get(part)
            for value in values if isinstance(values, list) else [values]:
                bad = [c for c in value or "" if not any(lo <= ord(c) <= hi for lo, hi in _NAME_RANGES)]
                if isinstance(value, str) and bad:
                    raise error(400, "UNSUPPORTED_CHARACTERS_IN_FIELD",
                                f"Unsupported characters in field - '{value}' in name {part} ('{bad[0]}')")


def _changed(before: dict[str, Any], after: dict[str, Any], field: str) -> list[dict[str, Any]]:
    """The items of a list field the patch added or changed."""
    held = before.get(field) or []
    return [item for item in after.get(field) or [] if isinstance(item, dict) and item not in held]


def _uses(patient: dict[str, Any], use: str) -> int:
    return sum(1 for name in patient.get("name") or [] if isinstance(name, dict) and name.get("use") == use)


def _check_contacts(before: dict[str, Any], after: dict[str, Any]) -> None:
    """Emergency contacts only, and every email the patch adds or changes well formed."""
    contacts = _changed(before, after, "contact")
    for contact in contacts:
        codes = [c.get("code") for r in contact.get("relationship") or [] for c in (r or {}).get("coding") or []]
        if any(code != EMERGENCY_CONTACT for code in codes):
            raise invalid_value(f"Invalid value - contact relationship {codes} (only '{EMERGENCY_CONTACT}', Emergency "
                                "Contact)")
    for telecom in (t for c in contacts for t in c.get("telecom") or []):
        if isinstance(telecom, dict) and telecom.get("system") == "fax":
            raise invalid_value("Invalid value - a contact's telecom system cannot be 'fax'")
    telecoms = _changed(before, after, "telecom") + [t for c in contacts for t in c.get("telecom") or []]
    for telecom in (t for t in telecoms if isinstance(t, dict)):
        value = telecom.get("value")
        if telecom.get("system") == "email" and not (isinstance(value, str) and 6 < len(value) < 90
                                                     and _EMAIL.fullmatch(value)):
            raise invalid_value(f"Invalid value - '{value}' is not an email address of 7 to 89 characters")
