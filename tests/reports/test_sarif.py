"""SARIF 2.1.0: valid against (a faithful subset of) the official schema, one result per located finding."""

from __future__ import annotations

import json
from datetime import date

import jsonschema
import pytest

from conformance.reports import sarif
from conformance.reports.baseline import apply_baseline, parse_baseline
from tests.reports.conftest import HERE, assert_golden, load_run

SCHEMA = json.loads((HERE / "sarif-2.1.0-subset.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def errors(log: dict) -> list[str]:  # type: ignore[type-arg]
    return sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(log))


def test_golden(run_name: str) -> None:
    assert_golden(f"{run_name}.sarif", sarif.render(load_run(run_name)))


@pytest.mark.parametrize("incomplete", [False, True])
def test_validates_against_the_schema(run_name: str, incomplete: bool) -> None:
    result = load_run(run_name)
    result.incomplete = incomplete
    assert errors(json.loads(sarif.render(result))) == []


def test_the_schema_is_strict_where_sarif_is() -> None:
    log = sarif.log(load_run("file-check"))
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    log["runs"][0]["results"][1]["level"] = "fatal"
    log["runs"][0]["results"][2]["suppressions"] = [{"status": "accepted"}]
    log["runs"][0]["tool"]["driver"]["rule"] = []
    assert errors(log) == [
        "runs/0/results/0/locations/0/physicalLocation/region/startLine: 0 is less than the minimum of 1",
        "runs/0/results/1/level: 'fatal' is not one of ['none', 'note', 'warning', 'error']",
        "runs/0/results/2/suppressions/0: 'kind' is a required property",
        "runs/0/tool/driver: Additional properties are not allowed ('rule' was unexpected)",
    ]


def test_results_are_located_and_rules_documented() -> None:
    log = sarif.log(load_run("file-check"))
    run = log["runs"][0]
    results = run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("binding.required", "error"), ("uk.nhs-number.check-digit", "error"), ("value.format", "error"),
        ("value.whitespace", "warning"), ("EXP-PAT-002", "error"), ("invariant.failed", "error")]
    first = results[0]["locations"][0]
    assert first["physicalLocation"] == {"artifactLocation": {"uri": "exports/2026%20run/patients.ndjson"},
                                         "region": {"startLine": 3, "startColumn": 57}}
    assert first["logicalLocations"] == [{"fullyQualifiedName": "Patient.gender", "kind": "element"}]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["binding.required"]["fullDescription"]["text"] == "A coded value outside a `required` binding's value set."
    assert rules["EXP-PAT-002"]["shortDescription"]["text"] == "Exported Patients carry a home address with a postal code."
    assert [results[i]["ruleIndex"] for i in range(3)] == [0, 1, 2]
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False  # a check could not run
    assert invocation["exitCode"] == 1  # EXP-PAT-001 (MUST) failed
    assert invocation["toolExecutionNotifications"][0]["message"]["text"].startswith("bundles/exports/locked.json:")


def test_scenario_runs_have_no_file_results() -> None:
    assert sarif.log(load_run("scenario"))["runs"][0]["results"] == []


def test_accepted_findings_are_suppressed_not_dropped() -> None:
    baseline = parse_baseline("accepted:\n- code: value.format\n  path: exports/*\n  justification: CR 12\n"
                              "  expires: 2030-01-01\n", "b.yaml")
    results = sarif.log(apply_baseline(load_run("file-check"), baseline, today=date(2026, 1, 1)))["runs"][0]["results"]
    assert len(results) == 6
    suppressed = [r for r in results if "suppressions" in r]
    assert [r["ruleId"] for r in suppressed] == ["value.format"]
    assert suppressed[0]["suppressions"] == [{"kind": "external", "status": "accepted",
                                              "justification": "CR 12 (baseline entry 1, expires 2030-01-01)"}]


@pytest.mark.parametrize(("path", "uri"), [
    ("exports/a b.json", "exports/a%20b.json"),
    ("/abs/x.json", "file:///abs/x.json"),
    ("C:\\data\\x.json", "file:///C:/data/x.json"),
    ("dir\\x.json", "dir/x.json"),
])
def test_artifact_uris(path: str, uri: str) -> None:
    assert sarif.artifact_uri(path) == uri
