"""`conformance run` and `conformance profiles` end to end: the generic reference server's self-test with the old
demographics profile (now a fixture, fixtures/profiles/nhs-patient-demographics: every requirement passes on the
built-in target; every server fault is caught and named), the old id naming the shipped PDS profile, auth against
the reference server, unreachable targets, located errors, and no secret in any report."""

from __future__ import annotations

import json
import shutil
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conformance.cli import _register, app
from conformance.profiles import load_profile, parse_requirements
from conformance.reference import FAULTS

REPO = Path(__file__).resolve().parents[2]
NHS = REPO / "fixtures" / "profiles" / "nhs-patient-demographics"
FIXTURES = REPO / "fixtures" / "scenarios"
UK_CORE = REPO.parent / "shared" / "fhir" / "uk-core-source"
PROFILE = str(NHS)  # by path: the id nhs-patient-demographics names the shipped personal-demographics (an alias)
ALL_BUT_UK_CORE = ["PDS-CAP-001", "PDS-READ-001", "PDS-READ-002", "PDS-READ-003", "PDS-READ-004", "PDS-READ-005",
                   "PDS-SRCH-001", "PDS-SRCH-002", "PDS-SRCH-003", "PDS-SRCH-004", "PDS-ERR-001", "PDS-HDR-001",
                   "PDS-HDR-002", "PDS-VER-001", "PDS-SEC-001", "PDS-SEC-002"]

# the requirement each fault of the reference server must make fail
FAULT_CAUGHT_BY = {
    "wrong-content-type": "PDS-HDR-002",
    "missing-nhs-number": "PDS-READ-002",
    "ok-instead-of-404": "PDS-READ-004",
    "invalid-operation-outcome": "PDS-ERR-001",
    "no-request-id-echo": "PDS-HDR-001",
    "token-not-checked": "PDS-SEC-001",
    "invalid-nhs-number-accepted": "PDS-READ-005",
    "non-conformant-patient": "PDS-READ-003",
    "search-ignores-parameters": "PDS-SRCH-001",
    "no-etag": "PDS-VER-001",
}

_register()
runner = CliRunner()
pytestmark = pytest.mark.core


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


def run_json(*args: str) -> tuple[int, dict[str, Any], Any]:
    result = invoke("run", *args, "--format", "json")
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout), result


def statuses(document: dict[str, Any]) -> dict[str, str]:
    return {r["id"]: r["status"] for r in document["requirements"]}


def failed(document: dict[str, Any]) -> set[str]:
    return {r["id"] for r in document["requirements"] if r["status"] == "failed"}


# -- the profile's self-test ---------------------------------------------------------------------------
def test_the_generic_server_passes_every_requirement_but_uk_core_which_is_not_tested() -> None:
    code, document, _ = run_json(PROFILE)
    assert code == 0
    got = statuses(document)
    assert got == {**dict.fromkeys(ALL_BUT_UK_CORE, "passed"), "PDS-UKC-001": "not-tested"}
    uk_core = next(r for r in document["requirements"] if r["id"] == "PDS-UKC-001")
    assert uk_core["message"] == ("needs the UK Core package (UK Core STU2, FHIR R4), which is not loaded; get it "
                                  "with: conformance packages install 'fhir.r4.ukcore.stu2' (or add it with --ig)")
    assert document["target"].startswith("builtin (http://127.0.0.1:")
    assert document["packages"] == ["hl7.fhir.r4.core#4.0.1", "conformance.nhs-patient-demographics#0.1.0"]
    assert document["summary"] == {"requirements": 17, "passed": 16, "failed": 0, "warnings": 0, "errors": 0,
                                   "skipped": 0, "notTested": 1, "notApplicable": 0, "accepted": 0,
                                   "coverage": 0.9412}
    assert document["command"] == ["conformance", "run", PROFILE, "--format", "json"]


