"""Shared test data for the reporters: two recorded runs, golden files, and the schemas."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from conformance.reports.results_io import run_result_from_json
from conformance.results import RunResult

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures" / "reports"
GOLDEN = FIXTURES / "golden"
HERE = Path(__file__).resolve().parent
# a real `conformance run nhs-patient-demographics` against the built-in server with three faults
# (non-conformant-patient, no-etag, no-request-id-echo), and a file-check run written by hand
RUNS = {"scenario": FIXTURES / "scenario-run.json", "file-check": FIXTURES / "file-check-run.json"}

_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d| UTC)?")
_DURATIONS = [
    (re.compile(r'("durationMs": |"elapsedMs": )[0-9.]+'), r"\g<1>0"),
    (re.compile(r'time="[0-9.]+"'), 'time="0"'),
    (re.compile(r"\b\d+(\.\d+)? (ms|s)\b"), "<duration>"),
    (re.compile(r"in [0-9.]+ ms"), "in <duration>"),
]


def load_run(name: str) -> RunResult:
    return run_result_from_json(json.loads(RUNS[name].read_text(encoding="utf-8")))


@pytest.fixture(params=sorted(RUNS))
def run_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def normalise(text: str) -> str:
    """Timestamps and durations out, so golden files only change when a format does."""
    text = _TIMESTAMP.sub("<time>", text)
    for pattern, replacement in _DURATIONS:
        text = pattern.sub(replacement, text)
    return text


def assert_golden(name: str, text: str) -> None:
    """Compare with fixtures/reports/golden/NAME; UPDATE_GOLDEN=1 rewrites it instead."""
    path = GOLDEN / name
    actual = normalise(text)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"no golden file {path}; run with UPDATE_GOLDEN=1 to create it"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} differs from its golden file (UPDATE_GOLDEN=1 after checking the change)"
