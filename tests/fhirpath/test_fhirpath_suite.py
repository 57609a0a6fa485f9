"""The official FHIRPath R4 suite (935 tests), read in place from ../shared.

Every test runs; the few we knowingly fail are listed in known_failures.yaml with a reason and
run as strict xfails, so a listed test that starts passing fails the run (remove it from the
list) and an unlisted failure fails as usual. The rules for judging a test are in fhirpath_suite.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from fhirpath_suite import SuiteTest, load_tests, run

from conformance.fhirpath import default_model

SUITE_DIR = Path(__file__).resolve().parents[3] / "shared" / "fhirpath-suite-r4"
SUITE_FILE = SUITE_DIR / "tests-fhir-r4.xml"
KNOWN = yaml.safe_load((Path(__file__).parent / "known_failures.yaml").read_text(encoding="utf-8")) or {}
TESTS = load_tests(SUITE_FILE) if SUITE_FILE.is_file() else []

pytestmark = [pytest.mark.shared, pytest.mark.core]


def _param(test: SuiteTest) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=KNOWN[test.id])] if test.id in KNOWN else []
    return pytest.param(test, id=test.id, marks=marks)


@pytest.mark.parametrize("test", [_param(t) for t in TESTS])
def test_suite(test: SuiteTest) -> None:
    problem = run(test, SUITE_DIR, default_model())
    assert problem is None, f"{test.id} [{test.group}] {test.expression!r}: {problem}"


def test_the_suite_is_complete_and_the_known_failures_exist() -> None:
    ids = {t.id for t in TESTS}
    assert len(TESTS) == 935
    assert set(KNOWN) <= ids, f"known_failures.yaml names tests that do not exist: {set(KNOWN) - ids}"
    assert (len(TESTS) - len(KNOWN)) / len(TESTS) >= 0.95
