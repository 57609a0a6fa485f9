"""`profiles coverage`: each operation and response of a profile's OpenAPI document and the requirements covering
it, by the documented rules (response, operation, path item, shared component), the figures, and the exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conformance.cli import _register, app
from conformance.profiles import coverage, load_profile
from conformance.profiles.coverage import SPECS_ENV_VAR, CoverageError, find_specs_dir, measure

REPO = "https://github.com/example/demo-api"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
OPENAPI = """\
openapi: 3.0.0
info: {title: Demo API, version: 2.1.0}
paths:
  /Thing/{id}:
    get:
      operationId: read-thing
      responses:
        "200": {description: the Thing}
        "4XX": {description: errors}
  /Thing:
    post:
      operationId: create-thing
      parameters:
        - $ref: '#/components/parameters/RequestID'
      responses:
        "201": {description: created}
        "4XX": {description: errors}
  /a~b/c:
    delete:
      responses:
        "204": {description: gone}
components:
  parameters:
    RequestID: {in: header, name: X-Request-ID}
"""
MANIFEST = f"""\
id: demo
title: Demo
version: "1"
publisher: tests
status: draft
fhirVersion: "4.0.1"
specification:
  title: Demo API
  repository: {REPO}
  commit: {COMMIT}
  openapi: specification/demo.yaml
  local: demo/demo.resolved.yaml
