"""The results document: validates against the shipped schema and round-trips into a RunResult."""

from __future__ import annotations

import copy
import json

import pytest

from conformance.reports import results_io, run_json
from conformance.reports.results_io import (
    SCHEMA_VERSION,
    ResultsDocumentError,
    run_result_from_json,
    schema_errors,
    to_document,
)
from tests.reports.conftest import RUNS, assert_golden, load_run


def test_fixture_documents_validate_and_round_trip(run_name: str) -> None:
    document = json.loads(RUNS[run_name].read_text(encoding="utf-8"))
    assert schema_errors(document) == []
    assert to_document(run_result_from_json(document)) == document


def test_document_starts_with_its_schema_version(run_name: str) -> None:
    document = to_document(load_run(run_name))
    assert next(iter(document)) == "schemaVersion"
    assert document["schemaVersion"] == SCHEMA_VERSION


def test_run_json_output_validates_too(run_name: str) -> None:
    """`run --format json` (run_json.py, without schemaVersion) is a valid version-1 document."""
    assert schema_errors(json.loads(run_json.render(load_run(run_name)))) == []


def test_golden(run_name: str) -> None:
    assert_golden(f"{run_name}.results.json", results_io.render(load_run(run_name)))


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d.pop("groups"), "(root): 'groups' is a required property"),
    (lambda d: d["requirements"][0].update(status="green"), "requirements/0/status: 'green' is not one of"),
    (lambda d: d["groups"][0]["tests"][0].update(outcome="maybe"), "groups/0/tests/0/outcome: 'maybe' is not one of"),
    (lambda d: d.update(schemaVersion="2.0"), "schemaVersion: '2.0' does not match"),
    (lambda d: d["groups"][0]["tests"][0]["findings"][0].update(colour="red"),
     "groups/0/tests/0/findings/0: Additional properties are not allowed ('colour' was unexpected)"),
])
def test_schema_rejects_what_it_does_not_describe(change, expected: str) -> None:  # type: ignore[no-untyped-def]
    document = copy.deepcopy(json.loads(RUNS["scenario"].read_text(encoding="utf-8")))
    change(document)
    errors = schema_errors(document)
    assert any(e.startswith(expected) for e in errors), errors
    with pytest.raises(ResultsDocumentError, match="not a results document this version can read"):
        run_result_from_json(document)


def test_group_skipped_before_any_test_keeps_its_outcome() -> None:
    result = load_run("file-check")
    bulk = next(g for g in result.groups if g.id == "bulk")
    assert bulk.tests == [] and bulk.outcome.value == "skip"
    assert bulk.requirements == ("EXP-NDJ-001",)
