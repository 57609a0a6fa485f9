"""Agreement with the HL7 Java validator on the dev half of its own R4 test cases (../shared).

Every row of ../shared/fhir-test-cases-r4-dev/cases.json runs as `conformance validate` would
(supporting files and the profile as `--ig`, the profile's URL as `--profile`; see hl7_cases.py)
and our valid/invalid verdict must equal the HL7 validator's. Rows where it knowingly does not are
listed in known_differences.yaml, each with its reason (a disagreement grounded in the R4
specification, or out of scope); they run as strict xfails, so a listed row that starts agreeing
fails the run until it is removed from the list, and the list can only shrink.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hl7_cases import CASES_DIR, Row, load_rows, verdict

KNOWN: dict[str, str] = yaml.safe_load(
    (Path(__file__).parent / "known_differences.yaml").read_text(encoding="utf-8")) or {}
ROWS = load_rows()

pytestmark = [pytest.mark.shared, pytest.mark.core]


def _param(row: Row) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=KNOWN[row.id])] if row.id in KNOWN else []
    return pytest.param(row, id=row.id, marks=marks)


@pytest.mark.parametrize("row", [_param(r) for r in ROWS])
def test_verdict_agrees_with_the_hl7_validator(row: Row) -> None:
    expected = "valid" if row.valid else f"invalid ({row.errors} error(s))"
    ours = verdict(row, CASES_DIR)
    assert ours == row.valid, f"{row.id} [{row.module}] {row.file}: HL7 says {expected}, we say " \
                              f"{'valid' if ours else 'invalid'} (run: python tests/validation/hl7_cases.py {row.name})"


def test_the_known_differences_name_real_rows_with_reasons() -> None:
    ids = [r.id for r in ROWS]
    assert len(ids) == len(set(ids)) == 294
    assert set(KNOWN) <= set(ids), f"known_differences.yaml names rows that do not exist: {set(KNOWN) - set(ids)}"
    assert all(isinstance(reason, str) and len(reason) > 20 for reason in KNOWN.values())


def test_agreement_figure() -> None:
    """The agreement the README states: every row run once more, counted (printed with -s or -rP)."""
    agree = sum(verdict(row, CASES_DIR) == row.valid for row in ROWS)
    print(f"\nHL7 dev cases: agreement {agree}/{len(ROWS)} = {100 * agree / len(ROWS):.1f} %")
    assert agree == len(ROWS) - len(KNOWN)
