"""Findings bounded per file: the first N of each code kept as they are, the rest folded into one finding
of the same code with its exact count and lines — in `validate` and in `check`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conformance.files.bounded import RepeatLimit
from conformance.files.engine import CheckSettings, check_export
from conformance.files.executors import SerialExecutor
from conformance.files.sources import collect_inputs
from conformance.files.validate import validate_file
from conformance.profiles import load_profile
from conformance.results import FindingStore

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "files"
EXPORT_PROFILE = load_profile(FIXTURES / "profiles" / "export-checks")


def test_the_first_of_each_key_are_kept_and_the_rest_counted_with_their_lines() -> None:
    limit = RepeatLimit(2)
    admitted = [limit.admit("a", "a", "warning", line) for line in (3, 4, 5, 6, 9)]
    admitted.append(limit.admit("b", "b", "error", 7))
    assert admitted == [True, True, False, False, False, True]
    [(key, fold)] = list(limit.folds())
    assert (key, fold.count, fold.first_line, fold.last_line, fold.severity) == ("a", 3, 5, 9, "warning")
    assert fold.message == "3 more like this (a) at lines 5–9; only the first of each code are listed per file"


def test_a_fold_takes_the_worst_severity_and_names_a_single_line() -> None:
    limit = RepeatLimit(1)
    for severity in ("information", "warning", "error", "warning"):
        limit.admit("k", "k", severity, 12)
    [(_, fold)] = list(limit.folds())
    assert (fold.count, fold.severity) == (3, "error")
    assert fold.message.startswith("3 more like this (k) at line 12;")


def test_a_limit_of_zero_keeps_everything() -> None:
    limit = RepeatLimit(0)
    assert all(limit.admit("a", "a", "warning", n) for n in range(1000))
    assert list(limit.folds()) == []


def _blank_lines_file(tmp_path: Path, blank: int) -> Path:
    path = tmp_path / "export.ndjson"
    path.write_text('{"resourceType": "Basic", "id": "a", "code": {"text": "x"}}\n' + "\n" * blank
                    + '{"resourceType": "Basic", "id": "b", "code": {"text": "y"}}\n')
    return path


@pytest.mark.core
def test_validate_folds_a_million_like_findings_into_one(tmp_path: Path, validator: Any) -> None:
    result = validate_file(_blank_lines_file(tmp_path, 250), validator, max_repeats=100)
    blank = [i for i in result.issues if i.code == "ndjson.empty-line"]
    assert [i.line for i in blank] == [*range(2, 102), 102]
    assert all(i.message == "empty line in NDJSON" for i in blank[:100])
    assert (blank[100].severity.value, blank[100].line, blank[100].column, blank[100].message) == (
        "warning", 102, 1, "150 more like this (ndjson.empty-line) at lines 102–251; "
                           "only the first of each code are listed per file")
    assert result.resources == 2


@pytest.mark.core
def test_validate_with_no_limit_lists_every_finding(tmp_path: Path, validator: Any) -> None:
    result = validate_file(_blank_lines_file(tmp_path, 250), validator, max_repeats=0)
    assert [i.line for i in result.issues if i.code == "ndjson.empty-line"] == list(range(2, 252))


def test_check_folds_repeats_per_rule_file_and_code(tmp_path: Path) -> None:
    lines = [f'{{"resourceType":"Patient","id":"p{i}"}}' for i in range(7)]
    (tmp_path / "Patient.ndjson").write_text("\n".join(lines) + "\n")
    inputs = collect_inputs([str(tmp_path)])
    kept = check_export(EXPORT_PROFILE, inputs, SerialExecutor(), settings=CheckSettings(max_repeats=3))
    every = check_export(EXPORT_PROFILE, collect_inputs([str(tmp_path)]), SerialExecutor(),
                         settings=CheckSettings(max_repeats=0))
    tests = {t.id: t for t in kept.groups[0].tests}
    all_tests = {t.id: t for t in every.groups[0].tests}
    birth = tests["FC-BIRTH"].findings
    assert [f.line for f in all_tests["FC-BIRTH"].findings] == list(range(1, 8))
    assert [(f.code, f.line) for f in birth] == [("export.assertion-failed", n) for n in (1, 2, 3, 4)]
    assert birth[3].message == ("4 more like this (export.assertion-failed) at lines 4–7; "
                                "only the first of each code are listed per file")
    first = all_tests["FC-BIRTH"].findings[0]
    assert (birth[3].path, birth[3].severity, birth[3].check) == (first.path, first.severity, first.check)
    assert tests["FC-BIRTH"].outcome is all_tests["FC-BIRTH"].outcome


def test_check_keeps_every_finding_in_the_store_on_disk_past_its_threshold(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [f'{{"resourceType":"Patient","id":"p{i}"}}' for i in range(7)]
    (tmp_path / "Patient.ndjson").write_text("\n".join(lines) + "\n")
    monkeypatch.setenv("CONFORMANCE_FINDINGS_IN_MEMORY", "3")
    result = check_export(EXPORT_PROFILE, collect_inputs([str(tmp_path)]), SerialExecutor(),
                          settings=CheckSettings(max_repeats=0))
    birth = next(t for t in result.groups[0].tests if t.id == "FC-BIRTH").findings
    assert isinstance(birth, FindingStore) and birth.spilled
    assert [f.line for f in birth] == list(range(1, 8))
