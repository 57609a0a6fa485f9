"""The Markdown summary and GitHub Actions annotations."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from conformance.reports import github, markdown
from conformance.reports.baseline import apply_baseline, parse_baseline
from tests.reports.conftest import assert_golden, load_run


def test_golden(run_name: str) -> None:
    assert_golden(f"{run_name}.summary.md", markdown.render(load_run(run_name)))


def test_summary_lists_what_needs_attention() -> None:
    text = markdown.render(load_run("file-check"))
    assert text.startswith("## ❌ FAIL: UK Core exported files (`uk-core-exports` 0.2.0)\n")
    attention = text.split("### Needs attention")[1].split("<details>")[0]
    assert [line.split("|")[2].strip() for line in attention.splitlines() if line.startswith("| ")][1:] == [
        "`EXP-PAT-001`", "`EXP-PAT-002`", "`EXP-BUN-001`"]
    assert "&lt;" not in attention  # nothing to escape there
    assert "| 5 | 0 | 1 | 1 | 1 | 1 | 1 | 40.0% |" in text


def test_cells_cannot_break_the_table_or_inject_html() -> None:
    result = load_run("scenario")
    result.requirements[3].requirement = type(result.requirements[3].requirement)(
        "PDS-READ-003", "MUST", "a | b <img src=x>\nnext line")
    text = markdown.render(result)
    assert "| a \\| b &lt;img src=x&gt; next line |" in text


def test_accepted_and_expired_are_called_out() -> None:
    baseline = parse_baseline("accepted:\n- requirement: PDS-VER-001\n  justification: ETags in 4.2\n"
                              "  expires: 2030-01-01\n- requirement: PDS-HDR-001\n  justification: old\n"
                              "  expires: 2025-01-01\n", "b.yaml")
    text = markdown.render(apply_baseline(load_run("scenario"), baseline, today=date(2026, 1, 1)))
    assert "| ☑️ | `PDS-VER-001` | MUST | failed — accepted until 2030-01-01: ETags in 4.2 |" in text
    assert "- b.yaml:5: entry #2 (requirement PDS-HDR-001) expired after 2025-01-01: old" in text
    header = next(line for line in text.splitlines() if line.startswith("| Requirements |"))
    assert "Accepted |" in header


def test_annotations_for_file_findings_and_scenario_failures() -> None:
    lines = github.annotation_lines(load_run("file-check"))
    assert lines[0] == ("::error file=exports/2026 run/patients.ndjson,line=3,col=57,title=binding.required::"
                        "'M' is not in the required value set http://hl7.org/fhir/ValueSet/administrative-gender "
                        "(Patient.gender)")
    assert lines[3].startswith("::warning file=exports/2026 run/patients.ndjson,line=7,col=23,title=value.whitespace::")
    assert lines[-1] == ("::error title=bundles/exports/locked.json could not run::internal error while validating: "
                         "KeyError: 'entry' (at validator.py:312); please report it")
    scenario = github.annotation_lines(load_run("scenario"))
    assert scenario[0].startswith("::error title=PDS-READ-003 read/api-rules::conforms to https://conformance.invalid/")
    assert len(scenario) == 5


def test_annotation_values_are_escaped() -> None:
    result = load_run("file-check")
    finding = result.groups[0].tests[0].findings[0]
    finding.path, finding.message = "a,b:c.json", "50%\nof it"
    line = github.annotation_lines(result)[0]
    assert line.startswith("::error file=a%2Cb%3Ac.json,line=3,col=57,title=binding.required::50%25%0Aof it")


def test_annotations_are_capped() -> None:
    lines = github.annotation_lines(load_run("file-check"), limit=2)
    assert len(lines) == 3
    assert lines[-1] == "::notice title=conformance::5 more finding(s) not annotated; see the report files"


def test_emit_only_under_github_actions(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    out = io.StringIO()
    assert github.emit(load_run("scenario"), out, {"GITHUB_STEP_SUMMARY": str(summary)}) is False
    assert out.getvalue() == "" and summary.read_text(encoding="utf-8") == "earlier step\n"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    assert github.emit(load_run("scenario"), out, env) is True
    assert out.getvalue().count("::error ") == 5
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n## ❌ FAIL: Patient demographics API")


def test_accepted_failures_become_notices() -> None:
    baseline = parse_baseline("accepted:\n- test: versioning/etag\n  justification: ETags in 4.2\n"
                              "  expires: 2030-01-01\n", "b.yaml")
    lines = github.annotation_lines(apply_baseline(load_run("scenario"), baseline, today=date(2026, 1, 1)))
    assert ("::notice title=PDS-VER-001 versioning/etag::accepted by baseline entry 1 until 2030-01-01 "
            "(ETags in 4.2): capture version_id: meta.versionId gave nothing") in lines
