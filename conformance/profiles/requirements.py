"""A profile's requirement catalogue: `requirements.csv`, in the columns of an NHS assurance sheet.

Columns (header row, any order, case and `_`/`-` ignored): identifier, level, use case, description,
test cases, evidence required, source link, verification. identifier, level and description are
mandatory; levels are MUST (or SHALL), SHOULD and MAY; verification is `automated` (the default) or
`manual` (witness testing: satisfied only by an attestation).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from conformance.profiles.errors import LocatedError
from conformance.results import Requirement

COLUMNS = ("identifier", "level", "use case", "description", "test cases", "evidence required", "source link",
           "verification")
_MANDATORY = ("identifier", "level", "description")
LEVELS = ("MUST", "SHALL", "SHOULD", "MAY")
_FIELDS = {"identifier": "id", "level": "level", "use case": "use_case", "description": "description",
           "test cases": "test_cases", "evidence required": "evidence", "source link": "source",
           "verification": "verification"}
VERIFICATIONS = ("automated", "manual")


def _normal(name: str) -> str:
    return " ".join(name.strip().lower().replace("_", " ").replace("-", " ").split())


def read_requirements(path: Path, display: str) -> tuple[list[Requirement], list[LocatedError]]:
    """The requirements in the file, and every problem found (each with its line)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return [], [LocatedError(display, "no such file (the profile's `requirements` names it)")]
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return [], [LocatedError(display, f"cannot read the file: {reason}")]
    return parse_requirements(text, display)


def parse_requirements(text: str, display: str) -> tuple[list[Requirement], list[LocatedError]]:
    errors: list[LocatedError] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        return [], [LocatedError(display, f"not valid CSV: {exc}", 1)]
    if not header:
        return [], [LocatedError(display, "the file is empty; it needs a header row: " + ", ".join(COLUMNS), 1)]
    positions: dict[str, int] = {}
    for i, name in enumerate(header):
        key = _normal(name)
        if key in _FIELDS and key not in positions:
            positions[key] = i
        elif key:
            errors.append(LocatedError(display, f"unknown or repeated column '{name.strip()}'; the columns are: "
                                       + ", ".join(COLUMNS), 1, i + 1))
    missing = [c for c in _MANDATORY if c not in positions]
    if missing:
        errors.append(LocatedError(display, "missing column(s): " + ", ".join(missing), 1))
        return [], errors
    found: list[Requirement] = []
    seen: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            values = {_FIELDS[key]: (row[i].strip() if i < len(row) else "") for key, i in positions.items()}
            rid, level = values["id"], values["level"].upper()
            if not rid:
                errors.append(LocatedError(display, "a requirement without an identifier", line, 1))
                continue
            if rid in seen:
                errors.append(LocatedError(display, f"identifier {rid} is used again (first at line {seen[rid]})", line, 1))
                continue
            seen[rid] = line
            if level not in LEVELS:
                column = positions["level"] + 1
                errors.append(LocatedError(display, f"{rid}: level '{values['level']}' is not one of "
                                           + ", ".join(LEVELS), line, column))
                continue
            if not values["description"]:
                errors.append(LocatedError(display, f"{rid}: the description is empty", line,
                                           positions["description"] + 1))
                continue
            values["level"] = level
            verification = values.get("verification", "").lower() or "automated"
            if verification not in VERIFICATIONS:
                errors.append(LocatedError(display, f"{rid}: verification '{values['verification']}' is not one of "
                                           + ", ".join(VERIFICATIONS), line, positions["verification"] + 1))
                continue
            values["verification"] = verification
            found.append(Requirement(**values))  # type: ignore[arg-type]  # level and verification checked above
    except csv.Error as exc:
        errors.append(LocatedError(display, f"not valid CSV: {exc}", reader.line_num))
    return found, errors


def to_csv(requirements: Sequence[Requirement]) -> str:
    """The catalogue in the same columns it is read from (a spreadsheet opens it as is)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in requirements:
        writer.writerow([r.id, r.level, r.use_case, r.description, r.test_cases, r.evidence, r.source,
                         r.verification])
    return out.getvalue()
