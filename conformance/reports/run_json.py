"""`conformance run --format json`: the RunResult as one JSON document on standard output.

The `results.json` report file is written by `reports/writer.py` (atomically, from `results_io`).
"""

from __future__ import annotations

import json
from typing import TextIO

from conformance.results import RunResult


def render(result: RunResult) -> str:
    """The versioned results document (schema: conformance/reports/schema/results.schema.json)."""
    from conformance.reports import results_io

    return json.dumps(results_io.to_document(result), indent=2, ensure_ascii=False)


def stream(result: RunResult, handle: TextIO) -> None:
    """The document and a newline into `handle` (stdout), findings written one at a time."""
    from conformance.reports import results_io

    results_io.write(result, handle)
    handle.flush()

