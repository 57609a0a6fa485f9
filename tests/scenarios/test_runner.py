"""The runner against scripted servers: results, skips, not-tested, timeouts, retries, tokens, secrets."""

from __future__ import annotations

import json
import socket
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from conformance.packages import PackageCache
from conformance.profiles import load_profile
from conformance.reference import ReferenceServer, ServerConfig
from conformance.results import Outcome, RequirementStatus, RunResult
from conformance.scenarios import (
    REDACTED,
    Auth,
    ClientCredentialsAuth,
    HttpSettings,
    Runner,
    Suite,
    Target,
    load_run_packages,
    load_suite,
    resolve_inputs,
)

PROFILES = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "profiles"
pytestmark = pytest.mark.core


def suite_of(name: str) -> Suite:
    return load_suite(load_profile(PROFILES / name))


def run(suite: Suite, base_url: str, *, env: dict[str, str] | None = None, auth: Auth | None = None,
        only: tuple[str, ...] = (), http: HttpSettings | None = None, pairs: tuple[str, ...] = ()) -> tuple[RunResult, Runner]:
    inputs = resolve_inputs(suite.inputs, pairs, [], env or {})
    packages = load_run_packages(suite.profile, [], PackageCache.default())
    runner = Runner(suite, Target(base_url), packages, inputs, auth, http, only=only)
    return runner.run(), runner


def statuses(result: RunResult) -> dict[str, str]:
    return {r.requirement.id: r.status.value for r in result.requirements}


def steps_by_id(result: RunResult) -> dict[str, Any]:
    return {t.id: t for g in result.groups for t in g.tests}


# -- against the reference server --------------------------------------------------------------------
@pytest.fixture
def reference() -> Any:
    """A fresh server for each test: the flow scenario creates a Patient, and a second create would conflict."""
    with ReferenceServer(ServerConfig(validate_on_write=False)) as server:
        yield server


def test_captures_bodies_skips_and_missing_packages_roll_up_to_requirements(reference: Any) -> None:
    result, _ = run(suite_of("mini"), reference.base_url, env={"CONFORMANCE_INPUT_API_KEY": "k-12345"})
    assert statuses(result) == {"MINI-CREATE": "passed", "MINI-OBS": "skipped", "MINI-PKG": "not-tested",
                                "MINI-SECRET": "passed", "MINI-UNCOVERED": "not-tested"}
    by_id = {r.requirement.id: r for r in result.requirements}
    assert by_id["MINI-PKG"].message == ("needs a package no cache holds, which is not loaded; get it with: "
                                         "conformance packages install 'example.never.installed#9.9.9' (or add it with --ig)")
    assert by_id["MINI-OBS"].evidence == ["skip/read-observation"]
    tests = steps_by_id(result)
    assert tests["skip/read-observation"].message == \
        "skipped: the server's CapabilityStatement does not declare Observation read"
    assert tests["needs-package/check"].requirements == () and tests["needs-package/check"].exchanges == []
    created = tests["flow/create"]
    sent = json.loads(created.exchanges[0]["request"]["body"])
    assert sent["name"][0]["family"] == "Testcase"  # ${family} from the body file
    new_id = json.loads(created.exchanges[0]["response"]["body"])["id"]
    assert tests["flow/read-back"].exchanges[0]["request"]["url"] == f"{reference.base_url}/Patient/{new_id}"
    assert (result.exit_code(), replace(result, require_all=True).exit_code()) == (2, 2)


def test_a_secret_input_never_reaches_the_result(reference: Any) -> None:
    secret = "k-0123456789-very-secret"
    result, _ = run(suite_of("mini"), reference.base_url, env={"CONFORMANCE_INPUT_API_KEY": secret}, only=("secret",))
    text = json.dumps(result.to_json())
    assert secret not in text
    exchange = steps_by_id(result)["secret/metadata-with-secret"].exchanges[0]
    assert exchange["request"]["url"].endswith(f"/metadata?note={REDACTED}")
    assert exchange["request"]["headers"]["X-Client-Note"] == f"note {REDACTED}"
    assert result.inputs["api_key"] == REDACTED


def test_an_empty_optional_input_skips_its_step_with_the_reason(reference: Any) -> None:
    result, _ = run(suite_of("mini"), reference.base_url, only=("secret",))
    assert steps_by_id(result)["secret/metadata-with-secret"].message == "skipped: input api_key has no value"
    assert statuses(result)["MINI-SECRET"] == "skipped"


