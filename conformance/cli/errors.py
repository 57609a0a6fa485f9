"""How every command ends when it cannot do what was asked: one clear line, exit 2.

`fail()` is for what the command line itself gets wrong; a library's `ConformanceError` is caught
once, by the root group (`commands.CommandIndex.invoke`), and printed here by `user_error()`.
"""

from __future__ import annotations

from typing import NoReturn

import typer

from conformance.errors import ConformanceError
from conformance.reports.terminal import escape, plain_console

EXIT_OK, EXIT_FAILED, EXIT_UNABLE = 0, 1, 2

stderr = plain_console(stderr=True)


def fail(message: str, hint: str | None = None) -> NoReturn:
    """Print `conformance: error: …` (and what to do) on stderr and exit 2."""
    _exit_unable([message], hint)


def user_error(error: ConformanceError) -> NoReturn:
    """A user's mistake raised by library code: its lines (the message, then any located details) and hint, exit 2."""
    _exit_unable(error.lines(), error.hint)


def _exit_unable(lines: list[str], hint: str | None) -> NoReturn:
    stderr.print(f"[bold red]conformance: error:[/] {escape(lines[0])}", markup=True)
    for line in [*lines[1:], *([hint] if hint else [])]:
        stderr.print(f"  {escape(line)}", markup=True)
    raise typer.Exit(EXIT_UNABLE)
