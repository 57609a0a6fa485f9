"""The `conformance` command: parses arguments, builds the pieces, runs them, exits.

Each command group lives in its own module and only wires library code together; no rule,
format or protocol is implemented here.
"""

from __future__ import annotations

import os
import sys
import traceback

import typer

from conformance import __version__
from conformance.cli.commands import COMMANDS, CommandIndex

app = typer.Typer(
    name="conformance",
    cls=CommandIndex,
    help="Certify clinical software against national health interoperability standards, offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"conformance {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Certify clinical software against national health interoperability standards, offline."""


def _register(command: str | None = None) -> None:
    """Register `command`, or every command (tests driving the app); an unregistered one CommandIndex loads."""
    from conformance.cli import commands

    commands.register(app, command)


def main() -> None:
    """Console entry point: exit 2 for usage errors, 130/143 when interrupted, a reportable message for our own bugs."""
    from conformance import interrupts

    interrupts.handle_termination()  # SIGTERM (CI's cancel) stops a run like Ctrl-C: reports written, exit 143
    if len(sys.argv) > 1 and sys.argv[1] in COMMANDS:
        _register(sys.argv[1])
    try:
        app(standalone_mode=True)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(interrupts.exit_code())
    except Exception as exc:  # a bug of ours: say so, ask for a report, never a bare traceback
        if os.environ.get("CONFORMANCE_DEBUG"):
            raise
        where = traceback.extract_tb(exc.__traceback__)[-1]
        sys.stderr.write(
            f"conformance: internal error: {type(exc).__name__}: {exc} "
            f"(at {os.path.basename(where.filename)}:{where.lineno}).\n"
            "  This is a bug in conformance; please report it with the command you ran "
            "(set CONFORMANCE_DEBUG=1 to see the traceback).\n"
        )
        sys.exit(2)
