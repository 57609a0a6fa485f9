"""The exported-file check engine on the fixture exports: every rule on a conforming and a broken export,
with each finding's code, file and line; reading problems; partitioning that never changes the result;
and the memory-bounded design (partitions send back tuples, never resources or nodes)."""

from __future__ import annotations

import dataclasses
import gzip
import json
import pickle
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from conformance.fhir.tree import Node
from conformance.files.engine import CheckSettings, check_export
from conformance.files.executors import SerialExecutor
from conformance.files.index import CACHE_KIB, ExportIndex
from conformance.files.partials import PartitionIndex, PartitionResult
from conformance.files.partitions import plan_partitions
from conformance.files.rules import CheckPlan
from conformance.files.sources import collect_inputs
from conformance.files.worker import Job, run_job
from conformance.profiles import load_profile
from conformance.results import Finding, Outcome, RunResult

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures" / "files"
EXPORTS = FIXTURES / "exports"
MESSAGES = FIXTURES / "messages"
EXPORT_PROFILE = load_profile(FIXTURES / "profiles" / "export-checks")
MESSAGE_PROFILE = load_profile(FIXTURES / "profiles" / "message-checks")

Row = tuple[str, str | None, int | None]  # (code, file name, line)


def run(profile: Any, *paths: Path | str, **settings: Any) -> RunResult:
    inputs = collect_inputs([str(p) for p in paths])
    assert inputs.problems == []
    return check_export(profile, inputs, SerialExecutor(), settings=CheckSettings(**settings))


def outcomes_by_id(result: RunResult) -> dict[str, Any]:
    return {t.id: t for t in result.groups[0].tests}


def rows(findings: list[Finding]) -> list[Row]:
    return [(f.code or "", Path(f.path).name if f.path else None, f.line) for f in findings]


def comparable(result: RunResult) -> dict[str, Any]:
    """The result without what timing decides: the timestamps and the time spent per rule."""
    data = result.to_json()
    del data["started"], data["finished"]
    for group in data["groups"]:
        for test in group["tests"]:
            del test["durationMs"]
    return data


# -- every rule on a conforming export and on a broken one ---------------------------------------------

def test_the_conforming_export_passes_every_rule() -> None:
    result = run(EXPORT_PROFILE, EXPORTS / "good")
    outcomes = {t.id: t.outcome for t in outcomes_by_id(result).values()}
    assert outcomes == {"export-files": Outcome.PASS, "FC-PRESENT": Outcome.PASS, "FC-VALIDATE": Outcome.SKIP,
                        "FC-COUNTS": Outcome.PASS, "FC-IDS": Outcome.PASS, "FC-REFS": Outcome.PASS,
                        "FC-SUBJECTS": Outcome.PASS, "FC-NHS": Outcome.PASS, "FC-BIRTH": Outcome.PASS}
    assert all(not t.findings for t in outcomes_by_id(result).values())
    assert result.groups[0].kind == "file-check"
    assert result.groups[0].message == "3 file(s), 6 resource(s)"
    assert outcomes_by_id(result)["FC-VALIDATE"].message == "not tested: no FHIR packages were loaded for validation"
    verdict = result.verdict()  # the requirement only FC-VALIDATE evidences has no verdict: never a PASS
    assert (verdict.label, verdict.exit_code) == ("INCOMPLETE", 2)
    assert [(m.id, m.status) for m in verdict.missing] == [("EXP-002", "skipped")]


BROKEN: dict[str, list[Row]] = {
    "export-files": [
        ("export.manifest-file-missing", "manifest.json", None),  # output[2]: Organization.ndjson absent
        ("export.manifest-file-missing", "manifest.json", None),  # output[3]: ../../outside.ndjson
        ("export.manifest-invalid", "manifest.json", None),  # output[4]: no type
        ("json.syntax", "Patient.ndjson", 4),  # the truncated line
        ("export.type-not-allowed", "Patient.ndjson", 5),  # an Observation in Patient.ndjson
        ("export.manifest-type", "Patient.ndjson", 5),
    ],
    "FC-PRESENT": [("export.file-missing", None, None)],
    "FC-COUNTS": [("export.count-below-minimum", None, None)],
    "FC-IDS": [("export.id-missing", "Observation.ndjson", 4), ("export.duplicate-id", "Patient.ndjson", 3)],
    "FC-REFS": [("export.reference-unresolved", "Observation.ndjson", line) for line in (1, 2, 3, 5, 7)],
    "FC-SUBJECTS": [("export.subject-missing", "Observation.ndjson", line) for line in (2, 3, 6)],
    "FC-NHS": [("export.identifier-duplicate", "Patient.ndjson", 2)],
    "FC-BIRTH": [("export.assertion-failed", "Patient.ndjson", 6)],
}


