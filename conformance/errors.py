"""The one base class of every mistake a user can make: caught once in `main()`, printed, exit 2.

A `ConformanceError` is a problem with what the user asked for (an unknown profile, a bad baseline,
an unreadable key, a missing package) — never a bug of ours. Its message is one line that says what
and where; `hint` says what to do. `lines()` may give more lines (a profile's located errors).
Anything else that escapes a command is an internal error and is reported as a bug.
"""

from __future__ import annotations


class ConformanceError(Exception):
    """A user's mistake or an environment problem the user can fix; exit 2 with a clear message."""

    hint: str | None = None

    def __init__(self, message: str = "", hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint

    def lines(self) -> list[str]:
        """What to print after `conformance: error:` — the message, then any located details."""
        return [str(self)]