def test_the_console_report_gives_the_verdict_and_the_untested_requirement() -> None:
    result = invoke("run", PROFILE)
    assert result.exit_code == 0
    out = result.stdout
    assert "17 requirements: 16 passed, 0 failed, 0 warning(s), 0 error(s), 0 skipped, 1 not tested — coverage 94.1%" in out
    assert "not-tested PDS-UKC-001 (SHOULD): needs the UK Core package" in out
    assert out.rstrip().endswith("PASS: every MUST requirement in scope passed (16 of 17 requirements with a verdict) "
                                 "(exit 0)")


def test_require_all_makes_an_untested_requirement_exit_2() -> None:
    result = invoke("run", PROFILE, "--require-all")
    assert result.exit_code == 2
    assert "no verdict PDS-UKC-001 (SHOULD, not-tested): needs the UK Core package" in result.stdout
    assert result.stdout.rstrip().endswith("INCOMPLETE: 1 requirement(s) in scope without a verdict: PDS-UKC-001 (exit 2)")


@pytest.mark.shared
def test_with_the_uk_core_source_every_requirement_passes() -> None:
    code, document, _ = run_json(PROFILE, "--ig", str(UK_CORE), "--require-all")
    assert code == 0
    assert set(statuses(document).values()) == {"passed"} and len(document["requirements"]) == 17
    assert "UKCore.R4.STU.02.00.00#2.0.0" in document["packages"]


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_server_fault_fails_the_run_and_names_the_requirement(fault: str, tmp_path: Path) -> None:
    result = invoke("run", PROFILE, "--fault", fault, "--report-dir", str(tmp_path))
    assert result.exit_code == 1
    document = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert FAULT_CAUGHT_BY[fault] in failed(document)
    assert f"failed {FAULT_CAUGHT_BY[fault]} (MUST): failing evidence:" in result.stdout
    assert result.stdout.rstrip().endswith(f"FAIL: MUST requirement(s) failed: {', '.join(document['verdict']['failed'])} (exit 1)")


def test_every_fault_of_the_reference_server_has_a_requirement_that_catches_it() -> None:
    assert set(FAULT_CAUGHT_BY) == set(FAULTS)


def test_a_failing_requirement_shows_the_step_the_finding_and_the_exchange() -> None:
    result = invoke("run", PROFILE, "--fault", "no-request-id-echo")
    out = result.stdout
    assert "failed PDS-HDR-001 (MUST): failing evidence: headers/request-id-on-success, headers/request-id-on-error" in out
    assert "step headers/request-id-on-success — X-Request-ID is echoed on a successful read: fail" in out
    assert "X-Request-ID is absent" in out
    assert "GET http://127.0.0.1:" in out and "/FHIR/R4/Patient/9000000009 → 200" in out


# -- arguments -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("args", "message"), [
    (["--fault", "no-etag", "--target", "http://127.0.0.1:9/fhir"], "--fault works only with the built-in target"),
    (["--fault", "nope"], "unknown fault(s) nope; known faults: wrong-content-type"),
    (["--target", "ftp://x"], "--target 'ftp://x' is not an http(s) URL"),
    (["--auth", "bearer"], "--auth applies to --target URL"),
    (["--scenario", "nope"], "no scenario nope in nhs-patient-demographics"),
    (["--input", "nope=1"], "no input 'nope'; declared: birth_date, family"),
    (["--ca-bundle", "/nonexistent/ca.pem"], "--ca-bundle /nonexistent/ca.pem: no such file"),
    (["--target", "http://127.0.0.1:9/fhir", "--auth", "bearer"], "--auth bearer needs a token"),
])
def test_bad_arguments_exit_2_with_one_clear_message(args: list[str], message: str) -> None:
    result = invoke("run", PROFILE, *args)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output


def test_a_secret_input_on_the_command_line_is_refused() -> None:
    result = invoke("run", str(FIXTURES / "profiles" / "mini"), "--input", "api_key=do-not-echo-me")
    assert result.exit_code == 2
    assert "input 'api_key' is secret" in result.stderr and "do-not-echo-me" not in result.output


def test_a_target_that_is_down_exits_2_with_a_clear_message() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = invoke("run", PROFILE, "--target", f"http://127.0.0.1:{port}/FHIR/R4")
    assert result.exit_code == 2
    assert (f"conformance: error: the target http://127.0.0.1:{port}/FHIR/R4 could not be reached: could not connect "
            f"to http://127.0.0.1:{port}/FHIR/R4/metadata: connection refused") in result.stderr


