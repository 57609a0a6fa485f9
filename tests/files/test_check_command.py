"""`conformance check PROFILE PATH...` end to end: exit codes, text and JSON reports, the report folder,
bad arguments as one clear line, and byte-identical results with 1 worker, 2 workers and a Dask cluster."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conformance.cli import _register, app

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures" / "files"
EXPORT_PROFILE = str(FIXTURES / "profiles" / "export-checks")
MESSAGE_PROFILE = str(FIXTURES / "profiles" / "message-checks")
GOOD, BROKEN = str(FIXTURES / "exports" / "good"), str(FIXTURES / "exports" / "broken")
MESSAGES = str(FIXTURES / "messages")

_register("check")  # the real root group: it turns a user's mistake (ConformanceError) into exit 2


runner = CliRunner()


def invoke(*args: str) -> Any:
    result = runner.invoke(app, ["check", *args, "--progress", "none"])
    assert "Traceback" not in result.output
    return result


def results_json(*args: str) -> tuple[int, str]:
    result = invoke(*args, "--format", "json")
    return result.exit_code, result.stdout


def without_times(text: str) -> str:
    """The results document without its timestamps and the durations measured per rule."""
    return "\n".join(line for line in text.splitlines()
                     if not line.lstrip().startswith(('"started"', '"finished"', '"durationMs"')))


# -- bad arguments: exit 2, one clear line -----------------------------------------------------------

def test_a_missing_path_is_exit_2_with_what_and_where(tmp_path: Path) -> None:
    result = invoke(MESSAGE_PROFILE, str(tmp_path / "nothing-here"))
    assert result.exit_code == 2
    assert f"conformance: error: {tmp_path / 'nothing-here'}: no such file or directory" in result.stderr


def test_an_unknown_profile_and_a_profile_without_file_checks_are_exit_2(tmp_path: Path) -> None:
    unknown = invoke("no-such-profile", GOOD)
    assert unknown.exit_code == 2 and "no profile 'no-such-profile'" in unknown.stderr
    bare = invoke(str(REPO / "fixtures" / "profiles" / "nhs-patient-demographics"), GOOD)
    assert bare.exit_code == 2 and "profile nhs-patient-demographics has no file checks" in bare.stderr


def test_dask_options_must_go_together() -> None:
    assert "--executor dask needs --scheduler ADDRESS" in invoke(MESSAGE_PROFILE, MESSAGES, "--executor", "dask").stderr
    assert "--scheduler works only with --executor dask" in invoke(MESSAGE_PROFILE, MESSAGES, "--scheduler",
                                                                    "tcp://127.0.0.1:1").stderr


# -- verdicts and reports (no FHIR package needed: the message profile has no validate rule) ----------

@pytest.mark.core  # the dm+d rule's ofType(CodeableConcept) needs the R4 model
def test_a_conforming_message_is_exit_0_and_a_broken_one_exit_1() -> None:
    assert invoke(MESSAGE_PROFILE, str(FIXTURES / "messages" / "good"), "--workers", "1").exit_code == 0
    broken = invoke(MESSAGE_PROFILE, str(FIXTURES / "messages" / "broken"), "--workers", "1")
    assert broken.exit_code == 1
    assert "FAIL: MUST requirement(s) failed:" in broken.stdout and "(exit 1)" in broken.stdout


def test_text_output_groups_findings_by_code_with_counts_and_first_locations() -> None:
    out = invoke(MESSAGE_PROFILE, MESSAGES, "--workers", "1", "--locations", "1").stdout
    section = out[out.index("Findings by code"):]
    assert "MSG-REFS export.reference-unresolved (error): 2 in 1 file(s)" in section
    broken = str(FIXTURES / "messages" / "broken" / "prescription-2.json")
    assert (f"{broken}:22:21 Bundle.entry[1].resource.subject.reference: 'urn:uuid:7d4e2b10-0000-4000-8000-"
            "000000000099' does not resolve to an entry of this Bundle") in section
    assert "… and 1 more (all of them in --format json / --report-dir)" in section


def test_json_output_and_the_report_folder_hold_every_finding(tmp_path: Path) -> None:
    code, out = results_json(MESSAGE_PROFILE, MESSAGES, "--workers", "1", "--report-dir", str(tmp_path / "r"))
    document = json.loads(out)
    assert code == 1
    written = json.loads((tmp_path / "r" / "results.json").read_text())
    assert without_times(json.dumps(written, indent=2)) == without_times(json.dumps(document, indent=2))
    (group,) = document["groups"]
    assert (group["id"], group["kind"], group["message"]) == ("file-checks", "file-check", "2 file(s), 2 resource(s)")
    tests = {t["id"]: t for t in group["tests"]}
    assert [t["id"] for t in group["tests"]] == ["export-files", "MSG-BUNDLE", "MSG-CONTENTS", "MSG-REFS",
                                                 "MSG-SUBJECTS", "MSG-DMD"]
    assert [(f["code"], f["line"], f["column"]) for f in tests["MSG-REFS"]["findings"]] == [
        ("export.reference-unresolved", 22, 21), ("export.reference-unresolved", 23, 23)]
    assert {r["id"]: r["status"] for r in document["requirements"]} == {
        "MSG-001": "failed", "MSG-002": "failed", "MSG-003": "failed"}
    assert document["command"] == ["conformance", "check", MESSAGE_PROFILE, MESSAGES, "--format", "json",
                                   "--report-dir", str(tmp_path / "r")]  # no --workers: it never changes the result


# -- the same result whatever runs it ----------------------------------------------------------------

@pytest.mark.core
def test_one_worker_two_workers_and_a_dask_cluster_give_byte_identical_results() -> None:
    distributed = pytest.importorskip("distributed")
    paths = (BROKEN, GOOD, MESSAGES)
    code1, one = results_json(EXPORT_PROFILE, *paths, "--workers", "1")
    code2, two = results_json(EXPORT_PROFILE, *paths, "--workers", "2", "--partition-bytes", "300")
    with distributed.LocalCluster(n_workers=2, processes=False, protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        code3, dask = results_json(EXPORT_PROFILE, *paths, "--executor", "dask", "--scheduler",
                                   cluster.scheduler_address, "--partition-bytes", "200")
    assert code1 == code2 == code3 == 1
    assert without_times(one) == without_times(two) == without_times(dask)
    assert one != without_times(one)  # the only lines left out are the two timestamps and the durations
    document = json.loads(one)
    validate = next(t for t in document["groups"][0]["tests"] if t["id"] == "FC-VALIDATE")
    assert validate["outcome"] == "fail"  # validation ran in every worker: '#missing' is not a contained resource
    assert "reference.contained-not-found" in {f["code"] for f in validate["findings"]}


# -- the findings store: spilled to disk, the same reports ------------------------------------------

def test_findings_spilled_to_disk_give_the_same_reports_complete_and_in_order(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    paths = (BROKEN, GOOD, MESSAGES)
    out = tmp_path / "reports"
    args = (EXPORT_PROFILE, *paths, "--workers", "1", "--max-repeats", "0", "--report", "all", "--report-dir", str(out))
    code, held = results_json(*args)
    out.rename(tmp_path / "held")
    monkeypatch.setenv("CONFORMANCE_FINDINGS_IN_MEMORY", "2")  # every test with 2+ findings spills to disk
    spilled_code, spilled = results_json(*args)
    assert code == spilled_code == 1
    assert without_times(spilled) == without_times(held)
    document = json.loads(spilled)
    counts = [len(t["findings"]) for t in document["groups"][0]["tests"]]
    assert max(counts) > 2 and sum(counts) > 10  # the spill really happened, and every finding is there
    for test in document["groups"][0]["tests"]:  # export order: each file's findings together, by line
        blocks: list[str] = []
        for f in test["findings"]:
            if not blocks or blocks[-1] != f.get("path", ""):
                blocks.append(f.get("path", ""))
        assert len(blocks) == len(set(blocks))
        for path in blocks:
            lines = [(f.get("line", 0), f.get("column", 0)) for f in test["findings"] if f.get("path", "") == path]
            assert lines == sorted(lines)
    for name in sorted(p.name for p in (tmp_path / "held").iterdir()):
        assert (any_time((out / name).read_text()) == any_time((tmp_path / "held" / name).read_text())), name


def any_time(text: str) -> str:
    """Timestamps, run durations and the ids made from the start time (TestReport fullUrls) out."""
    text = re.sub(r"urn:uuid:[0-9a-f-]{36}", "<uuid>", text)
    text = re.sub(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d| UTC)?", "<time>", text)
    text = re.sub(r'class="dur">[^<]*<', 'class="dur"><duration><', text)  # the HTML's time per test
    return re.sub(r"\((under )?\d+(\.\d+)? ?(ms|s|min)\)|time=\"[\d.]+\"|\"durationMs\": [\d.]+", "<duration>", text)
