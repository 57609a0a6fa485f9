"""Corrections of published R4 invariant expressions: each still matches what R4 publishes, so it applies."""

from __future__ import annotations

import json

import pytest

from conformance.validation.invariants import CORRECTED_EXPRESSIONS, DOM_3, DOM_3_REFERENCE_EXPRESSION
from tests.conftest import core_package_dir

pytestmark = pytest.mark.core


def _published_expressions() -> dict[str, str]:
    """Every constraint expression of R4's StructureDefinitions, by key."""
    found: dict[str, str] = {}
    folder = core_package_dir()
    assert folder is not None
    if (folder / "package").is_dir():
        folder = folder / "package"
    for path in sorted(folder.glob("StructureDefinition-*.json")):
        for element in json.loads(path.read_text(encoding="utf-8")).get("snapshot", {}).get("element", ()):
            for c in element.get("constraint", ()):
                if "expression" in c:
                    found.setdefault(c["key"], c["expression"])
    return found


def test_every_corrected_expression_is_one_r4_publishes() -> None:
    published = set(_published_expressions().values())
    assert [e for e in CORRECTED_EXPRESSIONS if e not in published] == []


def test_dom_3_is_corrected_to_count_the_narratives_fragment_links() -> None:
    """dom-3's references are gathered once per resource (%dom3References, published union plus the narrative's
    fragment links), not once per contained resource; everything else is the published expression."""
    assert _published_expressions()["dom-3"] == DOM_3
    corrected = CORRECTED_EXPRESSIONS[DOM_3]
    assert "%dom3References" in corrected and "%resource" not in corrected
    assert "%narrativeLinks" in DOM_3_REFERENCE_EXPRESSION
    for part in ("reference", "as(canonical)", "as(uri)", "as(url)"):
        assert f"%resource.descendants().{part}" in DOM_3 and f"%resource.descendants().{part}" in DOM_3_REFERENCE_EXPRESSION
    assert corrected.replace("%dom3References", "") == DOM_3.replace(
        "(%resource.descendants().reference | %resource.descendants().as(canonical) | "
        "%resource.descendants().as(uri) | %resource.descendants().as(url))", "")
