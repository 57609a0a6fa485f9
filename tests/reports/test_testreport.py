"""FHIR TestReport: one per group, in a Bundle, valid by our own validator."""

from __future__ import annotations

import json
from datetime import date

import pytest

from conformance.fhir.json_reader import read_json
from conformance.reports import testreport
from conformance.reports.baseline import apply_baseline, parse_baseline
from tests.reports.conftest import assert_golden, load_run


def test_golden(run_name: str) -> None:
    assert_golden(f"{run_name}.testreport.json", testreport.render(load_run(run_name)))


@pytest.mark.core
@pytest.mark.parametrize("incomplete", [False, True])
def test_validates_with_our_validator(validator, run_name: str, incomplete: bool) -> None:  # type: ignore[no-untyped-def]
    result = load_run(run_name)
    result.incomplete = incomplete
    parsed = read_json(testreport.render(result))
    issues = list(parsed.issues) + validator.validate(parsed.root)
    assert [(i.severity.value, i.code, i.location, i.message) for i in issues] == []


@pytest.mark.core
def test_accepted_findings_still_validate(validator) -> None:  # type: ignore[no-untyped-def]
    baseline = parse_baseline("accepted:\n- code: binding.required\n  justification: mapped in 4.2\n"
                              "  expires: 2030-01-01\n", "b.yaml")
    parsed = read_json(testreport.render(apply_baseline(load_run("scenario"), baseline, today=date(2026, 1, 1))))
    assert [i for i in list(parsed.issues) + validator.validate(parsed.root) if i.severity.is_error] == []


def test_one_report_per_group_with_mapped_results() -> None:
    bundle = json.loads(testreport.render(load_run("file-check")))
    reports = [e["resource"] for e in bundle["entry"]]
    assert [(r["id"], r["result"], r["status"]) for r in reports] == [
        ("patients", "fail", "completed"), ("postal-code", "fail", "completed"),
        ("bundles", "fail", "completed"), ("bulk", "pending", "completed")]
    assert reports[0]["score"] == 50.0
    first = reports[0]["test"][0]
    assert first["description"].startswith("exports/2026 run/patients.ndjson conforms (requirements: EXP-PAT-001)")
    asserts = [a["assert"] for a in first["action"]]
    assert [a["result"] for a in asserts] == ["fail", "fail", "fail", "warning"]
    assert asserts[0]["detail"] == "exports/2026 run/patients.ndjson:3:57 (Patient.gender)"
    error = reports[2]["test"][1]["action"]
    assert error == [{"assert": {"result": "error", "message":
                                 "internal error while validating: KeyError: 'entry' (at validator.py:312); please report it"}}]
    assert reports[3]["test"] == [{"name": "bulk", "description": "no file matched exports/bulk/*.ndjson",
                                   "action": [{"assert": {"result": "skip",
                                                          "message": "no file matched exports/bulk/*.ndjson"}}]}]


def test_scenario_steps_list_their_operations_then_asserts() -> None:
    bundle = json.loads(testreport.render(load_run("scenario")))
    read = next(e["resource"] for e in bundle["entry"] if e["resource"]["id"] == "read")
    assert read["participant"][1] == {"type": "server", "uri": "http://127.0.0.1:8080/FHIR/R4",
                                      "display": "builtin (http://127.0.0.1:8080/FHIR/R4)"}
    step = next(t for t in read["test"] if t["name"] == "read/api-rules")
    assert step["action"][0] == {"operation": {"result": "pass", "message":
                                               "GET http://127.0.0.1:8080/FHIR/R4/Patient/9000000009 -> 200"}}
    assert step["action"][3]["assert"]["detail"] == "line 1:278 (Patient.gender)"


def test_interrupted_group_is_stopped_and_ids_stay_unique() -> None:
    result = load_run("scenario")
    result.incomplete = True
    result.groups[1].id = "capability"  # two groups whose ids collide
    reports = [e["resource"] for e in json.loads(testreport.render(result))["entry"]]
    assert reports[-1]["status"] == "stopped" and reports[0]["status"] == "completed"
    assert [r["id"] for r in reports[:2]] == ["capability", "capability-2"]
    assert len({e["fullUrl"] for e in json.loads(testreport.render(result))["entry"]}) == len(reports)
