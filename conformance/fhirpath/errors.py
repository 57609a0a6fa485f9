"""The two ways a FHIRPath expression can fail: it cannot be read, or it cannot be evaluated.

Callers (the validator, the CLI, scenario assertions) report both kinds as findings, so each
carries enough to point at the cause: a syntax error knows its column in the expression.
"""

from __future__ import annotations


class FhirPathError(Exception):
    """An expression could not be evaluated (e.g. `single()` on several items, `'a' - 'b'`)."""


class FhirPathSyntaxError(FhirPathError):
    """An expression could not be parsed. `column` is 1-based within the expression text."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(f"{message} (at column {column})")
        self.message = message
        self.column = column