def test_a_malformed_profile_gives_located_errors_and_exit_2() -> None:
    result = invoke("run", str(FIXTURES / "broken" / "scenarios"))
    assert result.exit_code == 2
    assert "conformance: error: profile broken-scenarios: the scenarios have 17 problem(s)" in result.stderr
    assert "broken/scenarios/scenarios/semantics.yaml:10:13: step read: unknown variable ${nope}" in result.stderr
    assert "Traceback" not in result.output


@pytest.fixture
def counting_server() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/fhir", seen
    httpd.shutdown()
    httpd.server_close()


def test_an_unknown_variable_is_reported_before_any_request(counting_server: tuple[str, list[str]]) -> None:
    url, seen = counting_server
    result = invoke("run", str(FIXTURES / "broken" / "unknown-variable"), "--target", url)
    assert result.exit_code == 2
    assert ("unknown-variable/scenarios/read.yaml:16:16: step read: unknown variable ${patient_idd}; known here: "
            "base_url, request_id (at steps[1].request.headers.X-Who)") in result.stderr
    assert seen == []


def test_report_dir_holds_the_same_results_atomically(tmp_path: Path) -> None:
    code, document, _ = run_json(PROFILE, "--report-dir", str(tmp_path / "out"))
    assert code == 0
    written = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert written == document
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["results.json"]


# -- conformance profiles --------------------------------------------------------------------------------
def test_profiles_list_shows_the_built_in_profiles_and_valid_and_invalid_user_profiles() -> None:
    result = invoke("profiles", "list", "--profiles-dir", str(FIXTURES / "broken"), "--profiles-dir",
                    str(NHS.parent), "--format", "json")
    assert result.exit_code == 0
    rows = {r["id"]: r for r in json.loads(result.stdout)["profiles"]}
    old = rows["nhs-patient-demographics"]
    assert (old["valid"], old["requirements"], old["path"]) == (True, 17, str(NHS))
    assert rows["profile-schema"] == {"id": "profile-schema", "path": str(FIXTURES / "broken" / "profile-schema"),
                                      "valid": False, "problems": 8}
    text = invoke("profiles", "list").stdout
    assert "\npersonal-demographics " in text and "\nnhs-patient-demographics " not in text


def test_the_old_id_names_the_pds_profile_unless_the_fixture_folder_is_searched_first() -> None:
    shown = json.loads(invoke("profiles", "show", "nhs-patient-demographics", "--format", "json").stdout)
    assert shown["id"] == "personal-demographics"
    fixture = invoke("profiles", "show", "nhs-patient-demographics", "--profiles-dir", str(NHS.parent),
                     "--format", "json")
    assert json.loads(fixture.stdout)["id"] == "nhs-patient-demographics"


