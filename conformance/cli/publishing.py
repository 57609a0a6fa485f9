"""How `run` and `check` end: reports written, the verdict shown, the exit code chosen — the same for both."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from conformance.cli.errors import stderr
from conformance.reports import run_console, run_json
from conformance.reports.publish import Plan, Published, publish
from conformance.results import RunResult


def show(result: RunResult, plan: Plan, *, as_json: bool, require_all: bool,
         more: Callable[[RunResult, Console], None] | None = None) -> Published:
    """Write every requested report (the baseline applied), then print the results document or the summary."""
    done = publish(result, plan, annotations=sys.stderr if as_json else sys.stdout)
    if as_json:
        typer.echo(run_json.render(done.result))
    else:
        console = Console(highlight=False, soft_wrap=True)
        run_console.render(done.result, console, require_all=require_all)
        if more is not None:
            more(done.result, console)
    return done


def finish(done: Published, *, require_all: bool, unable: bool = False) -> NoReturn:
    """Say what could not be written, then exit: 130 interrupted, 2 unable, else the run's own code."""
    for problem in done.problems:
        stderr.print(f"[bold red]conformance: error:[/] {escape(problem)}", markup=True)
    if done.evidence is not None:
        stderr.print(f"evidence pack written to {done.evidence.path}", markup=False)
    if done.result.incomplete:
        raise typer.Exit(130)
    raise typer.Exit(2 if unable or done.problems else done.result.exit_code(require_all=require_all))
