"""Baselines: accepted failures are shown as accepted, an expired entry fails, new findings still fail."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from conformance.reports.baseline import (
    BaselineError,
    apply_baseline,
    baseline_yaml,
    compile_glob,
    load_baseline,
    parse_baseline,
    write_baseline,
)
from conformance.reports.results_io import run_result_from_json, schema_errors, to_document
from conformance.results import Finding, Outcome, RequirementStatus, RunResult, acceptance_of
from tests.reports.conftest import load_run

TODAY = date(2026, 2, 1)


def baseline(*entries: str, profile: str = "") -> str:
    head = f"version: 1\n{profile}accepted:\n"
    return head + "".join(entries)


def entry(selector: str, expires: str = "2026-12-31", why: str = "known, fixed in 4.2 (PDS-123)") -> str:
    lines = selector.strip().splitlines()
    return "".join(f"{'- ' if i == 0 else '  '}{line}\n" for i, line in enumerate(lines)) + \
        f"  justification: {why}\n  expires: {expires}\n"


def apply(text: str, run: str = "scenario", today: date = TODAY) -> RunResult:
    return apply_baseline(load_run(run), parse_baseline(text, "baseline.yaml"), today=today)


def status(result: RunResult, rid: str) -> tuple[str, bool]:
    r = next(r for r in result.requirements if r.requirement.id == rid)
    return r.status.value, acceptance_of(r) is not None


def test_requirement_entry_accepts_and_shows_it() -> None:
    result = apply(baseline(entry("requirement: PDS-VER-001")))
    assert status(result, "PDS-VER-001") == ("failed", True)  # the truth stays: failed, and accepted
    assert status(result, "PDS-READ-003") == ("failed", False)
    test = next(t for g in result.groups for t in g.tests if t.id == "versioning/etag")
    assert test.outcome is Outcome.FAIL and acceptance_of(test).entry == 1
    assert all(acceptance_of(f) for f in test.findings if f.outcome is Outcome.FAIL)
    summary = result.summary()
    assert (summary.failed, summary.accepted) == (3, 1)
    assert result.exit_code() == 1  # other failures are new


def test_accepting_every_failure_leaves_only_the_requirement_without_a_verdict() -> None:
    entries = [entry("requirement: PDS-VER-001"), entry("requirement: PDS-HDR-001"),
               entry("code: binding.required\nlocation: Patient.gender"), entry("test: search/*")]
    result = apply(baseline(*entries))
    verdict = result.verdict()
    # every failure is accepted; the one MUST that was not tested keeps the run from passing
    assert (verdict.label, verdict.exit_code, verdict.failed) == ("INCOMPLETE", 2, ())
    assert [m.id for m in verdict.missing] == ["PDS-UKC-001"]
    assert [e.state for e in result.baseline.entries] == ["applied"] * 4
    assert result.summary().accepted == 4


def test_an_expired_entry_accepts_nothing_and_fails_the_run() -> None:
    entries = [entry("requirement: PDS-VER-001"), entry("requirement: PDS-HDR-001"),
               entry("code: binding.required"), entry("test: search/*", expires="2026-01-31")]
    result = apply(baseline(*entries))
    assert status(result, "PDS-SRCH-001") == ("failed", False)
    assert [e.state for e in result.baseline.entries] == ["applied", "applied", "applied", "expired"]
    assert result.exit_code() == 1


def test_expired_entry_fails_even_when_nothing_else_does() -> None:
    result = apply(baseline(entry("requirement: PDS-VER-001"), entry("requirement: PDS-HDR-001"),
                            entry("code: binding.required"), entry("test: search/*"),
                            entry("requirement: PDS-CAP-001", expires="2026-01-01")))
    assert status(result, "PDS-SRCH-001") == ("failed", True)
    assert result.exit_code() == 1
    assert result.baseline.expired[0].entry == 5


def test_the_last_day_still_holds() -> None:
    result = apply(baseline(entry("requirement: PDS-VER-001", expires="2026-02-01")))
    assert status(result, "PDS-VER-001") == ("failed", True)


def test_a_new_finding_in_an_accepted_test_still_fails() -> None:
    run = load_run("scenario")
    test = next(t for g in run.groups for t in g.tests if t.id == "read/api-rules")
    test.findings.append(Finding("conforms to X", Outcome.FAIL, "new problem", "error", "cardinality.min", "Patient"))
    result = apply_baseline(run, parse_baseline(baseline(entry("code: binding.required")), "b"), today=TODAY)
    accepted = next(t for g in result.groups for t in g.tests if t.id == "read/api-rules")
    assert [acceptance_of(f) is not None for f in accepted.findings if f.outcome is Outcome.FAIL] == [True, False]
    assert acceptance_of(accepted) is None
    assert status(result, "PDS-READ-003") == ("failed", False)


def test_code_path_and_location_patterns() -> None:
    text = baseline(entry('code: value.format\npath: "exports/*"\nlocation: "Patient.maritalStatus.coding[0].code"'),
                    entry('code: binding.required\npath: "elsewhere/*"'))
    result = apply(text, run="file-check")
    findings = result.groups[0].tests[0].findings
    assert [(f.code, acceptance_of(f) is not None) for f in findings] == [
        ("binding.required", False), ("uk.nhs-number.check-digit", False), ("value.format", True),
        ("value.whitespace", False)]
    assert [e.state for e in result.baseline.entries] == ["applied", "unused"]


def test_errors_are_never_accepted() -> None:
    result = apply(baseline(entry("requirement: EXP-BUN-001"), entry("test: bundles/*")), run="file-check")
    assert status(result, "EXP-BUN-001") == ("error", False)
    verdict = result.verdict()
    assert (verdict.label, verdict.exit_code, verdict.failed) == ("FAIL", 1, ("EXP-PAT-001",))
    assert [m.id for m in verdict.missing] == ["EXP-BUN-001"]  # never accepted, still without a verdict


def test_should_warnings_can_be_accepted() -> None:
    result = apply(baseline(entry("requirement: EXP-PAT-002")), run="file-check")
    assert status(result, "EXP-PAT-002") == ("warning", True)
    assert result.summary().warnings == 0 and result.summary().accepted == 1


def test_apply_is_pure() -> None:
    run = load_run("scenario")
    before = json.dumps(run.to_json())
    apply_baseline(run, parse_baseline(baseline(entry("requirement: PDS-VER-001")), "b"), today=TODAY)
    assert json.dumps(run.to_json()) == before


def test_baselined_document_validates_and_round_trips() -> None:
    result = apply(baseline(entry("requirement: PDS-VER-001"), entry("code: binding.required"),
                            entry("requirement: PDS-CAP-001", expires="2025-01-01")))
    document = to_document(result)
    assert schema_errors(document) == []
    back = run_result_from_json(document)
    assert back.baseline is not None and to_document(back) == document
    assert back.exit_code() == result.exit_code() == 1
    assert document["summary"]["accepted"] == 2
    assert document["baseline"]["entries"][2] == {
        "entry": 3, "matched": "requirement PDS-CAP-001", "justification": "known, fixed in 4.2 (PDS-123)",
        "expires": "2025-01-01", "state": "expired", "line": 9}


def test_an_impossible_date_is_a_located_baseline_error_not_a_crash() -> None:
    with pytest.raises(BaselineError) as caught:
        parse_baseline(baseline(entry("requirement: PDS-VER-001", expires="2027-13-45")), "b.yaml")
    assert str(caught.value) == ("b.yaml:3: entry 1: `expires: 2027-13-45` is not a date; write YYYY-MM-DD "
                                 "(the last day the entry holds)")


def test_an_expired_entry_is_named_with_its_file_and_line() -> None:
    result = apply(baseline(entry("requirement: PDS-VER-001"), entry("requirement: PDS-HDR-001", expires="2026-01-31")))
    verdict = result.verdict()
    assert verdict.label == "FAIL"
    assert verdict.expired == ("baseline.yaml:6: entry #2 (requirement PDS-HDR-001) expired after 2026-01-31",)


def test_profile_mismatch_is_refused() -> None:
    with pytest.raises(BaselineError, match="baseline.yaml: this baseline is for profile other, not nhs-patient"):
        apply(baseline(entry("requirement: PDS-VER-001"), profile="profile: other\n"))


@pytest.mark.parametrize(("text", "message"), [
    ("accepted: [\n", "baseline.yaml:2: not valid YAML"),
    ("- a\n", "baseline.yaml: a baseline is a mapping"),
    ("accepted: []\ncolour: red\n", "baseline.yaml: unknown key(s) colour"),
    ("version: 2\naccepted: []\n", "baseline.yaml: baseline version 2 is not supported"),
    ("accepted:\n- requirement: X\n  expires: 2026-01-01\n", "baseline.yaml:2: entry 1: `justification` is required"),
    ("accepted:\n- requirement: X\n  justification: 'TODO: why is this accepted?'\n  expires: 2026-01-01\n",
     "baseline.yaml:2: entry 1: the justification is still the placeholder"),
    ("accepted:\n- requirement: X\n  justification: y\n", "baseline.yaml:2: entry 1: `expires` is required"),
    ("accepted:\n- requirement: X\n  justification: y\n  expires: soon\n", "`expires: soon` is not a date; write YYYY-MM-DD"),
    ("accepted:\n- justification: y\n  expires: 2026-01-01\n", "say what is accepted"),
    ("accepted:\n- requirement: X\n  code: y.z\n  justification: y\n  expires: 2026-01-01\n", "not both"),
    ("accepted:\n- requirement: X\n  justification: y\n  expiry: 2026-01-01\n", "unknown key(s) expiry"),
])
def test_bad_baselines_are_located_errors(text: str, message: str) -> None:
    with pytest.raises(BaselineError) as caught:
        parse_baseline(text, "baseline.yaml")
    assert message in str(caught.value)


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match="cannot read the baseline"):
        load_baseline(tmp_path / "missing.yaml")


@pytest.mark.parametrize(("pattern", "value", "matches"), [
    ("Patient.identifier[0].value", "Patient.identifier[0].value", True),
    ("Patient.identifier[0].value", "Patient.identifier0.value", False),
    ("Patient.identifier[*].value", "Patient.identifier[12].value", True),
    ("exports/*.ndjson", "exports/a/b.ndjson", True),
    ("read/?", "read/ab", False),
    ("read", "read/api-rules", False),
])
def test_glob_semantics(pattern: str, value: str, matches: bool) -> None:
    assert (compile_glob(pattern).fullmatch(value) is not None) is matches


def test_write_baseline_starts_one_that_accepts_this_run(tmp_path: Path) -> None:
    path = tmp_path / "ci" / "baseline.yaml"
    assert write_baseline(load_run("file-check"), path, today=date(2026, 1, 15)) == 6
    text = path.read_text(encoding="utf-8")
    assert "expires: 2026-04-15" in text and "&id" not in text
    with pytest.raises(BaselineError, match="still the placeholder"):
        load_baseline(path)
    path.write_text(text.replace("'TODO: why is this accepted?'", "accepted for the pilot"), encoding="utf-8")
    result = apply_baseline(load_run("file-check"), load_baseline(path), today=date(2026, 1, 15))
    assert [e.state for e in result.baseline.entries] == ["applied"] * 6
    assert {r.requirement.id: (r.status.value, acceptance_of(r) is not None) for r in result.requirements} == {
        "EXP-PAT-001": ("failed", True), "EXP-PAT-002": ("warning", True), "EXP-BUN-001": ("error", False),
        "EXP-NDJ-001": ("skipped", False), "EXP-OBS-001": ("not-tested", False)}


def test_written_entries_are_precise() -> None:
    text = baseline_yaml(load_run("scenario"), today=date(2026, 1, 15))
    assert "- code: binding.required\n  test: read/api-rules\n  location: Patient.gender\n" in text
    assert "- test: versioning/etag\n" in text


def test_requirement_statuses_are_untouched() -> None:
    result = apply(baseline(entry("requirement: PDS-VER-001")))
    assert [r.status for r in result.requirements] == [r.status for r in load_run("scenario").requirements]
    assert RequirementStatus.FAILED in {r.status for r in result.requirements}
