"""`validate --format json`: the contract other tools parse (see the brief and README).

`write` streams the document to a text stream file by file — each file's entry is serialised on its
own and written at once — so the output is never held whole in memory and Rich's console (which
inspects every line it prints) is not in the way. `render` returns the same text as one string;
the two are byte-identical (`json.dumps(document, indent=2)`; a test keeps it so).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from conformance import __version__
from conformance.files.validate import FileResult
from conformance.reports.stream_json import dumps_indented
from conformance.reports.validation_summary import ValidationSummary

_ITEM = "\n    "  # a member of "files" is at depth 2 of an indent-2 document


def render(results: Sequence[FileResult], packages: Sequence[str]) -> str:
    out = io.StringIO()
    write(results, packages, out)
    return out.getvalue()


def write(results: Iterable[FileResult], packages: Sequence[str], stream: TextIO) -> None:
    head = json.dumps({"tool": {"name": "conformance", "version": __version__}, "packages": list(packages)},
                      indent=2, ensure_ascii=False)
    stream.write(head[:-2] + ',\n  "files": [')
    files = valid = errors = warnings = 0
    for r in results:
        stream.write(("," if files else "") + _ITEM + dumps_indented(_entry(r), depth=4))
        files += 1
        valid += r.valid
        errors += r.count("fatal", "error")
        warnings += r.count("warning")
    stream.write("\n  ]," if files else "],")
    summary = ValidationSummary(files, valid, errors, warnings).to_json()
    stream.write('\n  "summary": ' + json.dumps(summary, indent=2).replace("\n", "\n  ") + "\n}")


def _entry(r: FileResult) -> dict[str, Any]:
    return {"path": r.path, "resourceType": r.resource_type, "valid": r.valid,
            "issues": [i.to_json() for i in r.issues]}
