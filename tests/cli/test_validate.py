"""`conformance validate` end to end: exit codes, the JSON contract, OperationOutcome, --ig sources, workers."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conformance.cli import _register, app

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "fixtures" / "examples"
SHARED = REPO.parent / "shared"

_register()
runner = CliRunner()

pytestmark = pytest.mark.core

BAD_PATIENT = r"""{
  "resourceType": "Patient",
  "id": "ex 1",
  "active": "yes",
  "gender": "unknownish",
  "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"}
}
"""


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["validate", *args])
    return result.exit_code, result.output


def test_valid_examples_exit_0_and_say_so() -> None:
    code, out = invoke(str(EXAMPLES))
    assert code == 0, out
    assert "3 of 3 file(s) valid: 0 error(s), 0 warning(s)" in out


def test_invalid_file_exits_1_with_located_findings(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(BAD_PATIENT)
    code, out = invoke(str(bad))
    assert code == 1
    assert f"{bad}:3:3 error value.format" in out
    assert f"{bad}:4:3 error json.wrong-type" in out
    assert f"{bad}:5:3 error binding.required" in out


def test_missing_path_exits_2_with_one_clear_line(tmp_path: Path) -> None:
    code, out = invoke(str(tmp_path / "nope.json"))
    assert code == 2
    assert "conformance: error:" in out and "nope.json" in out
    assert "Traceback" not in out


def test_json_output_follows_the_contract(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(BAD_PATIENT)
    code, out = invoke(str(bad), str(EXAMPLES / "patient.json"), "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert set(doc) >= {"tool", "packages", "files", "summary"}
    assert doc["tool"]["name"] == "conformance"
    assert "hl7.fhir.r4.core#4.0.1" in doc["packages"]
    by_path = {f["path"]: f for f in doc["files"]}
    bad_entry = by_path[str(bad)]
    assert bad_entry["resourceType"] == "Patient" and bad_entry["valid"] is False
    codes = [(i["code"], i["location"], i["line"], i["column"]) for i in bad_entry["issues"]]
    assert codes == [("value.format", "Patient.id", 3, 3), ("json.wrong-type", "Patient.active", 4, 3),
                     ("binding.required", "Patient.gender", 5, 3)]
    assert by_path[str(EXAMPLES / "patient.json")]["valid"] is True
    assert doc["summary"] == {"files": 2, "valid": 1, "errors": 3, "warnings": 0}


def test_outcome_output_is_a_bundle_of_operation_outcomes(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(BAD_PATIENT)
    code, out = invoke(str(bad), str(EXAMPLES / "patient.json"), "--format", "outcome")
    doc = json.loads(out)
    assert doc["resourceType"] == "Bundle" and doc["type"] == "collection"
    by_file = {e["resource"]["extension"][0]["valueString"]: e["resource"] for e in doc["entry"]}
    first = by_file[str(bad)]
    assert first["resourceType"] == "OperationOutcome"
    assert [i["code"] for i in by_file[str(EXAMPLES / "patient.json")]["issue"]] == ["informational"]
    assert [i["code"] for i in first["issue"]] == ["value", "structure", "code-invalid"]
    assert first["issue"][0]["details"]["coding"][0]["code"] == "value.format"
    assert first["issue"][0]["expression"] == ["Patient.id"]


def test_the_outcome_output_is_itself_valid_fhir(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(BAD_PATIENT)
    _, out = invoke(str(bad), "--format", "outcome")
    outcome = tmp_path / "outcome.json"
    outcome.write_text(out)
    code, text = invoke(str(outcome), "--allow-any-extension")
    assert code == 0, text


def test_workers_give_the_same_json_as_one_process(tmp_path: Path) -> None:
    for i in range(4):
        (tmp_path / f"p{i}.json").write_text(BAD_PATIENT)
    shutil.copy(EXAMPLES / "observation.xml", tmp_path / "o.xml")
    _, one = invoke(str(tmp_path), "--format", "json", "--workers", "1")
    _, two = invoke(str(tmp_path), "--format", "json", "--workers", "2")
    assert one == two


def test_unknown_profile_is_a_located_error_naming_the_packages(tmp_path: Path) -> None:
    code, out = invoke(str(EXAMPLES / "patient.json"), "--profile", "http://example.org/StructureDefinition/nope",
                       "--format", "json")
    assert code == 1
    issue = json.loads(out)["files"][0]["issues"][0]
    assert issue["code"] == "profile.unknown"
    assert "hl7.fhir.r4.core#4.0.1" in issue["message"]


@pytest.mark.shared
def test_ig_by_id_from_the_cache_applies_us_core(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.packages import PackageCache, install

    cache = tmp_path / "cache"
    cache.mkdir()
    core = PackageCache.default().package_dir("hl7.fhir.r4.core", "4.0.1")
    assert core is not None
    os.symlink(core.parent, cache / "hl7.fhir.r4.core#4.0.1")
    install(str(SHARED / "fhir" / "packages" / "hl7.fhir.us.core-3.1.0"), PackageCache(cache))
    monkeypatch.setenv("FHIR_PACKAGE_CACHE", str(cache))
    patient = tmp_path / "p.json"
    patient.write_text(json.dumps({
        "resourceType": "Patient",
        "meta": {"profile": ["http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient"]},
        "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">Jane</div>"},
        "name": [{"family": "Smith"}],
        "gender": "female",
    }, indent=2))
    code, out = invoke(str(patient), "--ig", "hl7.fhir.us.core#3.1.0", "--format", "json")
    assert code == 1
    issues = json.loads(out)["files"][0]["issues"]
    assert [(i["code"], i["message"]) for i in issues] == [
        ("cardinality.min", "'Patient.identifier' requires at least 1 occurrence(s), found 0")]


@pytest.mark.shared
def test_ig_uk_core_source_folder_applies_uk_core_patient(tmp_path: Path) -> None:
    patient = tmp_path / "p.json"
    patient.write_text(json.dumps({
        "resourceType": "Patient",
        "meta": {"profile": ["https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"]},
        "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">Jane</div>"},
        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9000000008"}],
        "name": [{"family": "Smith"}],
        "gender": "female",
    }, indent=2))
    code, out = invoke(str(patient), "--ig", str(SHARED / "fhir" / "uk-core-source"), "--format", "json")
    assert code == 1
    issues = json.loads(out)["files"][0]["issues"]
    assert [(i["code"], i["location"]) for i in issues] == [("uk.nhs-number.check-digit", "Patient.identifier[0].value")]


def test_report_files_and_github_annotations_come_from_the_same_findings(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(BAD_PATIENT)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out = invoke(str(bad), "--report", "sarif,junit", "--report-dir", str(tmp_path / "reports"))
    assert code == 1
    sarif = json.loads((tmp_path / "reports" / "results.sarif").read_text())
    results = sarif["runs"][0]["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results] == [
        ("value.format", 3), ("json.wrong-type", 4), ("binding.required", 5)]
    assert f"::error file={bad},line=3,col=3,title=value.format::" in out
    assert "FAIL" in summary.read_text() and "VALID" in summary.read_text()
    assert (tmp_path / "reports" / "junit.xml").read_text().count("<failure") == 1


DEMO_PROFILE_FILE = REPO / "fixtures" / "packages" / "loose-json" / "StructureDefinition-demo-observation.json"
DEMO_PROFILE = "http://example.org/fhir/loose/StructureDefinition/demo-observation"
NO_SUBJECT = '{"resourceType": "Observation", "status": "final", "code": {"text": "x"}}\n'


def test_the_hl7_validators_single_dash_flags_are_aliases(tmp_path: Path) -> None:
    obs = tmp_path / "obs.json"
    obs.write_text(NO_SUBJECT)
    outcome = tmp_path / "outcome.json"
    code, out = invoke(str(obs), "-ig", str(DEMO_PROFILE_FILE), "-profile", DEMO_PROFILE, "-output", str(outcome))
    assert code == 1, out
    assert f"{obs}:1:1 error cardinality.min 'Observation.subject' requires at least 1 occurrence(s)" in out
    written = json.loads(outcome.read_text())
    assert written["resourceType"] == "OperationOutcome"
    assert [(i["severity"], i["details"]["coding"][0]["code"]) for i in written["issue"]] == [
        ("error", "cardinality.min"), ("warning", "invariant.failed")]
    _, long_form = invoke(str(obs), "--ig", str(DEMO_PROFILE_FILE), "--profile", DEMO_PROFILE, "--format", "outcome")
    assert outcome.read_text() == long_form  # -output writes what --format outcome prints


def test_output_refuses_an_xml_file_name_before_validating(tmp_path: Path) -> None:
    code, out = invoke(str(EXAMPLES / "patient.json"), "-output", str(tmp_path / "outcome.xml"))
    assert code == 2
    assert "the OperationOutcome is written as JSON" in out
    assert not (tmp_path / "outcome.xml").exists()


def test_a_path_after_double_dash_is_never_taken_for_an_hl7_flag() -> None:
    from conformance.cli.validate import hl7_spellings

    assert hl7_spellings(["a.json", "-ig=x", "-profile", "u", "--", "-output"]) == [
        "a.json", "--ig=x", "--profile", "u", "--", "-output"]


def test_report_records_the_whole_command_line_and_is_readable_by_others(tmp_path: Path) -> None:
    """The results document says how to reproduce the run (--ig, --profile, --report...; not --workers,
    which cannot change the result), and report files get the process umask (0644 under 022), not 0600."""
    reports = tmp_path / "reports"
    previous = os.umask(0o022)
    try:
        code, _ = invoke(str(EXAMPLES / "patient.json"), "--ig", "hl7.fhir.r4.core#4.0.1", "--workers", "2",
                         "--report", "json", "--report-dir", str(reports))
    finally:
        os.umask(previous)
    assert code == 0
    document = reports / "results.json"
    assert json.loads(document.read_text())["command"] == [
        "conformance", "validate", str(EXAMPLES / "patient.json"), "--ig", "hl7.fhir.r4.core#4.0.1",
        "--report", "json", "--report-dir", str(reports)]
    assert document.stat().st_mode & 0o777 == 0o644


def test_a_duplicate_key_is_reported_once_not_again_as_too_many_occurrences(tmp_path: Path) -> None:
    dup = tmp_path / "dup.json"
    dup.write_text('{\n  "resourceType": "Patient",\n  "active": true,\n  "active": false,\n  "active": true\n}\n')
    code, out = invoke(str(dup), "--format", "json")
    assert code == 1
    issues = json.loads(out)["files"][0]["issues"]
    assert [(i["code"], i["severity"], i["location"], i["line"], i["column"]) for i in issues] == [
        ("invariant.failed", "warning", "Patient", 1, 1),  # dom-6: no narrative
        ("json.duplicate-key", "fatal", "Patient.active", 4, 3)]


def test_text_output_prints_a_line_100_location_as_written_not_as_an_emoji(tmp_path: Path) -> None:
    """Rich replaces `:100:` with an emoji by default: `bad.json:100:3` printed as `bad.json💯3`."""
    lines = ['{', '  "resourceType": "Patient",', *([''] * 96),
             '  "text": {"status": "generated", "div": "<div xmlns=\\"http://www.w3.org/1999/xhtml\\">x</div>"},',
             '  "gender": "bloke"', '}']
    f = tmp_path / "bad.json"
    f.write_text("\n".join(lines), encoding="utf-8")
    code, out = invoke(str(f))
    assert code == 1
    assert f"{f}:100:3 error binding.required" in out
    assert "\U0001f4af" not in out
