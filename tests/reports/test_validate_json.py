"""`validate --format json` written as a stream: byte-identical to the whole document serialised at once."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from conformance import __version__
from conformance.files.validate import FileResult
from conformance.issues import Issue, Severity
from conformance.reports import validate_json


def _document(results: list[FileResult], packages: list[str]) -> str:
    """The document as `validate` wrote it before streaming: built whole, dumped once."""
    document: dict[str, Any] = {
        "tool": {"name": "conformance", "version": __version__},
        "packages": packages,
        "files": [{"path": r.path, "resourceType": r.resource_type, "valid": r.valid,
                   "issues": [i.to_json() for i in r.issues]} for r in results],
        "summary": {"files": len(results), "valid": sum(r.valid for r in results),
                    "errors": sum(r.count("fatal", "error") for r in results),
                    "warnings": sum(r.count("warning") for r in results)},
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


ERROR = Issue(Severity.ERROR, "binding.required", "‘x’ is not in the value set «gender»", "Patient.gender", 5, 3)
WARNING = Issue(Severity.WARNING, "invariant.failed", "dom-6: narrative\ttab \u001b[31m", "Patient", 1, 1)
FATAL = Issue(Severity.FATAL, "json.syntax", "Expecting value", "", 2, 0)

CASES = {
    "no files": ([], []),
    "one clean file": ([FileResult("a.json", "Patient", [], 1)], ["hl7.fhir.r4.core#4.0.1"]),
    "files with issues": ([FileResult("dir/ä b.json", "Patient", [ERROR, WARNING], 1),
                           FileResult("x.ndjson", None, [FATAL, WARNING], 3),
                           FileResult("ok.xml", "Observation", [], 1)],
                          ["hl7.fhir.r4.core#4.0.1", "fhir.r4.ukcore.stu2#2.0.0"]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_streamed_document_is_byte_identical_to_the_whole_one(name: str) -> None:
    results, packages = CASES[name]
    stream = io.StringIO()
    validate_json.write(iter(results), packages, stream)
    assert stream.getvalue() == _document(results, packages)
    assert validate_json.render(results, packages) == _document(results, packages)


def test_the_summary_counts_every_file_streamed() -> None:
    results, packages = CASES["files with issues"]
    doc = json.loads(validate_json.render(results, packages))
    assert doc["summary"] == {"files": 3, "valid": 1, "errors": 2, "warnings": 2}
