"""FHIR R4 TestReport: one per scenario or file check, in a collection Bundle.

For FHIR-native test management: each group is a TestReport, each test (step or file check) a
`TestReport.test` whose actions are the HTTP operations it made (`operation`) and the checks it
ran (`assert`, with the location in `detail`). Requirement ids are named in each test's
description. The output validates with this tool's own validator against base R4.

Mapping: group pass -> result `pass`; fail or error -> `fail`; skipped -> `pending` (the value set
has nothing nearer). A test's checks keep their own result: pass, fail, warning (a failing check of
warning severity), skip, error. A failure accepted by a baseline stays `fail`, and its message says
it is accepted and until when. The group an interrupted run stopped in has status `stopped`.
"""

from __future__ import annotations

import re
import uuid
from html import escape
from itertools import chain
from typing import Any, TextIO

from conformance.reports.junit import exchange_line
from conformance.reports.stream_json import dumps, write_json
from conformance.results import Finding, GroupResult, LazyArray, Outcome, RunResult, TestResult, acceptance_of

FILE_NAME = "testreport.json"
_NAMESPACE = uuid.UUID("7d1f0a4e-5b1c-4f3e-9a55-6c0d8f1e2b3a")  # fixed, so fullUrls repeat across renders
_URL = re.compile(r"https?://\S+?(?=\)|$|\s)")
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9\-.]")
_GROUP_RESULT = {Outcome.PASS: "pass", Outcome.FAIL: "fail", Outcome.ERROR: "fail", Outcome.SKIP: "pending"}


def render(result: RunResult) -> str:
    return dumps(bundle(result)) + "\n"


def write(result: RunResult, handle: TextIO) -> None:
    """The Bundle into `handle`, each test's asserts streamed (a file check can have millions)."""
    write_json(handle, bundle(result))
    handle.write("\n")


def bundle(result: RunResult) -> dict[str, Any]:
    entries = []
    used: set[str] = set()
    for index, group in enumerate(result.groups):
        report = test_report(result, group, stopped=result.incomplete and index == len(result.groups) - 1)
        report["id"] = _unique(report["id"], used)
        seed = "|".join((result.profile_id, result.started, report["id"]))
        full_url = f"urn:uuid:{uuid.uuid5(_NAMESPACE, seed)}"
        entries.append({"fullUrl": full_url, "resource": report})
    data: dict[str, Any] = {"resourceType": "Bundle", "type": "collection"}
    if result.finished:
        data["timestamp"] = result.finished
    if entries:
        data["entry"] = entries
    return data


def test_report(result: RunResult, group: GroupResult, *, stopped: bool = False) -> dict[str, Any]:
    report: dict[str, Any] = {
        "resourceType": "TestReport",
        "id": _ID_UNSAFE.sub("-", group.id)[:64] or "group",
        "text": _narrative(group),
        "identifier": {"system": "urn:conformance:group", "value": f"{result.profile_id}/{group.id}"},
        "name": group.title or group.id,
        "status": "stopped" if stopped else "completed",
        "testScript": {
            "identifier": {"system": "urn:conformance:profile", "value": f"{result.profile_id}#{result.profile_version}"},
            "display": f"{result.profile_title} ({result.profile_id} {result.profile_version}), {group.kind} {group.id}",
        },
        "result": _GROUP_RESULT[group.outcome],
    }
    score = _score(group)
    if score is not None:
        report["score"] = score
    report["tester"] = f"conformance {result.tool_version}".strip()
    if result.finished:
        report["issued"] = result.finished
    report["participant"] = _participants(result, group)
    tests = [_test(t) for t in group.tests]
    if not tests:  # the whole group was skipped or errored before any test ran
        tests = [{"name": group.id, "description": group.message or group.title,
                  "action": [{"assert": {"result": "error" if group.outcome is Outcome.ERROR else "skip",
                                         "message": group.message or "not run"}}]}]
    report["test"] = tests
    return report


