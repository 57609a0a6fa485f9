"""`conformance run --format json` and `--report-dir`: the RunResult as one JSON document.

The file is written atomically (a temporary file in the same folder, then `os.replace`), so a
reader never sees half a report, and an interrupted run still leaves a whole one marked
`"incomplete": true`.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from conformance.results import RunResult

FILE_NAME = "results.json"


def render(result: RunResult) -> str:
    """The versioned results document (schema: conformance/reports/schema/results.schema.json)."""
    from conformance.reports import results_io

    return json.dumps(results_io.to_document(result), indent=2, ensure_ascii=False)


def write(result: RunResult, directory: Path) -> Path:
    """Write `results.json` into `directory` (created if needed); OSError when it cannot."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / FILE_NAME
    fd, temp = tempfile.mkstemp(prefix=".results-", suffix=".json", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(render(result) + "\n")
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target
