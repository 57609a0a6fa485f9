"""What a reader returns: one parsed resource (or none) and the issues met while reading it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from conformance.fhir.tree import Node
from conformance.issues import Issue

if TYPE_CHECKING:
    from conformance.fhir.json_reader import JsonDocument

Format = Literal["json", "xml", "ndjson"]


@dataclass(slots=True)
class ParseResult:
    """One resource read from a document, or the reason none could be.

    `root` is None when a fatal issue stopped the reader. For NDJSON, each line is its own
    ParseResult whose positions already carry the line's number in the file. `document` is set when
    the JSON was an object without `resourceType`: not a resource, but perhaps another JSON document
    that carries FHIR resources (see `JsonDocument`).
    """

    root: Node | None
    issues: list[Issue] = field(default_factory=list)
    format: Format = "json"
    document: JsonDocument | None = None

    @property
    def fatal(self) -> bool:
        return self.root is None

    def done(self) -> None:
        """The caller is done with the resource: its tree is unlinked (`Node.release`) and dropped, so it is freed
        now, although the readers' generators hold this result until they read the next one. Freed later, a big
        tree (a 10,000-entry Bundle) would still be alive when the paused garbage collector resumes, which then
        traverses all of it once (a third of a second at 10,000 entries)."""
        if self.root is not None:
            self.root.release()
            self.root = None