@pytest.mark.parametrize("test_id", sorted(BROKEN))
def test_the_broken_export_fails_each_rule_with_located_findings(test_id: str) -> None:
    test = outcomes_by_id(run(EXPORT_PROFILE, EXPORTS / "broken"))[test_id]
    assert sorted(rows(test.findings), key=str) == sorted(BROKEN[test_id], key=str)
    assert test.outcome is Outcome.FAIL


def test_broken_export_messages_name_what_is_wrong() -> None:
    tests = outcomes_by_id(run(EXPORT_PROFILE, EXPORTS / "broken"))
    messages = {(t.id, f.line): f.message for t in tests.values() for f in t.findings if f.line}
    assert messages[("FC-IDS", 3)] == ("Patient/p1 appears more than once in the export "
                                      f"(first at {EXPORTS / 'broken' / 'Patient.ndjson'}:1)")
    assert messages[("FC-SUBJECTS", 2)] == "Observation.subject refers to 'Patient/p9', which is not in the export"
    assert messages[("FC-SUBJECTS", 3)] == "Observation.subject refers to 'Group/g1', not to a Patient in the export"
    assert messages[("FC-SUBJECTS", 6)] == "Observation.subject has no literal reference to a Patient"
    assert messages[("FC-REFS", 5)] == "'#missing' does not resolve to a contained resource"
    assert messages[("FC-NHS", 2)].startswith("https://fhir.nhs.uk/Id/nhs-number '9000000009' is also held by Patient/p1")
    refs = {f.line: f.location for f in tests["FC-REFS"].findings}
    assert refs[1] == "Observation.performer[0].reference" and refs[2] == "Observation.subject.reference"
    assert [f.message for f in tests["FC-COUNTS"].findings] == [
        "the export holds 0 Organization resource(s); at least 1 required"]
    assert [f.message for f in tests["FC-PRESENT"].findings] == [
        "no file of the export matches '**/Organization.ndjson'"]


def test_allowed_external_references_are_not_reported() -> None:
    tests = outcomes_by_id(run(EXPORT_PROFILE, EXPORTS / "broken"))
    assert not any("fhir.nhs.uk" in f.message for f in tests["FC-REFS"].findings)  # ob8's performer is allowed
    assert not outcomes_by_id(run(EXPORT_PROFILE, EXPORTS / "good"))["FC-REFS"].findings  # p2's managingOrganization


def test_requirements_roll_up_from_the_rules() -> None:
    result = run(EXPORT_PROFILE, EXPORTS / "broken")
    statuses = {r.requirement.id: r.status.value for r in result.requirements}
    assert statuses == {"EXP-001": "failed", "EXP-002": "failed", "EXP-003": "failed", "EXP-004": "failed",
                        "EXP-005": "failed", "EXP-006": "failed", "EXP-007": "failed", "EXP-008": "warning"}
    assert result.exit_code() == 1


def test_a_truncated_ndjson_line_is_reported_and_the_rest_of_the_file_is_still_checked(tmp_path: Path) -> None:
    good = (EXPORTS / "good" / "Patient.ndjson").read_text().splitlines()
    lines = [good[0], good[1][:60], '{"resourceType":"Patient","id":"p3"}', good[1]]
    (tmp_path / "Patient.ndjson").write_text("\n".join(lines) + "\n")
    tests = outcomes_by_id(run(EXPORT_PROFILE, tmp_path))
    assert rows(tests["export-files"].findings) == [("json.syntax", "Patient.ndjson", 2)]
    assert rows(tests["FC-BIRTH"].findings) == [("export.assertion-failed", "Patient.ndjson", 3)]  # line 3 was read
    assert tests["FC-COUNTS"].findings[0].message.startswith("the export holds 0 Observation")  # 3 Patients counted
    assert all("Patient resource" not in f.message for f in tests["FC-COUNTS"].findings)


# -- Bulk Data manifests ---------------------------------------------------------------------------------

