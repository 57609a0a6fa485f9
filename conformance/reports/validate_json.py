"""`validate --format json`: the contract other tools parse (see the brief and README)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from conformance import __version__
from conformance.files.validate import FileResult
from conformance.reports.validation_summary import ValidationSummary


def render(results: Sequence[FileResult], packages: Sequence[str]) -> str:
    document: dict[str, Any] = {
        "tool": {"name": "conformance", "version": __version__},
        "packages": list(packages),
        "files": [
            {
                "path": r.path,
                "resourceType": r.resource_type,
                "valid": r.valid,
                "issues": [i.to_json() for i in r.issues],
            }
            for r in results
        ],
        "summary": ValidationSummary.of(results).to_json(),
    }
    return json.dumps(document, indent=2, ensure_ascii=False)
