"""Located problems in a profile's or a scenario's files, and the error that carries them.

A broken profile is the user's mistake, never ours: every problem is reported at once, each as
`file:line:column: message`, so one run of the tool shows everything to fix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from conformance.errors import ConformanceError


@dataclass(frozen=True, slots=True)
class LocatedError:
    """One problem in a user's file; line and column are 1-based (0 when unknown)."""

    path: str
    message: str
    line: int = 0
    column: int = 0
    where: str = ""  # the place inside the document, e.g. `steps[2].request.path`

    def __str__(self) -> str:
        position = self.path
        if self.line:
            position += f":{self.line}"
            if self.column:
                position += f":{self.column}"
        where = f" (at {self.where})" if self.where else ""
        return f"{position}: {self.message}{where}"

    def to_json(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "column": self.column, "where": self.where,
                "message": self.message}


class ProfileError(ConformanceError):
    """A profile, a scenario, a requirements file or the inputs of a run are not usable."""

    def __init__(self, errors: Iterable[LocatedError], summary: str = "") -> None:
        self.errors = sorted(errors, key=lambda e: (e.path, e.line, e.column, e.message))
        self.summary = summary or f"{len(self.errors)} problem(s) found"
        super().__init__(self.summary + "".join(f"\n  {e}" for e in self.errors))

    def lines(self) -> list[str]:
        """The summary, then every located problem (one a line)."""
        return [self.summary, *(str(e) for e in self.errors)]