def _narrative(group: GroupResult) -> dict[str, Any]:
    """A one-line human summary (dom-6: a resource should have narrative)."""
    counts: dict[str, int] = {}
    for t in group.tests:
        counts[t.outcome.value] = counts.get(t.outcome.value, 0) + 1
    tally = ", ".join(f"{n} {o}" for o, n in counts.items()) or group.message or "no tests ran"
    div = (f'<div xmlns="http://www.w3.org/1999/xhtml"><p><b>{escape(group.title or group.id)}</b>: '
           f"{escape(group.outcome.value)} ({escape(tally)})</p></div>")
    return {"status": "generated", "div": div}


def _participants(result: RunResult, group: GroupResult) -> list[dict[str, Any]]:
    people = [{"type": "test-engine", "uri": f"urn:conformance:tool:{result.tool_version or 'unknown'}",
               "display": f"conformance {result.tool_version}".strip()}]
    match = _URL.search(result.target)
    if group.kind == "scenario" and match:
        people.append({"type": "server", "uri": match.group(0), "display": result.target})
    return people


def _test(test: TestResult) -> dict[str, Any]:
    description = test.title
    if test.requirements:
        description += " (requirements: " + ", ".join(test.requirements) + ")"
    if test.message and test.outcome is not Outcome.PASS:
        description += f". {test.outcome.value}: {test.message}"
    accepted = acceptance_of(test)
    if accepted is not None:
        description += (f". Accepted by baseline entry {accepted.entry} until {accepted.expires}: "
                        f"{accepted.justification}")
    actions: list[dict[str, Any]] = []
    for exchange in test.exchanges:
        actions.append({"operation": {"result": "pass" if "response" in exchange else "error",
                                      "message": exchange_line(exchange)}})
    last: list[dict[str, Any]] = []
    if test.outcome in (Outcome.SKIP, Outcome.ERROR) or not (actions or test.findings):
        result = {Outcome.SKIP: "skip", Outcome.ERROR: "error", Outcome.PASS: "pass", Outcome.FAIL: "fail"}[test.outcome]
        last.append({"assert": {"result": result, "message": test.message or test.outcome.value}})
    asserts = ({"assert": _assert(f)} for f in test.findings)
    return {"name": test.id, "description": description, "action": LazyArray(chain(actions, asserts, last))}


def _assert(f: Finding) -> dict[str, Any]:
    if f.outcome is Outcome.FAIL:
        result = "warning" if f.severity != "error" else "fail"
    else:
        result = {Outcome.PASS: "pass", Outcome.SKIP: "skip", Outcome.ERROR: "error"}[f.outcome]
    message = f.check + (f": {f.message}" if f.message else "")
    if f.code:
        message = f"[{f.code}] {message}"
    accepted = acceptance_of(f)
    if accepted is not None:
        message += f" (accepted by baseline entry {accepted.entry} until {accepted.expires})"
    data: dict[str, Any] = {"result": result, "message": message}
    where = _where(f)
    if where:
        data["detail"] = where
    return data


def _where(f: Finding) -> str:
    spot = f.path or ""
    if f.line:
        spot += (":" if spot else "line ") + str(f.line) + (f":{f.column}" if f.column else "")
    if f.location:
        spot = f"{spot} ({f.location})" if spot else f.location
    return spot


def _score(group: GroupResult) -> float | None:
    judged = [t for t in group.tests if t.outcome is not Outcome.SKIP]
    if not judged:
        return None
    return round(100 * sum(1 for t in judged if t.outcome is Outcome.PASS) / len(judged), 1)


def _unique(wanted: str, used: set[str]) -> str:
    candidate, n = wanted, 2
    while candidate in used:
        suffix = f"-{n}"
        candidate, n = wanted[: 64 - len(suffix)] + suffix, n + 1
    used.add(candidate)
    return candidate
