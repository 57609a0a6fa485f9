"""A broken profile or scenario gives every problem, each with file, line and column — never a traceback.

The cases are folders under fixtures/scenarios/broken/; expected.yaml lists each one's errors.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conformance.profiles import ProfileError, load_profile
from conformance.scenarios import load_suite

BROKEN = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "broken"
EXPECTED: dict[str, list[list]] = yaml.safe_load((BROKEN / "expected.yaml").read_text(encoding="utf-8"))


def _errors_of(case: str) -> list[tuple[str, int, int, str]]:
    with pytest.raises(ProfileError) as caught:
        load_suite(load_profile(BROKEN / case))
    return [(Path(e.path).name, e.line, e.column, e.message) for e in caught.value.errors]


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_every_problem_is_reported_with_its_location(case: str) -> None:
    found = _errors_of(case)
    expected = EXPECTED[case]
    assert len(found) == len(expected), "\n".join(map(str, found))
    unmatched = list(found)
    for file, line, column, words in expected:
        hit = next((f for f in unmatched if f[:3] == (file, line, column) and words in f[3]), None)
        assert hit is not None, f"no error {file}:{line}:{column} containing {words!r} in:\n" + "\n".join(map(str, found))
        unmatched.remove(hit)


def test_located_error_prints_as_file_line_column_message() -> None:
    with pytest.raises(ProfileError) as caught:
        load_profile(BROKEN / "profile-schema")
    first = str(caught.value.errors[0])
    assert first.endswith("profile-schema/profile.yaml:1:1: 'publisher' is a required property")


def test_a_missing_manifest_is_a_located_error(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as caught:
        load_profile(tmp_path)
    assert [(e.message, e.line) for e in caught.value.errors] == [("no such file", 0)]


def test_an_empty_manifest_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "profile.yaml").write_text("# nothing\n")
    with pytest.raises(ProfileError) as caught:
        load_profile(tmp_path)
    assert [e.message for e in caught.value.errors] == ["the file is empty"]


def test_a_manifest_that_is_a_list_is_one_type_error(tmp_path: Path) -> None:
    (tmp_path / "profile.yaml").write_text("- id: x\n")
    with pytest.raises(ProfileError) as caught:
        load_profile(tmp_path)
    assert [(e.line, e.message) for e in caught.value.errors] == [(1, "[{'id': 'x'}] is not of type 'object'")]
