"""The one exception the packages layer lets out.

Every failure a user can cause or fix (missing package, unreachable registry, broken tgz) is a
`PackageError` whose `str()` is a single line saying what went wrong and what to do; the CLI prints
it and exits 2, the validator turns it into its own error, and nobody sees a traceback.
"""

from __future__ import annotations

from conformance.errors import ConformanceError


class PackageError(ConformanceError):
    """A user-facing packages failure; `str()` is one clear line with what to do."""

    def __str__(self) -> str:
        text = super().__str__()
        return " ".join(text.split())  # always one line, whatever the cause carried


class RegistryUnreachable(PackageError):
    """The registry did not answer at all (offline, blocked, wrong address); try the next source."""


class NotInRegistry(PackageError):
    """The registry answered, but has no such package or version; try the next source."""