packages: []
requirements: requirements.csv
scenarios: []
"""
LINK = f"{REPO}/blob/{COMMIT}/specification/demo.yaml#"
REQUIREMENTS = f"""\
identifier,level,description,source link
DEMO-READ-200,MUST,read answers 200,{LINK}/paths/~1Thing~1{{id}}/get/responses/200/description
DEMO-READ-400,MUST,read answers 4XX,{LINK}/paths/~1Thing~1%7Bid%7D/get/responses/4XX
DEMO-PATH,MUST,the path exists,{LINK}/paths/~1Thing
DEMO-HDR,MUST,X-Request-ID,{LINK}/components/parameters/RequestID
DEMO-TILDE,MUST,escaped path,{LINK}/paths/~1a~0b~1c/delete
DEMO-INFO,SHOULD,the version,{LINK}/info/version
DEMO-FHIR,MUST,a FHIR rule,https://hl7.org/fhir/R4/http.html#read
"""

_register()
runner = CliRunner()


def _setup(tmp_path: Path, requirements: str = REQUIREMENTS) -> tuple[Path, Path]:
    specs = tmp_path / "specs"
    (specs / "demo").mkdir(parents=True)
    (specs / "demo" / "demo.resolved.yaml").write_text(OPENAPI, encoding="utf-8")
    profile = tmp_path / "profiles" / "demo"
    profile.mkdir(parents=True)
    (profile / "profile.yaml").write_text(MANIFEST, encoding="utf-8")
    (profile / "requirements.csv").write_text(requirements, encoding="utf-8")
    return specs, profile


def test_each_operation_and_response_lists_the_requirements_covering_it(tmp_path: Path) -> None:
    specs, folder = _setup(tmp_path)
    found = measure(load_profile(folder), specs)
    table = {(o.operation.label, r.status): r.requirements for o in found.operations for r in o.responses}
    assert table == {("GET /Thing/{id}", "200"): ("DEMO-READ-200",), ("GET /Thing/{id}", "4XX"): ("DEMO-READ-400",),
                     ("POST /Thing", "201"): (), ("POST /Thing", "4XX"): (), ("DELETE /a~b/c", "204"): ()}
    operations = {o.operation.label: o.requirements for o in found.operations}
    assert operations == {"GET /Thing/{id}": ("DEMO-READ-200", "DEMO-READ-400"),
                          "POST /Thing": ("DEMO-PATH", "DEMO-HDR"),  # path item, shared component
                          "DELETE /a~b/c": ("DEMO-TILDE",)}
    assert (found.responses_covered, found.responses_total, found.operations_covered) == (2, 5, 3)
    assert found.percent == pytest.approx(40.0)
    assert found.elsewhere == ("DEMO-FHIR", "DEMO-INFO")
    assert found.broken == ()
    assert (found.title, found.version) == ("Demo API", "2.1.0")


def test_the_command_prints_the_table_and_the_figures(tmp_path: Path) -> None:
    specs, folder = _setup(tmp_path)
    result = runner.invoke(app, ["profiles", "coverage", str(folder), "--specs", str(specs)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "GET /Thing/{id} (read-thing): DEMO-READ-200, DEMO-READ-400" in lines
    assert "  201      not covered" in lines
    assert "responses covered: 2/5 (40.0%); operations covered: 3/3" in lines


def test_json_output_and_the_specs_folder_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    specs, folder = _setup(tmp_path)
    monkeypatch.setenv(SPECS_ENV_VAR, str(specs))
    result = runner.invoke(app, ["profiles", "coverage", str(folder), "--format", "json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    assert data["figures"] == {"responses": {"covered": 2, "total": 5, "percent": 40.0},
                               "operations": {"covered": 3, "total": 3}}
    assert data["operations"][0]["responses"][0] == {
        "status": "200", "pointer": "/paths/~1Thing~1{id}/get/responses/200", "requirements": ["DEMO-READ-200"]}


def test_a_link_that_does_not_resolve_is_named_and_exits_1(tmp_path: Path) -> None:
    broken = REQUIREMENTS + f"DEMO-GONE,MUST,gone,{LINK}/paths/~1Thing/put\n"
    broken += f"DEMO-OLD,MUST,old commit,{REPO}/blob/ffff000/specification/demo.yaml#/paths\n"
    specs, folder = _setup(tmp_path, broken)
    result = runner.invoke(app, ["profiles", "coverage", str(folder), "--specs", str(specs)])
    assert result.exit_code == 1
    assert ("source link of DEMO-GONE does not hold: the pointer /paths/~1Thing/put does not resolve: "
            "nothing at 'put' after '/paths/~1Thing'") in result.stdout
    assert f"source link of DEMO-OLD does not hold: the link names commit ffff000, but the specification is read at {COMMIT}" \
        in result.stdout


def test_no_specs_folder_is_exit_2_saying_how_to_name_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SPECS_ENV_VAR, raising=False)
    _, folder = _setup(tmp_path)
    result = runner.invoke(app, ["profiles", "coverage", str(folder), "--specs", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert f"--specs {tmp_path / 'nowhere'} is not a folder" in result.stderr
    monkeypatch.setattr(coverage, "_CHECKOUT", tmp_path / "checkout")  # no ../shared beside this one either
    with pytest.raises(CoverageError, match=f"give --specs DIR or set {SPECS_ENV_VAR} to the folder"):
        find_specs_dir(None, {}, tmp_path / "cwd")


def test_a_profile_without_a_specification_is_exit_2(tmp_path: Path) -> None:
    specs, folder = _setup(tmp_path)
    (folder / "profile.yaml").write_text(MANIFEST.split("specification:")[0] + "packages: []\nrequirements: "
                                         "requirements.csv\nscenarios: []\n", encoding="utf-8")
    result = runner.invoke(app, ["profiles", "coverage", str(folder), "--specs", str(specs)])
    assert result.exit_code == 2
    assert "names no specification with a local OpenAPI copy" in result.stderr


def test_the_specs_folder_is_found_beside_the_working_folder(tmp_path: Path) -> None:
    specs = tmp_path / "shared" / "nhs-specs"
    specs.mkdir(parents=True)
    (tmp_path / "repo").mkdir()
    assert find_specs_dir(None, {}, tmp_path / "repo") == specs.resolve()
    assert find_specs_dir(None, {SPECS_ENV_VAR: str(specs)}, tmp_path) == specs


@pytest.mark.shared
def test_the_summary_care_record_profile_covers_every_operation_and_the_responses_it_can_provoke(
        shared_dir: Path) -> None:
    from conformance.profiles import builtin_roots, find_profile

    found = measure(load_profile(find_profile("summary-care-record", builtin_roots())), shared_dir / "nhs-specs")
    assert (found.operations_covered, len(found.operations)) == (5, 5)
    assert (found.responses_covered, found.responses_total) == (10, 19)
    uncovered = sorted({r.status for o in found.operations for r in o.responses if not r.requirements})
    assert uncovered == ["500", "503", "504"]  # server failures a client cannot provoke
    assert found.broken == ()


def test_profiles_show_names_the_specification(tmp_path: Path) -> None:
    _, folder = _setup(tmp_path)
    result = runner.invoke(app, ["profiles", "show", str(folder)])
    assert result.exit_code == 0, result.output
    assert f"specification: Demo API — {REPO} at {COMMIT[:12]}, specification/demo.yaml" in result.stdout
    assert "coverage: conformance profiles coverage demo (reads demo/demo.resolved.yaml in the nhs-specs folder)" \
        in result.stdout
    shown = json.loads(runner.invoke(app, ["profiles", "show", str(folder), "--format", "json"]).stdout)
    assert shown["specification"]["local"] == "demo/demo.resolved.yaml"
