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
from conformance.issues import Severity
from conformance.reports.stream_json import dumps_indented
from conformance.reports.stream_json import json_string as _string
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
        stream.write(("," if files else "") + _ITEM + _entry_text(r))
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


# An issue as `dumps_indented(_entry(r), depth=4)` writes it inside "issues" (items 8 spaces in, keys 10): filled
# in one formatting operation instead of walked as a dict (a run with a finding on every resource writes as many
# issues as resources, and the walk was most of the time spent writing them)
_ISSUE = ("{\n" + " " * 10 + '"severity": %s,\n' + " " * 10 + '"code": %s,\n' + " " * 10 + '"message": %s,\n'
          + " " * 10 + '"location": %s,\n' + " " * 10 + '"line": %s,\n' + " " * 10 + '"column": %s\n' + " " * 8 + "}")
_ISSUE_SEPARATOR = ",\n" + " " * 8
_SEVERITY = {severity: _string(severity.value) for severity in Severity}  # (an enum's `.value` is slow to read)


def _entry_text(r: FileResult) -> str:
    """`dumps_indented(_entry(r), depth=4)`, byte for byte."""
    issues = r.issues
    if not issues or not all(type(i.line) is int and type(i.column) is int and isinstance(i.message, str)
                             and isinstance(i.location, str) for i in issues):
        return dumps_indented(_entry(r), depth=4)  # (no issues, or a value the template does not expect)
    head = dumps_indented({"path": r.path, "resourceType": r.resource_type, "valid": r.valid}, depth=4)
    text, severity = _string, _SEVERITY
    body = _ISSUE_SEPARATOR.join([_ISSUE % (severity[i.severity], text(i.code), text(i.message), text(i.location),
                                            int.__repr__(i.line), int.__repr__(i.column)) for i in issues])
    return head[:-6] + ',\n      "issues": [\n        ' + body + "\n      ]\n    }"