def test_profiles_show_names_packages_inputs_scenarios_and_coverage() -> None:
    result = invoke("profiles", "show", PROFILE, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [p["name"] for p in data["packages"]] == ["r4-core", "api-rules", "uk-core"]
    assert data["packages"][0]["installed"] is True
    assert [s["id"] for s in data["scenarios"]] == ["capability", "read", "not-found", "search", "errors", "headers",
                                                    "versioning", "security", "uk-core"]
    assert data["requirements"] == {"total": 17, "byLevel": {"MUST": 15, "SHOULD": 2}, "byFileChecks": {},
                                    "notCovered": []}
    text = invoke("profiles", "show", PROFILE).stdout
    assert "uk-core: fhir.r4.ukcore.stu2#2.0.x (optional)" in text
    assert "nhs_number = '9000000009': the NHS number of a patient the system holds" in text


def test_profiles_show_of_a_files_only_profile_names_the_file_checks_that_evidence_each_requirement() -> None:
    data = json.loads(invoke("profiles", "show", "uk-core-record-export", "--format", "json").stdout)
    assert data["requirements"]["notCovered"] == []
    assert data["requirements"]["byFileChecks"] == {
        "REC-EXP-001": ["REC-FC-FILES"], "REC-EXP-002": ["REC-FC-VALIDATE"], "REC-EXP-003": ["REC-FC-NHS-NUMBER"],
        "REC-EXP-004": ["REC-FC-NHS-UNIQUE"], "REC-EXP-005": ["REC-FC-IDS"], "REC-EXP-006": ["REC-FC-REFERENCES"],
        "REC-EXP-007": ["REC-FC-SUBJECTS"], "REC-EXP-008": ["REC-FC-COUNTS"]}
    text = invoke("profiles", "show", "uk-core-record-export").stdout
    assert "covered by no scenario" not in text
    assert "evidenced by file checks (conformance check), not by a scenario:" in text
    assert "    REC-EXP-006: REC-FC-REFERENCES\n" in text


def test_profiles_show_names_a_requirement_nothing_evidences(tmp_path: Path) -> None:
    profile = tmp_path / "orphan"
    shutil.copytree(REPO / "profiles" / "uk-core-record-export", profile)
    catalogue = profile / "requirements.csv"
    rows = catalogue.read_text(encoding="utf-8").splitlines()
    catalogue.write_text("\n".join([*rows, rows[-1].replace("REC-EXP-008", "REC-EXP-009", 1)]) + "\n",
                         encoding="utf-8")
    data = json.loads(invoke("profiles", "show", str(profile), "--format", "json").stdout)
    assert data["requirements"]["notCovered"] == ["REC-EXP-009"]
    text = invoke("profiles", "show", str(profile)).stdout
    assert "  covered by no scenario and no file check: REC-EXP-009\n" in text


def test_profiles_requirements_as_csv_and_json() -> None:
    csv_text = invoke("profiles", "requirements", PROFILE, "--format", "csv").stdout
    assert csv_text.splitlines()[0] == "identifier,level,use case,description,test cases,evidence required,source link,verification"
    assert parse_requirements(csv_text, "out.csv") == (list(load_profile(NHS).requirements), [])
    rows = json.loads(invoke("profiles", "requirements", PROFILE, "--format", "json").stdout)["requirements"]
    assert rows[0] == {"id": "PDS-CAP-001", "level": "MUST", "useCase": "Capability",
                       "description": "The server publishes a CapabilityStatement at [base]/metadata that declares "
                                      "the Patient read and search-type interactions.",
                       "testCases": "capability/metadata", "evidence": "Recorded exchange of GET [base]/metadata",
                       "source": "https://hl7.org/fhir/R4/http.html#capabilities"}


def test_profiles_show_of_a_broken_profile_exits_2_with_located_errors() -> None:
    result = invoke("profiles", "show", str(FIXTURES / "broken" / "requirements-csv"))
    assert result.exit_code == 2
    assert "requirements-csv/requirements.csv:3:2: REQ-2: level 'MUSTN'T' is not one of" in result.stderr


def test_a_secret_from_an_inputs_file_is_used_and_never_reported(tmp_path: Path) -> None:
    secret = "file-secret-0123456789"
    (tmp_path / "inputs.yaml").write_text(f'api_key: "{secret}"\n')
    code, document, result = run_json(str(FIXTURES / "profiles" / "mini"), "--inputs", str(tmp_path / "inputs.yaml"))
    assert statuses(document)["MINI-SECRET"] == "passed"
    # the mini profile's other MUSTs are skipped on purpose (capabilities, packages): INCOMPLETE, never a PASS
    assert (code, document["verdict"]["label"]) == (2, "INCOMPLETE")
    assert secret not in result.output and document["inputs"] == {"api_key": "[redacted]", "family": "Testcase"}


def test_a_missing_core_package_exits_2_naming_the_install_command(tmp_path: Path) -> None:
    result = invoke("run", PROFILE, "--package-cache", str(tmp_path))
    assert result.exit_code == 2
    assert (f"conformance: error: hl7.fhir.r4.core#4.0.1 is not in the package cache {tmp_path}; run: conformance "
            "packages install hl7.fhir.r4.core#4.0.1") in result.stderr
