"""The issue-code catalogue is the documented contract: every code documented, docs in sync."""

from __future__ import annotations

import re
from pathlib import Path

from conformance.issues import CATALOGUE, catalogue_markdown

REPO = Path(__file__).resolve().parent.parent
CODE_RE = re.compile(r'make_issue\(\s*"([a-z0-9.\-]+)"')


def test_every_code_has_documentation_and_a_dotted_name() -> None:
    for code, kind in CATALOGUE.items():
        assert re.fullmatch(r"[a-z0-9]+(\.[a-z0-9\-]+)+", code), code
        assert kind.doc.strip().endswith("."), f"{code}: its doc should be a full sentence"


def test_every_code_used_in_the_source_is_catalogued() -> None:
    used = set()
    for path in (REPO / "conformance").rglob("*.py"):
        used |= set(CODE_RE.findall(path.read_text(encoding="utf-8")))
    assert used, "the scan found no make_issue calls; the pattern is wrong"
    assert sorted(used - set(CATALOGUE)) == []


def test_docs_issue_codes_is_generated_from_the_catalogue() -> None:
    doc = (REPO / "docs" / "issue-codes.md").read_text(encoding="utf-8")
    assert doc == catalogue_markdown(), "regenerate: python -m conformance.issues > docs/issue-codes.md"
