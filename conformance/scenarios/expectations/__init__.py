"""The expectation types a scenario step may state under `expect`, one module each, in one registry.

`REGISTRY` maps the YAML key to its type; the order is the order in which a step's expectations are
checked. The scenario JSON Schema's `$defs.expect` and `docs/scenario-expectations.md` are generated
from it (`python -m conformance.scenarios.expectations`), and a test fails when either drifts.

To add a type: a module here with an `ExpectationType` subclass (name, schema, issue code, a
docstring that is its documentation, `parse`, `check`), its issue code in `conformance/issues.py`,
an entry in `REGISTRY`, then regenerate.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from conformance.results import Finding
from conformance.scenarios.expectations.base import CheckContext, ExpectationType, ParseContext
from conformance.scenarios.expectations.bundle import Bundle
from conformance.scenarios.expectations.conforms_to import ConformsTo
from conformance.scenarios.expectations.content_type import ContentType
from conformance.scenarios.expectations.error_coding import ErrorCodingType
from conformance.scenarios.expectations.etag import Etag
from conformance.scenarios.expectations.fhirpath import FhirPath
from conformance.scenarios.expectations.header_format import HeaderFormat
from conformance.scenarios.expectations.headers import Headers
from conformance.scenarios.expectations.max_time_ms import MaxTime
from conformance.scenarios.expectations.operation_outcome import OperationOutcomeCode
from conformance.scenarios.expectations.resource_type import ResourceType
from conformance.scenarios.expectations.status import Status
from conformance.scenarios.model import Expectations
from conformance.scenarios.view import ResponseView
from conformance.validation import Validator

__all__ = ["REGISTRY", "CheckContext", "ExpectationType", "ParseContext", "check_all", "docs_markdown",
           "expect_schema", "template_texts"]

REGISTRY: dict[str, ExpectationType[Any]] = {t.name: t for t in (
    Status(), Headers(), HeaderFormat(), ContentType(), ResourceType(), Etag(), ConformsTo(), FhirPath(), Bundle(),
    OperationOutcomeCode(), ErrorCodingType(), MaxTime(),
)}

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "profiles" / "schema" / "scenario.schema.json"


def parse_all(raw: Mapping[str, Any], ctx_for: Any) -> Expectations:
    """A step's `expect` mapping as typed parameters, in registry order; `ctx_for(name)` lends a ParseContext."""
    return Expectations(tuple((name, t.parse(raw[name], ctx_for(name))) for name, t in REGISTRY.items()
                              if name in raw))


def check_all(expect: Expectations, view: ResponseView, values: Mapping[str, str],
              validator: Validator) -> list[Finding]:
    """Every expectation of a step against its response, in registry order."""
    ctx = CheckContext(view, values, validator)
    return [f for name, params in expect.items for f in REGISTRY[name].check(params, ctx)]


def template_texts(expect: Expectations) -> list[str]:
    """Texts in a step's expectations that may name `${variables}`."""
    return [t for name, params in expect.items for t in REGISTRY[name].templates(params)]


def expect_schema() -> dict[str, Any]:
    """`$defs.expect` of the scenario JSON Schema: one property per registered type."""
    properties = {}
    for name, t in REGISTRY.items():
        properties[name] = {"description": _doc(t), **t.schema}
    return {"type": "object", "additionalProperties": False, "properties": properties}


def docs_markdown() -> str:
    """`docs/scenario-expectations.md`: every type, its documentation, parameters and issue code."""
    lines = ["# Scenario expectations", "",
             "What a scenario step may expect of its response (`expect:` in a scenario file). Generated from",
             "`conformance/scenarios/expectations/` by `python -m conformance.scenarios.expectations`; do not edit.",
             "A step's expectations are checked in the order of this page.", ""]
    for name, t in REGISTRY.items():
        lines += [f"## `{name}`", "", _doc(t), "", f"Issue code of a failing finding: `{t.code}`.", "",
                  "Parameters (JSON Schema):", "", "```json", json.dumps(t.schema, indent=2), "```", ""]
    return "\n".join(lines)


def write_generated(repo: Path) -> None:
    """Rewrite the scenario schema's `$defs.expect` and the docs page from the registry."""
    text = SCHEMA_FILE.read_text(encoding="utf-8")
    start = text.rindex('"expect":')  # $defs.expect is the schema's last definition
    end = _end_of_object(text, text.index("{", start))
    indent = start - text.rindex("\n", 0, start) - 1
    generated = json.dumps(expect_schema(), indent=2, ensure_ascii=False).replace("\n", "\n" + " " * indent)
    SCHEMA_FILE.write_text(text[:start] + '"expect": ' + generated + text[end:], encoding="utf-8")
    (repo / "docs" / "scenario-expectations.md").write_text(docs_markdown(), encoding="utf-8")


def _end_of_object(text: str, opening: int) -> int:
    """The index just after the JSON object that starts at `opening` (strings may hold braces)."""
    depth, in_string, escaped = 0, False, False
    for i in range(opening, len(text)):
        c = text[i]
        if in_string:
            escaped, in_string = (not escaped and c == "\\"), in_string and (escaped or c != '"')
        elif c == '"':
            in_string = True
        elif c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
            if depth == 0:
                return i + 1
    raise ValueError("unbalanced JSON")


def _doc(t: ExpectationType[Any]) -> str:
    return " ".join(line.strip() for line in (type(t).__doc__ or "").strip().splitlines())

