"""`python -m conformance.profiles.filerules`: regenerate the schema's rule definitions and docs/file-rules.md."""

from __future__ import annotations

import json
from pathlib import Path

from conformance.profiles.filerules.generate import markdown, with_rule_definitions

PACKAGE = Path(__file__).resolve().parents[1]
SCHEMA = PACKAGE / "schema" / "profile.schema.json"
DOCS = PACKAGE.parents[1] / "docs" / "file-rules.md"

if __name__ == "__main__":
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    SCHEMA.write_text(json.dumps(with_rule_definitions(schema), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    DOCS.write_text(markdown(), encoding="utf-8")
    print(f"wrote {SCHEMA} and {DOCS}")
