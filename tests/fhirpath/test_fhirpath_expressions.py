"""Data-driven expression cases (expressions.yaml) on the fixtures in fixtures/fhirpath/."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from fhirpath_suite import render

from conformance.fhir.json_reader import read_json
from conformance.fhir.tree import Node
from conformance.fhirpath import EvaluationContext, FhirPathError, compile, default_model
from conformance.fhirpath.context import Env

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "fhirpath"
CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "expressions.yaml").read_text(encoding="utf-8"))

pytestmark = pytest.mark.core


@cache
def fixture(name: str) -> Node:
    result = read_json((FIXTURES / name).read_bytes())
    assert result.root is not None and not result.issues, result.issues
    return result.root


def _context(options: dict[str, Any]) -> EvaluationContext:
    options = dict(options)
    if "now" in options:
        options["now"] = datetime.fromisoformat(options["now"])
    return EvaluationContext(model=default_model(), **options)


@pytest.mark.parametrize("case", CASES, ids=[f"{i:03d}:{c['expr'][:60]}" for i, c in enumerate(CASES)])
def test_expression(case: dict[str, Any]) -> None:
    focus = fixture(case["input"]) if "input" in case else None
    ctx = _context(case.get("options", {}))
    compiled = compile(case["expr"])
    if "error" in case:
        with pytest.raises(FhirPathError) as info:
            compiled.evaluate(focus, context=ctx)
        assert case["error"] in str(info.value)
        return
    result = compiled.evaluate(focus, context=ctx)
    env = Env(ctx, [focus] if focus is not None else [])
    rendered = []
    for item in result:
        kind, text = render(item, env)
        rendered.append(f"{kind}:{text}" if not isinstance(item, Node) or item.value is not None else f"{kind}:")
    assert rendered == case["expect"]
    if "locations" in case:
        assert [item.location for item in result] == case["locations"]
