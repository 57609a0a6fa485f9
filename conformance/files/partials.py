"""What one partition sends back to be merged: findings, counts and a compact index.

The index is plain tuples of strings and integers — never resources or tree nodes — so a
partition's result stays small whatever its resources hold, pickles fast across processes and
cluster workers, and can be merged into the on-disk `ExportIndex`. Lines are local to the
partition (line 1 is its first line); the merge shifts them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.files.bounded import FoldMark
from conformance.results import Finding

EXPORT_FILES = "export-files"  # the implicit test that the export's files can be read and hold what they may

IdEntry = tuple[str, int]  # ("Patient/1", line)
# (target "Type/id" or None, the reference as written, line, location, subject element or "", general)
RefEntry = tuple[str | None, str, int, str, str, bool]
# (rule number, identifier value, owner "Type/id" (or fullUrl, or path:location), line, location)
IdentEntry = tuple[int, str, str, int, str]
OnceEntry = tuple[str, str, str, str]  # (rule id, code, severity, message): reported once per run


@dataclass(slots=True)
class PartitionIndex:
    ids: list[IdEntry] = field(default_factory=list)
    refs: list[RefEntry] = field(default_factory=list)
    idents: list[IdentEntry] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids) + len(self.refs) + len(self.idents)


@dataclass(slots=True)
class PartitionResult:
    seq: int
    lines: int = 0  # lines read (a slice's successor starts after them)
    resources: int = 0  # top-level resources read
    # rule id (or EXPORT_FILES) -> findings; past the run's limit per file and code, a worker sends one FoldMark
    findings: dict[str, list[Finding | FoldMark]] = field(default_factory=dict)
    once: set[OnceEntry] = field(default_factory=set)
    index: PartitionIndex = field(default_factory=PartitionIndex)
    counts: dict[str, int] = field(default_factory=dict)  # resource type -> resources (Bundle entries too)
    bundles: int = 0  # top-level Bundles
    seconds: dict[str, float] = field(default_factory=dict)  # rule id (or EXPORT_FILES) -> time spent on it

    def add(self, rule_id: str, finding: Finding) -> None:
        self.findings.setdefault(rule_id, []).append(finding)
