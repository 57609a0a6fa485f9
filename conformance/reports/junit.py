"""JUnit XML for CI (GitLab, Jenkins, Azure DevOps): a testsuite per group, a testcase per test.

The output validates against the Jenkins xUnit plugin's `junit-10.xsd`, the schema GitLab and
Jenkins both read, and that schema allows `<properties>` only on a testsuite. So requirement ids
travel as testsuite properties (`requirement` once per id the group evidences, and
`requirements:<test id>` for each test), and again in each failure's message (`[PDS-READ-001]
...`) where a CI page shows them next to the failure.

- a failed test is a `<failure>` whose text lists every failing check with its location: the
  file and line (`path:line:column`) or the exchange (`GET url -> 200`);
- an errored test (the check could not run) is an `<error>`;
- a skipped test is `<skipped>` with the reason;
- a failure accepted by a baseline is `<skipped>` "accepted by baseline entry N: justification
  (expires ...)", with the failing checks in `<system-out>`: visible, but not a CI failure;
- an interrupted run adds a testcase `run completed` with an `<error>`, so CI never takes an
  incomplete run for a clean one.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice
from typing import Any

from lxml import etree

from conformance.results import (
    REPRODUCE_LABEL,
    Finding,
    GroupResult,
    Outcome,
    RunResult,
    TestResult,
    acceptance_of,
    failing_count,
)
from conformance.results.store import failing as failing_of

FILE_NAME = "junit.xml"
_MAX_MESSAGE = 500
MAX_FINDINGS = 200  # listed in a failure's text; a file check can have thousands


def render(result: RunResult) -> str:
    root = _el(None, "testsuites")
    totals = {"tests": 0, "failures": 0, "errors": 0, "time": 0.0}
    for group in result.groups:
        suite = _suite(result, group)
        root.append(suite)
        for key in ("tests", "failures", "errors"):
            totals[key] += int(suite.get(key) or 0)
        totals["time"] += float(suite.get("time") or 0)
    if result.incomplete:
        suite = _incomplete_suite(result)
        root.append(suite)
        totals["tests"] += 1
        totals["errors"] += 1
    root.set("name", _clean(f"{result.profile_id} {result.profile_version}" + (" (incomplete)" if result.incomplete else "")))
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failures"]))
    root.set("errors", str(totals["errors"]))
    root.set("time", _seconds(totals["time"] * 1000))
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8").decode("utf-8")


def _suite(result: RunResult, group: GroupResult) -> etree._Element:
    suite = _el(None, "testsuite")
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    props = _el(suite, "properties")
    for name, value in _suite_properties(result, group):
        _el(props, "property", name=name, value=value)
    classname = f"{result.profile_id}.{group.id}"
    time_ms = 0.0
    for test in group.tests:
        suite.append(_case(classname, test, result.hint))
        counts["tests"] += 1
        time_ms += test.duration_ms
        kind = _kind(test)
        if kind in ("failures", "errors", "skipped"):
            counts[kind] += 1
    if not group.tests:  # a group skipped or errored before any test ran still shows, as one case
        case = _el(suite, "testcase", name=group.title or group.id, classname=classname, time="0")
        counts["tests"] += 1
        if group.outcome is Outcome.ERROR:
            _el(case, "error", message=_short(group.message or "could not run"), type="error")
            counts["errors"] += 1
        else:
            _el(case, "skipped", message=_short(group.message or "not run"))
            counts["skipped"] += 1
    suite.set("name", _clean(f"{group.id}: {group.title}" if group.title else group.id))
    for key, count in counts.items():
        suite.set(key, str(count))
    suite.set("time", _seconds(time_ms))
    suite.set("timestamp", _clean(result.started))
    suite.set("package", _clean(result.profile_id))
    return suite


def _suite_properties(result: RunResult, group: GroupResult) -> Iterable[tuple[str, str]]:
    yield "profile", f"{result.profile_id} {result.profile_version}"
    yield "target", result.target
    yield "kind", group.kind
    yield "tool", f"conformance {result.tool_version}"
    for package in result.packages:
        yield "package", package
    for rid in sorted(group.all_requirements):
        yield "requirement", rid
    for test in group.tests:
        if test.requirements:
            yield f"requirements:{test.id}", " ".join(test.requirements)
    if group.message:
        yield "message", group.message
    if result.hint:
        yield "hint", result.hint


def _kind(test: TestResult) -> str:
    if test.outcome is Outcome.FAIL:
        return "skipped" if acceptance_of(test) is not None else "failures"
    return {Outcome.ERROR: "errors", Outcome.SKIP: "skipped"}.get(test.outcome, "passed")


def _case(classname: str, test: TestResult, hint: str = "") -> etree._Element:
    step = _step(test.id)
    name = test.title if step in test.title else f"{step}: {test.title}"
    case = _el(None, "testcase", name=name, classname=classname,
                         time=_seconds(test.duration_ms))
    prefix = f"[{' '.join(test.requirements)}] " if test.requirements else ""
    failing = list(islice(failing_of(test.findings), MAX_FINDINGS))  # the rest are counted, not held
    accepted = acceptance_of(test)
    if test.outcome is Outcome.FAIL and accepted is not None:
        note = f"accepted by baseline entry {accepted.entry}: {accepted.justification} (expires {accepted.expires})"
        _el(case, "skipped", message=_short(prefix + note))
        _system_out(case, test, failing)
    elif test.outcome is Outcome.FAIL:
        first = next((f for f in failing_of(test.findings) if f.severity == "error"), failing[0] if failing else None)
        message = prefix + (f"{first.check}: {first.message}" if first else test.message)
        failure = _el(case, "failure", message=_short(message), type=(first.code if first and first.code else "fail"))
        failure.text = _clean(_failure_text(test, failing, hint))
    elif test.outcome is Outcome.ERROR:
        error = _el(case, "error", message=_short(prefix + (test.message or "could not run")), type="error")
        error.text = _clean(_failure_text(test, failing, hint))
    elif test.outcome is Outcome.SKIP:
        _el(case, "skipped", message=_short(test.message or "skipped"))
    else:
        _system_out(case, test, [])
    return case


def _system_out(case: etree._Element, test: TestResult, failing: list[Finding]) -> None:
    text = _failure_text(test, failing) if failing else ""
    if not text and test.requirements:
        text = "requirements: " + ", ".join(test.requirements)
    if text:
        _el(case, "system-out").text = _clean(text)


def _failure_text(test: TestResult, failing: list[Finding], hint: str = "") -> str:
    lines = []
    if hint:  # the run's likely cause (all refused, no --auth), where a CI page shows it: next to each failure
        lines.append("hint: " + hint)
    if test.requirements:
        lines.append("requirements: " + ", ".join(test.requirements))
    if test.outcome is Outcome.ERROR and test.message:
        lines.append(test.message)
    for f in failing:
        mark = "accepted" if acceptance_of(f) is not None else f.severity
        code = f" [{f.code}]" if f.code else ""
        lines.append(f"{mark}{code} {f.check}: {f.message}")
        where = _where(f)
        if where:
            lines.append(f"    at {where}")
    more = failing_count(test.findings) - len(failing)
    if more > 0:
        lines.append(f"... and {more} more failing check(s): all of them are in results.json")
    for exchange in test.exchanges:
        lines.append("exchange: " + exchange_line(exchange))
    if test.reproduce:
        lines.append(REPRODUCE_LABEL + test.reproduce)
    return "\n".join(lines)


def _where(f: Finding) -> str:
    if f.path:
        spot = f.path + (f":{f.line}" if f.line else "") + (f":{f.column}" if f.line and f.column else "")
        return spot + (f" ({f.location})" if f.location else "")
    if f.location:
        return f.location + (f" (line {f.line}, column {f.column} of the response body)" if f.line else "")
    return ""


def exchange_line(exchange: dict[str, Any]) -> str:
    """`GET url -> 200` (or `-> no response: why`), the one-line form of a recorded exchange."""
    request = exchange.get("request", {})
    if "response" in exchange:
        answer = str(exchange["response"].get("status"))
    else:
        answer = "no response: " + str(exchange.get("error", "unknown"))
    role = exchange.get("role", "request")
    label = "" if role == "request" else f"({role}) "
    return f"{label}{request.get('method', '?')} {request.get('url', '?')} -> {answer}"


def _incomplete_suite(result: RunResult) -> etree._Element:
    suite = _el(None, "testsuite", name="run", tests="1", failures="0", errors="1", skipped="0", time="0",
                          timestamp=result.started, package=result.profile_id)
    case = _el(suite, "testcase", name="run completed", classname=f"{result.profile_id}.run", time="0")
    _el(case, "error", message="the run was interrupted: this report covers only what ran",
                     type="incomplete")
    return suite


def _el(parent: etree._Element | None, tag: str, **attrs: str) -> etree._Element:
    """An element whose attribute values are made XML-safe (lxml refuses control characters)."""
    clean = {k: _clean(v) for k, v in attrs.items()}
    return etree.Element(tag, clean) if parent is None else etree.SubElement(parent, tag, clean)


def _step(test_id: str) -> str:
    return test_id.split("/", 1)[1] if "/" in test_id else test_id


def _seconds(ms: float) -> str:
    return f"{ms / 1000:.3f}"


def _short(text: str) -> str:
    text = _clean(" ".join(text.split()))
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def _clean(text: str) -> str:
    """XML 1.0 cannot carry most control characters, even escaped: replace them."""
    return "".join(c if c in "\t\n\r" or (c >= " " and c not in "\ufffe\uffff" and not "\ud800" <= c <= "\udfff")
                   else "\ufffd" for c in text)
