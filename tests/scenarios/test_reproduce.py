"""A failed HTTP step's "Reproduce with: curl ..." line: runnable, every secret a $VARIABLE, in every report."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from typer.testing import CliRunner

from conformance.cli import _register, app
from conformance.reference import ReferenceServer, ServerConfig
from conformance.scenarios.redact import Redactor
from conformance.scenarios.reproduce import curl_command, secret_variables

NHS = Path(__file__).resolve().parents[2] / "fixtures" / "profiles" / "nhs-patient-demographics"
PROFILE = str(NHS)  # by path: the id names the shipped personal-demographics profile
TOKEN = "static-bearer-token-0123456789"

_register()
pytestmark = pytest.mark.core


def test_a_post_is_written_with_its_method_url_headers_and_body_and_every_secret_as_a_variable() -> None:
    api_key, input_secret = "query-key-abcdef123456", "input-secret-987654"
    variables = secret_variables({"api_key": input_secret}, [("apikey", api_key), ("tenant", "t1")])
    body = json.dumps({"resourceType": "Parameters", "note": f"key {input_secret}", "quote": "it's $HOME"}).encode()
    command = curl_command(
        "POST", f"https://fhir.example.org/R4/Patient/$match?apikey={api_key}&tenant=t1",
        {"Accept": "application/fhir+json", "Content-Type": "application/fhir+json", "X-Api-Key": input_secret},
        body, auth_kind="bearer", variables=variables,
        redactor=Redactor([api_key, input_secret, TOKEN]))
    assert api_key not in command and input_secret not in command and TOKEN not in command
    words = shlex.split(command)  # what the shell passes to curl, variables not yet expanded
    assert words == [
        "curl", "-i", "-X", "POST",
        "https://fhir.example.org/R4/Patient/$match?apikey=$CONFORMANCE_TARGET_APIKEY&tenant=t1",
        "-H", "Accept: application/fhir+json", "-H", "Content-Type: application/fhir+json",
        "-H", "X-Api-Key: $CONFORMANCE_INPUT_API_KEY",
        "-H", "Authorization: Bearer $CONFORMANCE_TOKEN",
        "--data-binary",
        '{"resourceType": "Parameters", "note": "key $CONFORMANCE_INPUT_API_KEY", "quote": "it\'s $HOME"}',
    ]
    # the shell expands the variables, and only them: the literal "$match" and "$HOME" stay as sent
    expanded = subprocess.run(["bash", "-c", "printf '%s\\n' " + command.removeprefix("curl ")], text=True,
                              capture_output=True, check=True,
                              env={"CONFORMANCE_TARGET_APIKEY": "K", "CONFORMANCE_INPUT_API_KEY": "S",
                                   "CONFORMANCE_TOKEN": "T", "HOME": "/home/x", "PATH": os.environ["PATH"]}).stdout
    assert "https://fhir.example.org/R4/Patient/$match?apikey=K&tenant=t1\n" in expanded
    assert "Authorization: Bearer T\n" in expanded
    assert '"note": "key S", "quote": "it\'s $HOME"}\n' in expanded


def test_basic_credentials_of_the_target_url_become_curl_user_variables() -> None:
    command = curl_command("GET", "http://h/fhir/metadata", {"Accept": "application/fhir+json"}, None,
                           auth_kind="basic", variables={}, redactor=Redactor(["alice", "pa55-w0rd"]))
    assert shlex.split(command) == ["curl", "-i", "http://h/fhir/metadata", "-H", "Accept: application/fhir+json",
                                    "--user", "$CONFORMANCE_TARGET_USER:$CONFORMANCE_TARGET_PASSWORD"]


def test_a_secret_the_command_has_no_name_for_is_redacted_not_shown() -> None:
    command = curl_command("GET", "http://h/fhir/Patient?_id=unnamed-secret-42", {}, None, auth_kind="none",
                           variables={}, redactor=Redactor(["unnamed-secret-42"]))
    assert "unnamed-secret-42" not in command and "[redacted]" in command


@pytest.fixture
def secured_server() -> Iterator[ReferenceServer]:
    server = ReferenceServer(ServerConfig(seed_dir=NHS / "seed", validate_on_write=False, auth="bearer",
                                          static_tokens=frozenset({TOKEN}),
                                          faults=frozenset({"no-request-id-echo"}))).start()
    yield server
    server.stop()


def test_a_failed_step_can_be_replayed_from_the_console_junit_and_html(secured_server: ReferenceServer,
                                                                        tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["run", PROFILE, "--target", secured_server.base_url,
                                      "--scenario", "headers", "--auth", "bearer", "--report", "junit,html,json",
                                      "--report-dir", str(tmp_path)],
                                env={"CONFORMANCE_TOKEN": TOKEN, "COLUMNS": "400"})
    assert result.exit_code == 1, result.output
    url = f"{secured_server.base_url}/Patient/9000000009"
    console = [line.strip() for line in result.stdout.splitlines() if "Reproduce with: " in line]
    document = json.loads((tmp_path / "results.json").read_text())
    tests = {t["id"]: t for g in document["groups"] for t in g["tests"]}
    step = tests["headers/request-id-on-success"]
    assert step["outcome"] == "fail"
    command = step["reproduce"]
    assert f"Reproduce with: {command}" in console
    assert all("reproduce" not in t for t in tests.values() if t["outcome"] == "pass")
    words = shlex.split(command)
    request_id = step["exchanges"][-1]["request"]["headers"]["X-Request-ID"]
    assert words == ["curl", "-i", url, "-H", "Accept: application/fhir+json", "-H", f"X-Request-ID: {request_id}",
                     "-H", "Authorization: Bearer $CONFORMANCE_TOKEN"]
    junit = etree.parse(str(tmp_path / "junit.xml"))
    failure_texts = [f.text for f in junit.iter("failure")]
    assert any(f"Reproduce with: {command}" in text for text in failure_texts)
    html = (tmp_path / "report.html").read_text()
    assert "<h4>Reproduce with</h4><pre>curl -i " in html
    for text in (result.output, (tmp_path / "junit.xml").read_text(), html, json.dumps(document)):
        assert TOKEN not in text
    if shutil.which("curl") is None:
        return  # the shape above is checked everywhere; the replay needs curl
    replay = subprocess.run(["bash", "-c", command + " --silent --max-time 10"], capture_output=True, text=True,
                            env={"CONFORMANCE_TOKEN": TOKEN, "PATH": os.environ["PATH"]}, check=True).stdout
    status = re.match(r"HTTP/[\d.]+ (\d+)", replay)
    assert status is not None and int(status.group(1)) == step["exchanges"][-1]["response"]["status"] == 200
    assert "x-request-id" not in replay.lower()  # the fault the step failed on, seen again by hand


def test_steps_that_pass_have_no_reproduce_line(secured_server: ReferenceServer) -> None:
    result = CliRunner().invoke(app, ["run", PROFILE, "--target", secured_server.base_url,
                                      "--scenario", "read", "--auth", "bearer", "--format", "json"],
                                env={"CONFORMANCE_TOKEN": TOKEN})
    document: dict[str, Any] = json.loads(result.stdout)
    assert [t["id"] for g in document["groups"] for t in g["tests"] if "reproduce" in t] == []


# -- every request refused, no --auth given: a hint -----------------------------------------------------------------
def test_every_request_refused_without_auth_gives_the_hint_in_console_and_reports(secured_server: ReferenceServer,
                                                                                  tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["run", PROFILE, "--target", secured_server.base_url,
                                      "--scenario", "read", "--scenario", "headers",
                                      "--report", "json,junit,html,markdown", "--report-dir", str(tmp_path)],
                                env={"COLUMNS": "400"})
    assert result.exit_code == 1, result.output
    hint = ("the target refused every request with 401 and no --auth was given; did you mean --auth jwt "
            "(with --client-id, --private-key, --kid and --token-url)?")  # the profile's own reference auth
    assert f"hint: {hint}" in result.stdout
    assert json.loads((tmp_path / "results.json").read_text())["hint"] == hint
    junit = etree.parse(str(tmp_path / "junit.xml"))
    assert {p.get("value") for p in junit.iter("property") if p.get("name") == "hint"} == {hint}
    failures = list(junit.iter("failure"))
    assert failures and all(f.text.startswith(f"hint: {hint}\n") for f in failures)
    assert f"<strong>Hint.</strong> {hint}" in (tmp_path / "report.html").read_text()
    assert f"> **Hint:** {hint}" in (tmp_path / "summary.md").read_text()


def test_no_hint_when_credentials_were_given_or_something_was_answered(secured_server: ReferenceServer) -> None:
    def hint(*args: str, env: dict[str, str] | None = None) -> str:
        result = CliRunner().invoke(app, ["run", PROFILE, "--format", "json", *args], env=env)
        return str(json.loads(result.stdout).get("hint", ""))

    assert hint("--target", secured_server.base_url, "--scenario", "read", "--auth", "bearer",
                env={"CONFORMANCE_TOKEN": "a-token-the-server-never-issued"}) == ""
    assert hint("--scenario", "read") == ""  # the built-in target answers


def test_the_hint_names_what_the_profile_asks_for() -> None:
    from conformance.scenarios.runner import refused_hint

    assert refused_hint({401, 403}, "none", "bearer") == (
        "the target refused every request with 401 or 403 and no --auth was given; did you mean --auth bearer "
        "(with --token-file FILE or CONFORMANCE_TOKEN)?")
    assert refused_hint({401, 200}, "none", "jwt") == ""
    assert refused_hint(set(), "none", "jwt") == ""
    assert refused_hint({403}, "none", "none").endswith("did you mean --auth bearer, client-credentials or jwt?")
