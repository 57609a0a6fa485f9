"""The expectation registry is the documented contract: schema and docs generated from it, every type documented."""

from __future__ import annotations

import json
from pathlib import Path

from conformance.issues import CATALOGUE
from conformance.scenarios.expectations import REGISTRY, SCHEMA_FILE, docs_markdown, expect_schema

REPO = Path(__file__).resolve().parents[2]


def test_the_scenario_schema_expect_is_generated_from_the_registry() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["$defs"]["expect"] == expect_schema(), "regenerate: python -m conformance.scenarios.expectations"


def test_the_docs_page_is_generated_from_the_registry() -> None:
    page = (REPO / "docs" / "scenario-expectations.md").read_text(encoding="utf-8")
    assert page == docs_markdown(), "regenerate: python -m conformance.scenarios.expectations"


def test_every_type_is_documented_and_has_a_catalogued_issue_code() -> None:
    for name, kind in REGISTRY.items():
        doc = (type(kind).__doc__ or "").strip()
        assert len(doc) > 40 and doc.endswith((".", "`")), f"{name}: its docstring is its documentation"
        assert kind.name == name and kind.code in CATALOGUE, name
        assert "expect." in kind.code
