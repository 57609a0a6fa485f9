"""OperationOutcome per checked file, for file-check runs."""

from __future__ import annotations

import json

import pytest

from conformance.fhir.json_reader import read_json
from conformance.reports import run_outcome
from tests.reports.conftest import assert_golden, load_run


def test_golden() -> None:
    assert_golden("file-check.outcome.json", run_outcome.render(load_run("file-check")))


def test_one_outcome_per_file() -> None:
    entries = json.loads(run_outcome.render(load_run("file-check")))["entry"]
    files = [e["resource"]["extension"][0]["valueString"] for e in entries]
    assert files == ["exports/2026 run/patients.ndjson", "exports/patient-1.json", "exports/discharge.xml"]
    issues = entries[0]["resource"]["issue"]
    assert [(i["severity"], i["code"], i.get("expression")) for i in issues] == [
        ("error", "code-invalid", ["Patient.gender"]), ("error", "processing", ["Patient.identifier[0].value"]),
        ("error", "value", ["Patient.maritalStatus.coding[0].code"]), ("warning", "value", ["Patient.name[0].family"]),
        ("error", "invariant", ["Patient.address"])]
    assert entries[1]["resource"]["issue"] == [{"severity": "information", "code": "informational",
                                                 "details": {"text": "no issues found"}}]


@pytest.mark.core
def test_valid_fhir(validator) -> None:  # type: ignore[no-untyped-def]
    parsed = read_json(run_outcome.render(load_run("file-check")))
    assert [i for i in list(parsed.issues) + validator.validate(parsed.root) if i.severity.is_error] == []
