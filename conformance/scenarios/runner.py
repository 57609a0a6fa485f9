"""Runs a suite's scenarios against a target and builds the `RunResult` every report is made from.

Per scenario: conditions first (a missing optional package makes its requirements "not tested"
with the install command; an undeclared capability skips it with the reason), then its steps in
order. Per step: render the request from `${...}` values, attach credentials (never to another
origin), send, capture values for later steps, check the expectations. A step with no response
(unreachable, too slow, TLS refused, no token) is an error that ends its scenario; the remaining
steps are reported as not run and the next scenario starts. Ctrl-C stops between steps and the
result is marked incomplete.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from conformance import __version__
from conformance.profiles import Profile
from conformance.results import (
    Finding,
    GroupResult,
    Outcome,
    Requirement,
    RunResult,
    TestResult,
    requirement_results,
)
from conformance.scenarios import templates
from conformance.scenarios.auth import Auth, AuthError
from conformance.scenarios.capability import Capabilities, CapabilityCache, unmet
from conformance.scenarios.checks import ResponseView, capture_value, check_response
from conformance.scenarios.expectations import template_texts
from conformance.scenarios.http import HttpClient, HttpSettings, Response, TransportError
from conformance.scenarios.inputs import ResolvedInputs
from conformance.scenarios.model import Scenario, Step, Suite
from conformance.scenarios.packages import RunPackages
from conformance.scenarios.redact import Redactor
from conformance.scenarios.reproduce import curl_command, secret_variables
from conformance.scenarios.target import join_url

FHIR_JSON = "application/fhir+json"


@dataclass(frozen=True, slots=True)
class Target:
    base_url: str  # the FHIR base: no user-info, no query (see target.parse_target)
    label: str = ""  # how reports name it, e.g. "builtin (http://127.0.0.1:5000/FHIR/R4)"; no secret
    query: tuple[tuple[str, str], ...] = ()  # the base URL's own query, sent with every request to it
    secrets: tuple[str, ...] = ()  # credentials that came with the URL: redacted everywhere


class Runner:
    def __init__(self, suite: Suite, target: Target, packages: RunPackages, inputs: ResolvedInputs,
                 auth: Auth | None = None, http: HttpSettings | None = None, *,
                 only: Sequence[str] = (), command: Sequence[str] = (),
                 progress: Callable[[GroupResult], None] | None = None) -> None:
        self.suite = suite
        self.target = target
        self.packages = packages
        self.inputs = inputs
        self.auth = auth or Auth()
        self.only = tuple(only)
        self.command = list(command)
        self.progress = progress
        self.redactor = Redactor((*inputs.secret_values(), *target.secrets))
        self.auth.register_secrets(self.redactor)
        self.client = HttpClient(http or HttpSettings(), self.redactor)
        self._origin = _origin(target.base_url)
        self._capabilities = CapabilityCache(self.client, self._url("metadata", []), self._auth_headers)
        self._prerequisites: dict[str, str] = {}
        self._current: GroupResult | None = None
        self._variables = secret_variables({n: inputs.values.get(n, "") for n in inputs.secret_names}, target.query)
        self._sent: tuple[str, str, dict[str, str], bytes | None, bool] | None = None  # the step's request
        self._statuses: set[int] = set()  # every status the steps' requests were answered with

    # -- the run --------------------------------------------------------------------------------
    def run(self) -> RunResult:
        profile = self.suite.profile
        label = self.redactor.url(self.target.label or self.target.base_url)
        result = RunResult(profile.id, profile.version, profile.title, label,
                           started=_now(), packages=self.packages.ids, tool_version=__version__,
                           command=[self.redactor.url(w) if "://" in w else self.redactor.text(w) for w in self.command],
                           inputs=self.inputs.redacted())
        try:
            for scenario in self.suite.scenarios:
                if self.only and scenario.id not in self.only:
                    continue
                self._current = None
                if self.client.run_over():  # not "incomplete" (that is Ctrl-C): each skip says why
                    result.groups.append(self._past_deadline(scenario))
                    continue
                group = self._scenario(scenario)
                result.groups.append(group)
                if self.progress is not None:
                    self.progress(group)
        except KeyboardInterrupt:
            result.incomplete = True
            if self._current is not None:  # the scenario that was running, with the steps it finished
                self._current.message = "interrupted"
                result.groups.append(self._current)
        finally:
            self.client.close()
        result.finished = _now()
        result.requirements = requirement_results(self._requirements(profile), result.groups)
        result.hint = refused_hint(self._statuses, self.auth.kind, profile.reference.auth)
        return result

    @property
    def target_unreachable(self) -> str:
        """Why nothing ever answered ("" when something did, or nothing was asked); no secret in it."""
        if self.client.failures and self.client.responses == 0:
            return self.redactor.text(self.client.failures[0])
        return ""

    def _past_deadline(self, scenario: Scenario) -> GroupResult:
        why = (f"not run: the run's deadline of {self.client.settings.limits.run_deadline:g} s passed "
               "(--run-deadline)")
        tests = [self._not_run(scenario, s, why) for s in scenario.steps]
        return GroupResult(scenario.id, scenario.title, "scenario", tests, scenario.requirements, message=why)

    def _requirements(self, profile: Profile) -> list[Requirement]:
        return [replace(r, prerequisite=self._prerequisites[r.id]) if r.id in self._prerequisites else r
                for r in profile.requirements]

    # -- scenarios ------------------------------------------------------------------------------
    def _scenario(self, scenario: Scenario) -> GroupResult:
        group = GroupResult(scenario.id, scenario.title, "scenario", requirements=scenario.requirements)
        missing = self._missing_package(scenario.requires_package)
        if missing:
            return self._not_testable(scenario, scenario.steps, missing)
        record: list[dict[str, Any]] = []
        try:
            why = unmet(scenario.skip_unless, self.inputs.values, lambda: self._capabilities_for(record))
        except (TransportError, AuthError) as exc:
            group.message = self.redactor.text(f"could not check the scenario's conditions: {exc}")
            group.tests = [self._not_run(scenario, s, group.message) for s in scenario.steps]
            group.tests[0] = replace(group.tests[0], outcome=Outcome.ERROR, exchanges=record)
            return group
        if why:
            group.message = why
            group.tests = [TestResult(_test_id(scenario, s), s.title, Outcome.SKIP, s.requirements, message=why,
                                      exchanges=record if i == 0 else []) for i, s in enumerate(scenario.steps)]
            return group
        self._current = group
        values = dict(self.inputs.values)
        values["base_url"] = self.target.base_url.rstrip("/")
        ended = ""
        for step in scenario.steps:
            if ended:
                group.tests.append(self._not_run(scenario, step, ended))
                continue
            test = self._step(scenario, step, values, record)
            record = []
            group.tests.append(test)
            if test.outcome is Outcome.ERROR:
                ended = f"not run: step {step.id} could not complete ({test.message})"
                group.message = test.message
        return group

    def _not_testable(self, scenario: Scenario, steps: Sequence[Step], why: str) -> GroupResult:
        """Steps that need an absent package: no evidence, and their requirements carry the reason."""
        for rid in (*scenario.requirements, *(r for s in steps for r in s.requirements)):
            self._prerequisites[rid] = why
        tests = [TestResult(_test_id(scenario, s), s.title, Outcome.SKIP, (), message=f"not tested: {why}")
                 for s in steps]
        return GroupResult(scenario.id, scenario.title, "scenario", tests, (), message=f"not tested: {why}")

    def _missing_package(self, name: str | None) -> str:
        if name is None or self.packages.available.get(name, False):
            return ""
        ref = self.suite.profile.package(name)
        what = (ref.description or ref.label) if ref else name
        how = ref.how_to_get() if ref else ""
        return f"needs {what}, which is not loaded; get it with: {how} (or add it with --ig)"

    def _not_run(self, scenario: Scenario, step: Step, why: str) -> TestResult:
        return TestResult(_test_id(scenario, step), step.title, Outcome.SKIP, step.requirements, message=why)

    # -- steps ----------------------------------------------------------------------------------
    def _step(self, scenario: Scenario, step: Step, values: dict[str, str], record: list[dict[str, Any]]) -> TestResult:
        self._sent = None
        test = self._checked_step(scenario, step, values, record)
        if test.outcome in (Outcome.FAIL, Outcome.ERROR) and self._sent is not None:
            method, url, headers, body, with_auth = self._sent
            test.reproduce = curl_command(method, url, headers, body, auth_kind=self.auth.kind if with_auth else "none",
                                          variables=self._variables, redactor=self.redactor)
        return test

    def _checked_step(self, scenario: Scenario, step: Step, values: dict[str, str],
                      record: list[dict[str, Any]]) -> TestResult:
        test = TestResult(_test_id(scenario, step), step.title, Outcome.PASS, step.requirements, exchanges=record)
        missing = self._missing_package(step.requires_package)
        if missing:
            for rid in step.requirements:
                self._prerequisites[rid] = missing
            test.requirements, test.outcome, test.message = (), Outcome.SKIP, f"not tested: {missing}"
            return test
        t0 = time.perf_counter()
        try:
            why = unmet(step.skip_unless, self.inputs.values, lambda: self._capabilities_for(record))
            if why:
                test.outcome, test.message = Outcome.SKIP, why
                return test
            unset = [n for n in _names(step) if n not in values and n != "request_id"]
            if unset:
                test.outcome = Outcome.SKIP
                test.message = "skipped: needs " + ", ".join(f"${{{n}}}" for n in unset) + \
                    ", which an earlier step did not capture"
                return test
            values["request_id"] = str(uuid.uuid4())
            response = self._exchange(step, values, record)
            view = ResponseView(response)
            test.findings.extend(self._captures(step, view, response, values))
            test.findings.extend(check_response(step.expect, view, _Lenient(values), self.packages.validator))
        except (TransportError, AuthError) as exc:
            test.outcome, test.message = Outcome.ERROR, self.redactor.text(str(exc))
            code = getattr(exc, "code", None)
            if code is not None:  # a limit stopped the exchange: a located finding with its code
                test.findings.append(Finding("response within the run's limits", Outcome.FAIL, test.message,
                                             code=code, location=test.id))
            return test
        finally:
            test.duration_ms = (time.perf_counter() - t0) * 1000
        failed = [f for f in test.findings if f.outcome is Outcome.FAIL and f.severity == "error"]
        test.outcome = Outcome.FAIL if failed else Outcome.PASS
        if failed:
            test.message = failed[0].check + ": " + failed[0].message
        return test

    def _exchange(self, step: Step, values: dict[str, str], record: list[dict[str, Any]]) -> Response:
        spec = step.request
        url = self._url(templates.render(spec.path, values), [(k, templates.render(v, values)) for k, v in spec.query])
        headers = {"Accept": FHIR_JSON}
        body: bytes | None = None
        if spec.body is not None:
            body = self._body(spec.body.kind, spec.body.value, values)
            headers["Content-Type"] = spec.body.content_type
        headers.update({k: templates.render(v, values) for k, v in spec.headers})
        use_auth = step.auth == "default" and _origin(url) == self._origin and "Authorization" not in headers
        self._sent = (spec.method, url, headers, body, use_auth)
        sent = {**headers, **(self._auth_headers(record) if use_auth else {})}
        response = self.client.send(spec.method, url, headers=sent, body=body, record=record)
        if response.status == 401 and use_auth and self.auth.refresh():
            sent = {**headers, **self._auth_headers(record)}
            response = self.client.send(spec.method, url, headers=sent, body=body, record=record)
        self._statuses.add(response.status)
        return response

    def _url(self, path: str, query: list[tuple[str, str]]) -> str:
        return join_url(self.target.base_url, self.target.query, path, query)

    def _body(self, kind: str, value: Any, values: dict[str, str]) -> bytes:
        if kind == "json":
            return json.dumps(_render_json(value, values), ensure_ascii=False).encode("utf-8")
        return templates.render(str(value), values).encode("utf-8")

    def _captures(self, step: Step, view: ResponseView, response: Response, values: dict[str, str]) -> list[Finding]:
        found = []
        for c in step.captures:
            check = f"capture {c.name}"
            if c.header is not None:
                value = response.header(c.header)
                why = f"header {c.header} is absent"
            else:
                value, why = capture_value(c.fhirpath or "", view)
            if value is None:
                values.pop(c.name, None)
                found.append(Finding(check, Outcome.FAIL, why))
            else:
                values[c.name] = value
                found.append(Finding(check, Outcome.PASS, self.redactor.text(value)))
        return found

    def _auth_headers(self, record: list[dict[str, Any]]) -> dict[str, str]:
        return self.auth.headers(self.client, record)

    def _capabilities_for(self, record: list[dict[str, Any]]) -> Capabilities:
        return self._capabilities.get(record)


class _Lenient(dict[str, str]):
    """Values for expectations: a capture of this very step that failed (already a failing finding)
    shows as a marker instead of stopping the other checks."""

    def __missing__(self, key: str) -> str:
        return f"<{key} not captured>"


def _names(step: Step) -> set[str]:
    """The variables a step needs from the inputs and from earlier steps."""
    request, expect = step.request, step.expect
    texts = [request.path, *(v for _, v in request.query), *(v for _, v in request.headers)]
    if request.body is not None and request.body.kind != "json":
        texts.append(str(request.body.value))
    texts += template_texts(expect)
    names: set[str] = set()
    for t in texts:
        names.update(templates.names_in(t))
    if request.body is not None and request.body.kind == "json":
        names.update(_json_names(request.body.value))
    return names - {c.name for c in step.captures}


def _json_names(value: Any) -> set[str]:
    if isinstance(value, str):
        return set(templates.names_in(value))
    if isinstance(value, dict):
        return set().union(*(_json_names(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_json_names(v) for v in value)) if value else set()
    return set()


def _render_json(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        return templates.render(value, values)
    if isinstance(value, dict):
        return {k: _render_json(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_render_json(v, values) for v in value]
    return value


# how a profile's `reference.auth` is asked for on the command line
_AUTH_OPTIONS = {"bearer": "--auth bearer (with --token-file FILE or CONFORMANCE_TOKEN)",
                 "client-credentials": "--auth client-credentials (with --client-id, --client-secret-file and "
                                       "--token-url)",
                 "jwt": "--auth jwt (with --client-id, --private-key, --kid and --token-url)"}


def refused_hint(statuses: set[int], auth_kind: str, profile_auth: str) -> str:
    """When every request was refused with 401/403 and no credentials were given: the `--auth` likely missing."""
    if not statuses or not statuses <= {401, 403} or auth_kind != "none":
        return ""
    codes = " or ".join(str(s) for s in sorted(statuses))
    options = _AUTH_OPTIONS.get(profile_auth) or "--auth bearer, client-credentials or jwt"
    return f"the target refused every request with {codes} and no --auth was given; did you mean {options}?"


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _test_id(scenario: Scenario, step: Step) -> str:
    return f"{scenario.id}/{step.id}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