# -- against a stub ------------------------------------------------------------------------------------
def _ok(_stub: Any, _h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
    return 200, {}, b'{"resourceType": "Basic"}'


def _slow(_stub: Any, _h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
    time.sleep(0.6)
    return 200, {}, b"{}"


def _drop_first(stub: Any, h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes] | str:
    return "drop" if stub.hit(h.path) == 1 else (200, {}, b'{"resourceType": "Basic"}')


def test_a_slow_target_errors_its_scenario_and_the_run_goes_on(stub: Any) -> None:
    stub.routes.update({"/fhir/slow": _slow, "/fhir/fast": _ok})
    result, runner = run(suite_of("stub"), stub.base_url, only=("slow", "fast"),
                         http=HttpSettings(connect_timeout=1, read_timeout=0.2))
    slow, fast = result.groups
    assert (slow.outcome, fast.outcome) == (Outcome.ERROR, Outcome.PASS)
    first, after = slow.tests
    assert first.message == f"no response from {stub.base_url}/slow within 0.2 s (read timeout)"
    assert first.exchanges[0]["error"] == first.message and "response" not in first.exchanges[0]
    assert (after.outcome, after.message) == (Outcome.SKIP, f"not run: step slow could not complete ({first.message})")
    assert [p for _, p, _ in stub.seen] == ["/fhir/slow", "/fhir/fast"]  # no retry after a read timeout
    assert statuses(result)["STUB-SLOW"] == "error" and statuses(result)["STUB-FAST"] == "passed"
    assert result.exit_code() == 2 and runner.target_unreachable == ""


def test_a_dropped_connection_is_retried_once_for_get_but_not_for_post(stub: Any) -> None:
    stub.routes.update({"/fhir/flaky-get": _drop_first, "/fhir/flaky-post": _drop_first})
    result, _ = run(suite_of("stub"), stub.base_url, only=("flaky",))
    get, post = result.groups[0].tests
    assert get.outcome is Outcome.PASS and get.exchanges[0]["attempts"] == 2
    assert post.outcome is Outcome.ERROR and post.message.endswith("closed the connection without answering")
    assert stub.hits == {"/fhir/flaky-get": 2, "/fhir/flaky-post": 1}


def test_a_401_fetches_a_fresh_token_once(stub: Any) -> None:
    issued: list[str] = []

    def token(_stub: Any, _h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        issued.append(f"token-number-{len(issued) + 1}")
        return 200, {"Content-Type": "application/json"}, json.dumps(
            {"access_token": issued[-1], "token_type": "Bearer", "expires_in": 600}).encode()

    def protected(_stub: Any, h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        good = h.headers.get("Authorization") == "Bearer token-number-2"
        return (200, {}, b'{"resourceType": "Basic"}') if good else (401, {}, b"{}")

    stub.routes.update({"/token": token, "/fhir/protected": protected})
    auth = ClientCredentialsAuth("app", "client-secret-value", stub.base_url.replace("/fhir", "/token"))
    result, _ = run(suite_of("stub"), stub.base_url, auth=auth, only=("protected",))
    test = result.groups[0].tests[0]
    assert test.outcome is Outcome.PASS
    assert [(e["role"], e["response"]["status"]) for e in test.exchanges] == [
        ("token", 200), ("request", 401), ("token", 200), ("request", 200)]
    text = json.dumps(result.to_json())
    for secret in ("client-secret-value", *issued):
        assert secret not in text
    assert test.exchanges[0]["request"]["body"] == \
        f"grant_type=client_credentials&client_id=app&client_secret={REDACTED.replace('[', '%5B').replace(']', '%5D')}"


def test_credentials_go_only_to_the_targets_origin(stub: Any) -> None:
    from conformance.scenarios import BearerAuth

    stub.routes["/elsewhere"] = _ok
    other = stub.base_url.replace("/fhir", "/").replace("127.0.0.1", "localhost")
    result, _ = run(suite_of("stub"), stub.base_url, auth=BearerAuth("bearer-token-xyz"), only=("elsewhere",),
                    pairs=(f"other_base={other}",))
    assert result.groups[0].tests[0].outcome is Outcome.PASS
    assert [("Authorization" in headers) for _, _, headers in stub.seen] == [False]


def test_a_target_that_is_down_errors_every_scenario_with_the_reason() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}/fhir"
    result, runner = run(suite_of("stub"), base, only=("fast", "slow"))
    assert [g.outcome for g in result.groups] == [Outcome.ERROR, Outcome.ERROR]
    assert runner.target_unreachable == f"could not connect to {base}/slow: connection refused"
    assert {r.status for r in result.requirements if r.requirement.id in ("STUB-SLOW", "STUB-FAST")} == \
        {RequirementStatus.ERROR}


def test_an_interrupted_run_keeps_what_ran_and_is_marked_incomplete(reference: Any) -> None:
    class InterruptOnSecondCall(Auth):
        calls = 0

        def headers(self, client: Any, record: list[dict[str, Any]]) -> dict[str, str]:
            self.calls += 1
            if self.calls == 2:
                raise KeyboardInterrupt
            return {}

    result, _ = run(suite_of("mini"), reference.base_url, auth=InterruptOnSecondCall(), only=("flow", "skip"))
    assert result.incomplete is True and result.finished
    assert [(g.id, g.message, [t.id for t in g.tests]) for g in result.groups] == [("flow", "interrupted", ["flow/create"])]
    assert result.to_json()["incomplete"] is True
