"""The numbers every `validate` output format reports, computed once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from conformance.files.validate import FileResult


@dataclass(frozen=True, slots=True)
class ValidationSummary:
    files: int
    valid: int
    errors: int
    warnings: int

    @classmethod
    def of(cls, results: Sequence[FileResult]) -> ValidationSummary:
        return cls(
            files=len(results),
            valid=sum(1 for r in results if r.valid),
            errors=sum(r.count("fatal", "error") for r in results),
            warnings=sum(r.count("warning") for r in results),
        )

    def to_json(self) -> dict[str, int]:
        return {"files": self.files, "valid": self.valid, "errors": self.errors, "warnings": self.warnings}
