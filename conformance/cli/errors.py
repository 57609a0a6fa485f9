"""How every command ends when it cannot do what was asked: one clear line, exit 2."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console

from conformance.reports.terminal import escape

EXIT_OK, EXIT_FAILED, EXIT_UNABLE = 0, 1, 2

stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, hint: str | None = None) -> NoReturn:
    """Print `conformance: error: …` (and what to do) on stderr and exit 2."""
    stderr.print(f"[bold red]conformance: error:[/] {escape(message)}", markup=True)
    if hint:
        stderr.print(f"  {escape(hint)}", markup=True)
    raise typer.Exit(EXIT_UNABLE)
