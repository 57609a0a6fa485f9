"""How closely one patient matches search criteria: a score from 0 to 1, or no match.

Each criterion scores 1.0 when it matches the patient's current data exactly and 0.8 when it matches
only partly: through a wildcard, a homophone (Soundex, fuzzy search), a transposed name (fuzzy) or
historic data (a previous name, `use: old`; searched with `_history=true` and always by a fuzzy
search). A criterion that does not match means no match, except that a fuzzy search does not match
on date of death or registered GP practice: "a mismatch reduces the returned score" (0.0 for that
criterion). The score is the mean, to two places; 1.0 is an exact match. Names are not case
sensitive; postcodes ignore case and spaces; emails are not case sensitive; phone numbers and
practice codes match exactly. Given names match in order (the first searched given name against the
first given name, ...), so a given-name wildcard "will match the start of the first given name and not
subsequent given names" ("Alan Michael" is found by Ala*, not by Mic*).
"""

from __future__ import annotations

import re
from typing import Any

from conformance.reference.apis.pds.criteria import Criteria

EXACT, PARTIAL = 1.0, 0.8
_SOUNDEX = {c: str(d) for d, letters in enumerate(("", "bfpv", "cgjkqsxz", "dt", "l", "mn", "r")) for c in letters}


def soundex(name: str) -> str:
    """The American Soundex code of a name (the algorithm PDS's fuzzy search names)."""
    letters = [c for c in name.lower() if c.isalpha()]
    if not letters:
        return ""
    code, last = letters[0].upper(), _SOUNDEX.get(letters[0], "")
    for c in letters[1:]:
        digit = _SOUNDEX.get(c, "")
        if digit and digit != last:
            code += digit
        if c not in "hw":
            last = digit
    return (code + "000")[:4]


def _pattern(value: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in value.lower().split("*")), re.IGNORECASE)


def _text_score(wanted: str, actual: str | None, fuzzy: bool) -> float | None:
    if not actual:
        return None
    if "*" in wanted:
        return PARTIAL if _pattern(wanted).fullmatch(actual) else None
    if wanted.lower() == actual.lower():
        return EXACT
    return PARTIAL if fuzzy and soundex(wanted) == soundex(actual) else None


def _name_score(c: Criteria, name: dict[str, Any], first_given_only: bool) -> float | None:
    """The score of the family and given criteria on one name (None: no match)."""
    given = [g for g in name.get("given") or [] if isinstance(g, str)]
    scores: list[float] = []
    if c.family is not None:
        found = _text_score(c.family, name.get("family"), c.fuzzy)
        if found is None and c.fuzzy and given and _text_score(c.family, given[0], True) is not None:
            found = PARTIAL  # transposed names
        if found is None:
            return None
        scores.append(found)
    for i, wanted in enumerate(c.given):
        found = _text_score(wanted, given[i] if i < len(given) else None, c.fuzzy)
        if found is None and "*" in wanted and not first_given_only:
            found = next((s for g in given if (s := _text_score(wanted, g, False)) is not None), None)
        if found is None and c.fuzzy and i == 0 and _text_score(wanted, name.get("family"), True) is not None:
            found = PARTIAL
        if found is None:
            return None
        scores.append(found)
    return min(scores, default=EXACT)


def _names(patient: dict[str, Any], c: Criteria, first_given_only: bool) -> float | None:
    if c.family is None and not c.given:
        return EXACT
    best: float | None = None
    for name in patient.get("name") or []:
        historic = name.get("use") == "old"
        if historic and not (c.history or c.fuzzy):
            continue
        found = _name_score(c, name, first_given_only)
        if found is not None:
            found = min(found, PARTIAL) if historic else found
            best = found if best is None else max(best, found)
    return best


def _dates_hold(ranges: tuple[tuple[str, str], ...], actual: str | None) -> bool:
    if not actual:
        return False
    day = actual[:10]
    return all((op == "eq" and day == d) or (op == "ge" and day >= d) or (op == "le" and day <= d) for op, d in ranges)


def _postcode(c: Criteria, patient: dict[str, Any]) -> float | None:
    wanted = (c.postcode or "").replace(" ", "")
    best: float | None = None
    for address in patient.get("address") or []:
        if address.get("use") == "old" and not (c.history or c.fuzzy):
            continue
        found = _text_score(wanted, str(address.get("postalCode", "")).replace(" ", ""), False)
        if found is not None and address.get("use") == "old":
            found = PARTIAL
        best = found if best is None else max(best, found or 0.0)
    return best


def _telecom(patient: dict[str, Any], system: str, wanted: str) -> float | None:
    for telecom in patient.get("telecom") or []:
        value = telecom.get("value")
        if telecom.get("system") != system or not isinstance(value, str):
            continue
        if (value.lower() == wanted.lower()) if system == "email" else (value == wanted):
            return EXACT
    return None


def _practice(patient: dict[str, Any], wanted: str) -> float | None:
    for gp in patient.get("generalPractitioner") or []:
        if str(((gp or {}).get("identifier") or {}).get("value", "")).upper() == wanted.upper():
            return EXACT
    return None


def score(patient: dict[str, Any], c: Criteria, first_given_only: bool = True) -> float | None:
    """The patient's score for the criteria; None when it does not match (`first_given_only=False`: the
    fault that lets a given-name wildcard match any given name)."""
    scores: list[float | None] = [_names(patient, c, first_given_only)]
    if c.gender is not None:
        scores.append(EXACT if patient.get("gender") == c.gender else None)
    if c.birthdate:
        scores.append(EXACT if _dates_hold(c.birthdate, patient.get("birthDate")) else None)
    if c.postcode is not None:
        scores.append(_postcode(c, patient))
    if c.email is not None:
        scores.append(_telecom(patient, "email", c.email))
    if c.phone is not None:
        scores.append(_telecom(patient, "phone", c.phone))
    score_only: list[float | None] = []
    if c.death_date:
        score_only.append(EXACT if _dates_hold(c.death_date, patient.get("deceasedDateTime")) else None)
    if c.practice is not None:
        score_only.append(_practice(patient, c.practice))
    if c.fuzzy:
        scores.extend(0.0 if s is None else s for s in score_only)
    else:
        scores.extend(score_only)
    if any(s is None for s in scores):
        return None
    found = [s for s in scores if s is not None]
    return round(sum(found) / len(found), 2)