def test_the_manifest_declares_each_file_type_and_a_wrong_type_is_reported_per_resource(tmp_path: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(EXPORTS / "good", export)
    manifest = json.loads((export / "manifest.json").read_text())
    manifest["output"][0]["type"] = "Observation"  # Patient.ndjson listed as Observation
    (export / "manifest.json").write_text(json.dumps(manifest))
    inputs = collect_inputs([str(export)])
    assert {Path(f.display).name: f.declared_type for f in inputs.files} == {
        "Observation.ndjson": "Observation", "Organization.ndjson": "Organization", "Patient.ndjson": "Observation",
        "manifest.json": None}
    tests = outcomes_by_id(check_export(EXPORT_PROFILE, inputs, SerialExecutor()))
    assert rows(tests["export-files"].findings) == [("export.manifest-type", "Patient.ndjson", 1),
                                                    ("export.manifest-type", "Patient.ndjson", 2)]
    assert tests["export-files"].findings[0].message == (
        "the Bulk Data manifest lists this file as Observation, but this resource is of type Patient")


def test_a_manifest_named_alone_brings_in_the_files_it_lists() -> None:
    inputs = collect_inputs([str(EXPORTS / "good" / "manifest.json")])
    assert sorted((f.inner, f.declared_type, f.is_manifest) for f in inputs.files) == [
        ("Observation.ndjson", "Observation", False), ("Organization.ndjson", "Organization", False),
        ("Patient.ndjson", "Patient", False), ("manifest.json", None, True)]
    assert all(t.outcome is Outcome.PASS for t in outcomes_by_id(check_export(EXPORT_PROFILE, inputs, SerialExecutor())).values()
               if t.id != "FC-VALIDATE")


# -- Bundles ---------------------------------------------------------------------------------------------

@pytest.mark.core  # ofType(CodeableConcept) needs the R4 model
def test_a_conforming_message_bundle_passes() -> None:
    tests = outcomes_by_id(run(MESSAGE_PROFILE, MESSAGES / "good"))
    assert {t.id: t.outcome.value for t in tests.values()} == {
        "export-files": "pass", "MSG-BUNDLE": "pass", "MSG-CONTENTS": "pass", "MSG-REFS": "pass",
        "MSG-SUBJECTS": "pass", "MSG-DMD": "pass"}


@pytest.mark.core  # ofType(CodeableConcept) needs the R4 model
def test_a_broken_message_bundle_fails_type_first_entry_references_subjects_and_coding() -> None:
    tests = outcomes_by_id(run(MESSAGE_PROFILE, MESSAGES / "broken"))
    found = {t.id: [(f.code, f.line, f.column, f.location) for f in t.findings] for t in tests.values()}
    assert found["MSG-BUNDLE"] == [("export.bundle-type", 4, 3, "Bundle.type"),
                                   ("export.bundle-first-entry", 6, 5, "Bundle.entry[0]")]
    assert found["MSG-REFS"] == [
        ("export.reference-unresolved", 22, 21, "Bundle.entry[1].resource.subject.reference"),
        ("export.reference-unresolved", 23, 23, "Bundle.entry[1].resource.requester.reference")]
    assert found["MSG-SUBJECTS"] == [("export.subject-missing", 22, 9, "Bundle.entry[1].resource.subject"),
                                     ("export.subject-missing", 34, 9, "Bundle.entry[2].resource.subject")]
    assert [f.message for f in tests["MSG-SUBJECTS"].findings] == [
        "MedicationRequest.subject refers to 'urn:uuid:7d4e2b10-0000-4000-8000-000000000099', which is not an "
        "entry of this Bundle", "MedicationRequest.subject refers to a MedicationRequest, not to a Patient"]
    assert found["MSG-DMD"] == [("export.assertion-failed", 16, 7, "Bundle.entry[1].resource")]
    assert found["MSG-CONTENTS"] == []  # one MedicationRequest and one Patient are there
    assert found["export-files"] == []


def test_bundle_rules_without_any_bundle_fail_and_minimum_entry_counts_are_checked(tmp_path: Path) -> None:
    bundle = json.loads((MESSAGES / "good" / "prescription-1.json").read_text())
    bundle["entry"] = bundle["entry"][:2]  # no Patient entry left
    (tmp_path / "m.json").write_text(json.dumps(bundle))
    tests = outcomes_by_id(run(MESSAGE_PROFILE, tmp_path))
    assert [f.message for f in tests["MSG-CONTENTS"].findings] == [
        "this Bundle holds 0 Patient resource(s); at least 1 required"]
    no_bundle = outcomes_by_id(run(MESSAGE_PROFILE, EXPORTS / "good" / "Patient.ndjson"))
    assert rows(no_bundle["MSG-BUNDLE"].findings) == [("export.bundle-missing", None, None)]
    assert no_bundle["export-files"].findings[0].code == "export.file-unmatched"  # *.json does not match .ndjson


# -- archives --------------------------------------------------------------------------------------------

def test_a_zipped_export_gives_the_verdicts_of_the_folder(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted((EXPORTS / "broken").iterdir()):
            z.write(p, f"bulk/{p.name}")
    zipped, folder = run(EXPORT_PROFILE, archive), run(EXPORT_PROFILE, EXPORTS / "broken")
    assert {t.id: (t.outcome, rows(t.findings)) for t in outcomes_by_id(zipped).values()} == {
        t.id: (t.outcome, rows(t.findings)) for t in outcomes_by_id(folder).values()}
    paths = {f.path for t in outcomes_by_id(zipped).values() for f in t.findings if f.path}
    assert f"{archive}!/bulk/Patient.ndjson" in paths


def test_gzip_files_are_read_as_the_file_inside(tmp_path: Path) -> None:
    for p in (EXPORTS / "good").iterdir():
        target = tmp_path / (p.name + ".gz" if p.suffix == ".ndjson" else p.name)
        target.write_bytes(gzip.compress(p.read_bytes()) if p.suffix == ".ndjson" else p.read_bytes())
    inputs = collect_inputs([str(tmp_path)])
    assert sorted(f.inner for f in inputs.files) == ["Observation.ndjson", "Organization.ndjson", "Patient.ndjson",
                                                      "manifest.json"]
    result = check_export(EXPORT_PROFILE, inputs, SerialExecutor())
    # the manifest's URLs name Patient.ndjson, not Patient.ndjson.gz: those entries are missing, the rest passes
    assert {f.code for f in outcomes_by_id(result)["export-files"].findings} == {"export.manifest-file-missing"}
    assert all(t.outcome is not Outcome.FAIL for t in outcomes_by_id(result).values() if t.id != "export-files")


# -- an interrupted check ---------------------------------------------------------------------------------

class _Interrupted(SerialExecutor):
    def map(self, fn: Any, jobs: Any) -> Any:
        yield fn(jobs[0])
        raise KeyboardInterrupt


def test_an_interrupted_check_reports_what_ran_and_marks_itself_incomplete() -> None:
    inputs = collect_inputs([str(EXPORTS / "broken")])
    result = check_export(EXPORT_PROFILE, inputs, _Interrupted())
    tests = outcomes_by_id(result)
    assert result.incomplete and result.groups[0].message == "2 file(s), 8 resource(s)"  # Observation.ndjson only
    assert tests["FC-IDS"].outcome is Outcome.SKIP
    assert tests["FC-IDS"].message == "not run: the check was interrupted before the whole export was read"
    assert tests["FC-SUBJECTS"].outcome is Outcome.SKIP  # a cross-file rule needs the whole export
    assert {Path(f.path or "").name for f in tests["export-files"].findings} == {"manifest.json"}  # not Patient.ndjson
    assert tests["FC-BIRTH"].outcome is Outcome.PASS  # per-resource rules report what was read


# -- partitions never change the result ----------------------------------------------------------------

@pytest.mark.parametrize("partition_bytes", [1, 97, 400, 100_000])
def test_partition_size_does_not_change_the_result(partition_bytes: int) -> None:
    paths = (EXPORTS / "broken", MESSAGES)
    reference = comparable(run(EXPORT_PROFILE, *paths))
    assert comparable(run(EXPORT_PROFILE, *paths, partition_bytes=partition_bytes)) == reference


@pytest.mark.parametrize("max_repeats", [1, 2])
@pytest.mark.parametrize("partition_bytes", [1, 400, 100_000])
def test_findings_folded_by_the_worker_give_the_result_of_folding_in_the_merge(
        max_repeats: int, partition_bytes: int, monkeypatch: pytest.MonkeyPatch) -> None:
    import conformance.files.worker as worker

    paths = (EXPORTS / "broken", MESSAGES)
    folded_by_workers = run(EXPORT_PROFILE, *paths, max_repeats=max_repeats, partition_bytes=partition_bytes)
    monkeypatch.setattr(worker, "prefold", lambda found, limit: list(found))  # every finding sent to the merge
    folded_in_merge = run(EXPORT_PROFILE, *paths, max_repeats=max_repeats, partition_bytes=partition_bytes)
    assert comparable(folded_by_workers) == comparable(folded_in_merge)
    assert any("more like this" in f.message for t in folded_by_workers.groups[0].tests for f in t.findings)


def test_a_worker_sends_the_first_findings_of_each_file_and_code_and_one_mark_for_the_rest() -> None:
    from conformance.files.bounded import FoldMark, prefold

    def finding(code: str, line: int, severity: str = "warning") -> Finding:
        return Finding("rule", Outcome.FAIL, code, severity, code, f"Patient.x{line}", "a.ndjson", line, 1)  # type: ignore[arg-type]

    found: list[Any] = [finding("dom-6", 1), finding("dom-6", 2), finding("ref", 3), finding("dom-6", 4),
                        finding("dom-6", 5, "error"), finding("ref", 6)]
    sent = prefold(found, 2)
    assert [type(f).__name__ for f in sent] == ["Finding", "Finding", "Finding", "FoldMark", "Finding"]
    mark = sent[3]
    assert isinstance(mark, FoldMark)
    assert (mark.code, mark.count, mark.severity, mark.worst, mark.location, mark.first_line, mark.last_line) == \
        ("dom-6", 2, "warning", "error", "Patient.x4", 4, 5)
    assert prefold(found, 0) == found


def test_small_partitions_really_slice_the_ndjson_files() -> None:
    files = collect_inputs([str(EXPORTS / "broken")]).resource_files
    parts = plan_partitions(files, 200)
    sliced = [p for p in parts if p.is_slice]
    assert len(sliced) > len(files) and [p.seq for p in parts] == list(range(len(parts)))


# -- memory-bounded design, asserted structurally -----------------------------------------------------

def _walk(value: Any, seen: set[int] | None = None) -> list[Any]:
    """Every object reachable from a partition result (through dataclasses and containers)."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return []
    seen.add(id(value))
    found = [value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            found += _walk(getattr(value, f.name), seen)
    elif isinstance(value, dict):
        for k, v in value.items():
            found += _walk(k, seen) + _walk(v, seen)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            found += _walk(item, seen)
    return found


def _partition_results(profile: Any, path: Path, partition_bytes: int = 256) -> list[PartitionResult]:
    inputs = collect_inputs([str(path)])
    files = inputs.resource_files
    plan = CheckPlan("test", profile.file_checks, profile.file_specs, None)
    return [run_job(Job(plan, p, files[p.file])) for p in plan_partitions(files, partition_bytes)]


def test_partition_results_hold_only_plain_values_never_resources_or_nodes() -> None:
    results = _partition_results(EXPORT_PROFILE, EXPORTS / "broken")
    objects = [o for r in results for o in _walk(r)]
    assert not any(isinstance(o, Node) for o in objects)
    allowed = (str, int, bool, float, type(None), tuple, list, dict, set, PartitionResult, PartitionIndex, Finding,
               Outcome)
    assert all(isinstance(o, allowed) for o in objects), {type(o) for o in objects}
    entries = [e for r in results for e in (*r.index.ids, *r.index.refs, *r.index.idents)]
    assert entries and all(isinstance(e, tuple) and all(isinstance(v, (str, int, bool, type(None))) for v in e)
                           for e in entries)
    assert sum(len(r.index.ids) for r in results) == 12  # the top-level resources with an id


def test_each_partition_result_is_small_whatever_the_resources_hold() -> None:
    for r in _partition_results(EXPORT_PROFILE, EXPORTS / "good"):
        assert len(pickle.dumps(r)) < 2_000  # ids and references, no resource text


def test_the_export_index_lives_in_a_file_with_a_bounded_page_cache() -> None:
    with ExportIndex() as index:
        (folder,) = [row[2] for row in index.db.execute("PRAGMA database_list") if row[1] == "main"]
        assert Path(folder).is_file()
        assert index.db.execute("PRAGMA cache_size").fetchone()[0] == -CACHE_KIB
        assert index.db.execute("PRAGMA temp_store").fetchone()[0] == 1  # FILE
        index.add(0, 10, PartitionIndex(ids=[("Patient/1", 1), ("Patient/1", 3)]))
        index.finish()
        assert list(index.duplicate_ids()) == [("Patient/1", 0, 13, 0, 11)]  # lines shifted by the offset
    assert not Path(folder).exists()  # removed with its folder
