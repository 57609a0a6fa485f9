"""The HL7 validator's R4 test cases (the dev half in ../shared/fhir-test-cases-r4-dev), run as `validate` would.

A row names a file, its supporting files and, in profile mode, a profile file. We load the
supporting files and the profile as `--ig` resource files and validate the row's file, with the
profile's canonical URL as `--profile` in profile mode; the verdict is valid when no fatal or error
issue is reported, exactly as `conformance validate` decides its exit code.

Also runnable as a script to list every row's verdict next to the HL7 validator's:
`python tests/validation/hl7_cases.py [NAME-SUBSTRING]`.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from conformance.files.validate import FileResult, validate_file
from conformance.packages import PackageCache, PackageError
from conformance.validation import Validator, create_validator

CASES_DIR = Path(__file__).resolve().parents[3] / "shared" / "fhir-test-cases-r4-dev"


@dataclass(frozen=True)
class Row:
    name: str
    mode: str  # base | profile
    module: str
    file: str
    supporting: tuple[str, ...]
    profile: str | None
    valid: bool  # the HL7 validator's verdict
    errors: int
    id: str = ""  # name@mode, unique per row (a case runs in base and profile mode; a repeated row gets #n)


def load_rows(folder: Path = CASES_DIR) -> list[Row]:
    if not (folder / "cases.json").is_file():
        return []
    data = json.loads((folder / "cases.json").read_text(encoding="utf-8"))
    rows: list[Row] = []
    seen: Counter[str] = Counter()
    for r in data:
        key = f"{r['name']}@{r['mode']}"
        seen[key] += 1
        rows.append(Row(r["name"], r["mode"], r["module"], r["file"], tuple(r["supporting"]), r["profile"],
                        bool(r["valid"]), int(r["errors"]), key if seen[key] == 1 else f"{key}#{seen[key]}"))
    return rows


@cache
def _validator(specs: tuple[str, ...]) -> Validator | str:
    """One validator per distinct set of `--ig` files (rows without any share the core one)."""
    try:
        return create_validator(specs, PackageCache.default())
    except PackageError as exc:
        return str(exc)


def _canonical_url(validator: Validator, profile_file: Path) -> str | None:
    """The URL of the StructureDefinition in `profile_file`, as the user would pass it to --profile."""
    for package in validator.definitions.packages.packages:
        if Path(package.origin) == profile_file:
            for entry in package.entries:
                if entry.url:
                    return entry.url
    return None


def run_row(row: Row, folder: Path = CASES_DIR) -> FileResult:
    """The `validate` result for the row: `--ig` per supporting/profile file, `--profile` its URL."""
    specs = [str((folder / s).absolute()) for s in row.supporting]
    profile_file = (folder / row.profile).absolute() if row.profile else None
    if profile_file is not None and str(profile_file) not in specs:
        specs.append(str(profile_file))
    validator = _validator(tuple(specs))
    target = folder / row.file
    if isinstance(validator, str):  # `validate` would stop with exit 2: not a valid verdict
        raise PackageError(validator)
    profiles: Sequence[str] = ()
    if profile_file is not None:
        url = _canonical_url(validator, profile_file)
        profiles = (url,) if url else ()
    return validate_file(target, validator, profiles)


def verdict(row: Row, folder: Path = CASES_DIR) -> bool:
    """True when `validate` would call the row's file valid (a package problem counts as invalid)."""
    try:
        return run_row(row, folder).valid
    except PackageError:
        return False


if __name__ == "__main__":  # pragma: no cover - a developer's listing
    wanted = sys.argv[1] if len(sys.argv) > 1 else ""
    agree = total = 0
    for row in load_rows():
        if wanted not in row.name:
            continue
        total += 1
        try:
            result = run_row(row)
            ours = result.valid
            detail = "; ".join(f"{i.severity.value} {i.code} @{i.location}: {i.message}" for i in result.issues
                               if i.severity.value in ("fatal", "error") or wanted)
        except PackageError as exc:
            ours, detail = False, f"package: {exc}"
        agree += ours == row.valid
        mark = "  " if ours == row.valid else "XX"
        print(f"{mark} {row.id:60} hl7={'valid' if row.valid else 'invalid':7} ours={'valid' if ours else 'invalid':7} "
              f"{row.module:10} {detail[:400]}")
    print(f"agreement {agree}/{total} = {100 * agree / max(total, 1):.1f} %")
