"""What a reader returns: one parsed resource (or none) and the issues met while reading it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from conformance.fhir.tree import Node
from conformance.issues import Issue

Format = Literal["json", "xml", "ndjson"]


@dataclass(slots=True)
class ParseResult:
    """One resource read from a document, or the reason none could be.

    `root` is None when a fatal issue stopped the reader. For NDJSON, each line is its own
    ParseResult whose positions already carry the line's number in the file.
    """

    root: Node | None
    issues: list[Issue] = field(default_factory=list)
    format: Format = "json"

    @property
    def fatal(self) -> bool:
        return self.root is None
