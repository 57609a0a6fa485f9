"""The results JSON document both ways: a `RunResult` to the versioned document, and back.

The document is what `RunResult.to_json()` gives plus `schemaVersion`; its JSON Schema ships in
`conformance/reports/schema/results.schema.json`. Reading it back (`run_result_from_json`) is what
lets `conformance report render` re-render every format from an evidence pack alone:
`run_result_from_json(doc).to_json()` gives the same document again.
"""

from __future__ import annotations

import io
import json
from functools import cache
from pathlib import Path
from typing import Any, TextIO

from conformance.reports.stream_json import write_json
from conformance.results import (
    Acceptance,
    Attestation,
    BaselineSummary,
    Finding,
    GroupResult,
    Outcome,
    Requirement,
    RequirementResult,
    RequirementStatus,
    RunResult,
    TestResult,
    roll_up,
)

SCHEMA_VERSION = "1.0"
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "results.schema.json"
SCHEMA_ID = "urn:conformance:schema:results:1"


class ResultsDocumentError(ValueError):
    """A results document that is not one this version can read (says where)."""


def to_document(result: RunResult, stream: bool = False) -> dict[str, Any]:
    """The versioned results document (`schemaVersion` first); with `stream`, findings as lazy arrays."""
    return {"schemaVersion": SCHEMA_VERSION, **result.to_json(stream)}


def write(result: RunResult, handle: TextIO) -> None:
    """The document into `handle`, findings streamed one at a time (memory does not grow with them)."""
    write_json(handle, to_document(result, stream=True))
    handle.write("\n")


def render(result: RunResult) -> str:
    out = io.StringIO()
    write(result, out)
    return out.getvalue()


@cache
def schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return data


def schema_errors(document: Any) -> list[str]:
    """Every way `document` breaks the results schema, as `path: message` lines (empty when valid)."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}" for e in errors]


def run_result_from_json(data: dict[str, Any]) -> RunResult:
    """A RunResult from a results document (its verdict is decided again from the same facts).

    Raises ResultsDocumentError naming the first problem when the document does not match the schema.
    """
    problems = schema_errors(data)
    if problems:
        raise ResultsDocumentError("not a results document this version can read: " + problems[0])
    profile = data["profile"]
    fields: dict[str, Any] = {
        "profile_id": profile["id"], "profile_version": profile["version"], "profile_title": profile["title"],
        "target": data["target"], "started": data["started"], "finished": data["finished"],
        "groups": [_group(g) for g in data["groups"]],
        "requirements": [_requirement(r) for r in data["requirements"]],
        "packages": list(data["packages"]), "tool_version": data["tool"]["version"],
        "incomplete": data["incomplete"], "command": list(data["command"]), "inputs": dict(data["inputs"]),
        "environment": data.get("environment", ""), "partial": data.get("partial", ""),
        "interrupted": data.get("interrupted", ""), "unreachable": data.get("unreachable", ""),
        "hint": data.get("hint", ""), "require_all": bool(data.get("requireAll", False)), "attestations": data.get("attestations", ""),
    }
    if "baseline" in data:
        fields["baseline"] = BaselineSummary.from_json(data["baseline"])
    return RunResult(**fields)


def _acceptance(data: dict[str, Any]) -> Acceptance | None:
    return Acceptance.from_json(data["accepted"]) if "accepted" in data else None


def _finding(data: dict[str, Any]) -> Finding:
    return Finding(data["check"], Outcome(data["outcome"]), data["message"], data["severity"], data.get("code"),
                   data.get("location"), data.get("path"), data.get("line"), data.get("column"), _acceptance(data))


def _test(data: dict[str, Any]) -> TestResult:
    return TestResult(data["id"], data["title"], Outcome(data["outcome"]), tuple(data["requirements"]),
                      [_finding(f) for f in data["findings"]], data["message"], float(data["durationMs"]),
                      list(data["exchanges"]), _acceptance(data), data.get("reproduce", ""))


def _group(data: dict[str, Any]) -> GroupResult:
    tests = [_test(t) for t in data["tests"]]
    on_tests = {r for t in tests for r in t.requirements}
    own = tuple(r for r in data["requirements"] if r not in on_tests)
    outcome = Outcome(data["outcome"])
    override = None if tests and roll_up(t.outcome for t in tests) is outcome else outcome
    return GroupResult(data["id"], data["title"], data["kind"], tests, own, data["message"], override)


def _requirement(data: dict[str, Any]) -> RequirementResult:
    requirement = Requirement(data["id"], data["level"], data["description"], use_case=data.get("useCase", ""),
                              source=data.get("source", ""), verification=data.get("verification", "automated"))
    attestation = Attestation.from_json(data["id"], data["attestation"]) if "attestation" in data else None
    return RequirementResult(requirement, RequirementStatus(data["status"]), list(data["evidence"]),
                             data["message"], _acceptance(data), attestation)
