"""Cross-file findings come out one at a time, as the index answers: never held together, so memory does not
grow with how many there are (a million-resource export has hundreds of thousands of unresolved subjects)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.files.crossfile import MergedExport, cross_file_findings
from conformance.files.sources import ExportFile, Location
from conformance.profiles.filerules.subject_exists import Params as SubjectExists
from conformance.profiles.model import FileRule


class CountingIndex:
    """Stands in for the export index: answers `unresolved` with as many rows as asked, counting those read."""

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.read = 0

    def unresolved(self, **_: Any) -> Iterator[tuple[str, int, int, str, str]]:
        for n in range(self.rows):
            self.read += 1
            yield ("Patient/missing", 0, n + 1, "Observation.subject", "subject")


def test_cross_file_findings_are_made_as_they_are_read() -> None:
    index = CountingIndex(100_000)
    export = MergedExport([ExportFile("Observation.ndjson", "Observation.ndjson", Location("Observation.ndjson"), 1)],
                          ["Observation.ndjson"], index)  # type: ignore[arg-type]
    rule = FileRule("FC-SUBJECT", "subject-exists", "subjects exist", SubjectExists(elements=("subject",)))
    found = cross_file_findings(rule, 0, export)
    first = next(found)
    assert (first.code, first.path, first.line) == ("export.subject-missing", "Observation.ndjson", 1)
    assert index.read == 1  # the other 99,999 rows are still in the index, not in memory
    assert sum(1 for _ in found) == 99_999
