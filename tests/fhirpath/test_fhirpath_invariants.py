"""R4 core invariants (pat-1, obs-6, obs-7, bdl-7, dom-3, txt-1, ele-1, ext-1) on instances
that break and satisfy them (invariants.yaml): the engine's verdicts and their locations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.fhir.json_reader import read_json
from conformance.fhirpath import EvaluationContext, FhirPathError, compile, default_model

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "invariants.yaml").read_text(encoding="utf-8"))

pytestmark = pytest.mark.core


def _expression(sd: str, path: str, key: str) -> str:
    definition = default_model().definition(sd)
    assert definition is not None, "hl7.fhir.r4.core#4.0.1 is not in the package cache"
    for element in definition["snapshot"]["element"]:
        if element["path"] == path:
            for c in element.get("constraint", []):
                if c["key"] == key:
                    return str(c["expression"])
    raise AssertionError(f"{key} not found on {sd} {path}")


@pytest.mark.parametrize("case", CASES, ids=[f"{c['key']}-{i}" for i, c in enumerate(CASES)])
def test_invariant(case: dict[str, Any]) -> None:
    expression = compile(_expression(case["sd"], case["path"], case["key"]))
    doc = read_json(json.dumps(case["resource"]))
    assert doc.root is not None and not doc.issues, doc.issues
    ctx = EvaluationContext(model=default_model(), enforce_as_singleton=False)
    foci = compile(case["focus"]).evaluate(doc.root, context=ctx)
    assert foci, "the focus expression selects nothing"
    failing = []
    for node in foci:
        result = expression.evaluate(node, context=ctx)
        assert result in ([True], [False]), (node.location, result)
        if result == [False]:
            failing.append(node.location)
    assert failing == case["fails"]


def test_dom_3_needs_as_to_filter_collections() -> None:
    """FHIRPath 2.0 makes as() on several items an error; R4's dom-3 relies on it filtering."""
    expression = compile(_expression("DomainResource", "DomainResource", "dom-3"))
    doc = read_json(json.dumps({"resourceType": "Patient", "contained": [{"resourceType": "Practitioner", "id": "p"}],
                                "generalPractitioner": [{"reference": "#p"}]}))
    assert doc.root is not None
    with pytest.raises(FhirPathError, match="'as canonical' expects a single item"):
        expression.evaluate(doc.root, context=EvaluationContext(model=default_model()))
    assert expression.evaluate(doc.root, context=EvaluationContext(model=default_model(),
                                                                    enforce_as_singleton=False)) == [True]
