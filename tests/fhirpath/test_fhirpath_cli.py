"""`conformance fhirpath EXPRESSION PATH` through the real CLI app (typer's CliRunner)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conformance.cli import _register, app

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "fhirpath"

pytestmark = pytest.mark.core


@pytest.fixture(scope="module")
def cli() -> Callable[..., Any]:
    if not any(c.name == "fhirpath" for c in app.registered_commands):
        _register()
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["fhirpath", *args])


def test_text_output_shows_type_value_and_location(cli: Callable[..., Any]) -> None:
    result = cli("name.where(use = 'official').given | birthDate | 1 + 1", str(FIXTURES / "patient.json"))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "[0] string: Jane  at Patient.name[0].given[0] (line 38, column 54)",
        "[1] string: Alice  at Patient.name[0].given[1] (line 38, column 62)",
        "[2] date: 1985-03-12  at Patient.birthDate (line 46, column 3)",
        "[3] integer: 2",
    ]


def test_json_output(cli: Callable[..., Any]) -> None:
    result = cli("contact[1].organization | active | value.value", str(FIXTURES / "patient.json"), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"type": "Reference", "value": {"reference": "Organization/acme", "display": "Acme Ltd"},
         "location": "Patient.contact[1].organization", "line": 65, "column": 7},
        {"type": "boolean", "value": "true", "location": "Patient.active", "line": 36, "column": 3},
    ]


def test_xml_input_gets_indexed_locations(cli: Callable[..., Any]) -> None:
    result = cli("name.given", str(FIXTURES / "patient.xml"), "-f", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["value"], r["location"], r["line"]) for r in rows] == [
        ("Chidi", "Patient.name[0].given[0]", 7), ("Emeka", "Patient.name[0].given[1]", 8),
        ("Chi", "Patient.name[1].given[0]", 12)]


def test_computed_values_and_empty_results(cli: Callable[..., Any]) -> None:
    result = cli("(1.50 * 2) | 3 'mg' | today().is(Date) | name.foo", str(FIXTURES / "patient.json"), "-f", "json")
    assert [(r["type"], r["value"], r["location"]) for r in json.loads(result.stdout)] == [
        ("decimal", "3.00", ""), ("Quantity", "3 'mg'", ""), ("boolean", True, "")]
    result = cli("name.foo", str(FIXTURES / "patient.json"))
    assert result.exit_code == 0 and result.stdout.strip() == "{ }  (the empty collection)"


def test_syntax_error_points_at_the_column(cli: Callable[..., Any]) -> None:
    result = cli("name.given.where(use = )", str(FIXTURES / "patient.json"))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "conformance: error: FHIRPath syntax error at column 24: expected an expression, found ')'",
        "  name.given.where(use = )",
        "                         ^",
    ]


def test_evaluation_errors_and_bad_files_exit_2(cli: Callable[..., Any], tmp_path: Path) -> None:
    result = cli("name.single()", str(FIXTURES / "patient.json"))
    assert result.exit_code == 2
    assert "the expression cannot be evaluated: single() expects at most one item, got 2" in result.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"resourceType": "Patient",\n  "active": tru}', encoding="utf-8")
    result = cli("active", str(broken))
    assert result.exit_code == 2 and f"{broken}:2:" in result.stderr
    result = cli("active", str(tmp_path / "missing.json"))
    assert result.exit_code == 2 and "cannot read the file" in result.stderr
    assert "Traceback" not in result.output
