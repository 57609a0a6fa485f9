"""SARIF 2.1.0 for file findings, for code scanning (GitHub, GitLab, Azure DevOps, IDE viewers).

One result per failing finding that has a file (`Finding.path`), located by line and column, with
the FHIRPath location as a logical location. Rules are our stable issue codes with their
catalogue documentation; a file-check finding without a code uses the requirement it evidences
as its rule. A finding accepted by a baseline carries an external, accepted `suppression` with
the justification, which code-scanning tools show as dismissed rather than dropping it. Scenario
(HTTP) findings have no file, so they are not SARIF results; a run with none gives an empty,
valid log.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any, TextIO
from urllib.parse import quote

from conformance.issues import CATALOGUE
from conformance.reports.stream_json import dumps, write_json
from conformance.results import Finding, GroupResult, LazyArray, Outcome, RunResult, TestResult, acceptance_of

FILE_NAME = "results.sarif"
SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"fatal": "error", "error": "error", "warning": "warning", "information": "note"}


def render(result: RunResult) -> str:
    return dumps(log(result, stream=True)) + "\n"


def write(result: RunResult, handle: TextIO) -> None:
    """The log into `handle`, results streamed (the findings are read twice: rules first, then results)."""
    write_json(handle, log(result, stream=True))
    handle.write("\n")


def log(result: RunResult, stream: bool = False) -> dict[str, Any]:
    """The SARIF log; with `stream`, its results as a `LazyArray` made while it is written."""
    rules: dict[str, dict[str, Any]] = {}
    descriptions = {r.requirement.id: r.requirement.description for r in result.requirements}
    for group, test, finding in _file_findings(result):  # the rules first: they come before the results
        rule_id = _rule_id(finding, test, group.id)
        if rule_id not in rules:
            rules[rule_id] = _rule(rule_id, finding, descriptions)
    index = {rule_id: n for n, rule_id in enumerate(rules)}
    made = (_result(f, test, _rule_id(f, test, group.id), index[_rule_id(f, test, group.id)])
            for group, test, f in _file_findings(result))
    results = LazyArray(made) if stream else list(made)
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "conformance", "fullName": f"conformance {result.tool_version}".strip(),
                            "version": result.tool_version or "unknown", "rules": list(rules.values())}},
        "invocations": [_invocation(result)],
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {"profile": f"{result.profile_id}#{result.profile_version}", "target": result.target,
                       "packages": list(result.packages), "incomplete": result.incomplete},
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _file_findings(result: RunResult) -> Iterator[tuple[GroupResult, TestResult, Finding]]:
    for group in result.groups:
        for test in group.tests:
            for finding in test.findings:
                if finding.outcome is Outcome.FAIL and finding.path:
                    yield group, test, finding


def _rule_id(finding: Finding, test: TestResult, group_id: str) -> str:
    if finding.code:
        return finding.code
    return test.requirements[0] if test.requirements else group_id


def _rule(rule_id: str, finding: Finding, descriptions: dict[str, str]) -> dict[str, Any]:
    kind = CATALOGUE.get(rule_id)
    if kind is not None:
        doc = kind.doc
        rule: dict[str, Any] = {
            "id": rule_id,
            "shortDescription": {"text": _first_sentence(doc)},
            "fullDescription": {"text": doc},
            "help": {"text": f"{doc} (issue code {rule_id}; see docs/issue-codes.md)"},
            "defaultConfiguration": {"level": _LEVEL.get(kind.severity.value, "warning")},
            "properties": {"tags": ["fhir", rule_id.split(".")[0]]},
        }
        return rule
    text = descriptions.get(rule_id) or finding.check
    return {"id": rule_id, "shortDescription": {"text": _first_sentence(text)}, "fullDescription": {"text": text},
            "defaultConfiguration": {"level": "error"}, "properties": {"tags": ["requirement"]}}


def _result(finding: Finding, test: TestResult, rule_id: str, rule_index: int) -> dict[str, Any]:
    region: dict[str, Any] = {}
    if finding.line:
        region["startLine"] = finding.line
        if finding.column:
            region["startColumn"] = finding.column
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(finding.path or "")}}
    if region:
        physical["region"] = region
    location: dict[str, Any] = {"physicalLocation": physical}
    if finding.location:
        location["logicalLocations"] = [{"fullyQualifiedName": finding.location, "kind": "element"}]
    message = finding.message or finding.check
    data: dict[str, Any] = {
        "ruleId": rule_id,
        "ruleIndex": rule_index,
        "level": _LEVEL.get(finding.severity, "warning"),
        "message": {"text": message},
        "locations": [location],
        "properties": {"check": finding.check, "test": test.id, "requirements": list(test.requirements)},
    }
    accepted = acceptance_of(finding)
    if accepted is not None:
        data["suppressions"] = [{"kind": "external", "status": "accepted",
                                 "justification": f"{accepted.justification} (baseline entry {accepted.entry}, "
                                                  f"expires {accepted.expires})"}]
    return data


def _invocation(result: RunResult) -> dict[str, Any]:
    errors = [t for g in result.groups for t in g.tests if t.outcome is Outcome.ERROR]
    data: dict[str, Any] = {"executionSuccessful": not result.incomplete and not errors,
                            "exitCode": result.exit_code()}
    if result.command:
        data["commandLine"] = shlex.join(result.command)
    if result.started:
        data["startTimeUtc"] = result.started
    if result.finished:
        data["endTimeUtc"] = result.finished
    notes = [{"level": "error", "message": {"text": f"{t.id}: {t.message or 'could not run'}"}} for t in errors]
    if result.incomplete:
        notes.append({"level": "error", "message": {"text": "the run was interrupted: these results cover what ran"}})
    if notes:
        data["toolExecutionNotifications"] = notes
    return data


def artifact_uri(path: str) -> str:
    """A relative path stays relative (code scanning resolves it against the repository); an
    absolute one becomes a file: URI. Spaces and other unsafe characters are percent-encoded."""
    if PureWindowsPath(path).drive:
        return PureWindowsPath(path).as_uri()
    posix = PurePosixPath(path.replace("\\", "/"))
    if posix.is_absolute():
        return posix.as_uri()
    return quote(str(posix), safe="/")


def _first_sentence(text: str) -> str:
    head, dot, _ = text.partition(". ")
    return head + ("." if dot else "")
