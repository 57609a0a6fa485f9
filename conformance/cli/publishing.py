"""How `run` and `check` end: the verdict's scope applied, reports written, the verdict shown, the exit code.

The exit code is the verdict's (`conformance.results.verdict`): 0 PASS (or a PARTIAL run whose
tests all passed), 1 FAIL, 2 INCOMPLETE or an output that could not be written, 130/143 when
interrupted by SIGINT/SIGTERM — the reports are written first in every case.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from conformance import interrupts
from conformance.cli.errors import stderr
from conformance.reports import run_console, run_json
from conformance.reports.publish import Plan, Published, publish
from conformance.results import RunResult, Scope, scoped


def show(result: RunResult, plan: Plan, scope: Scope, *, as_json: bool, unreachable: str = "",
         more: Callable[[RunResult, Console], None] | None = None) -> Published:
    """Judge the run in its scope, write every requested report (the baseline applied), then print it."""
    judged = scoped(result, scope, unreachable=unreachable,
                    interrupted=interrupts.received() if result.incomplete else "")
    done = publish(judged, plan, annotations=sys.stderr if as_json else sys.stdout)
    if as_json:
        run_json.stream(done.result, sys.stdout)
    else:
        console = Console(highlight=False, soft_wrap=True)
        run_console.render(done.result, console)
        if more is not None:
            more(done.result, console)
    return done


def finish(done: Published) -> NoReturn:
    """Say what could not be written, then exit with the verdict's code (2 when an output failed)."""
    for problem in done.problems:
        stderr.print(f"[bold red]conformance: error:[/] {escape(problem)}", markup=True)
    if done.evidence is not None:
        stderr.print(f"evidence pack written to {done.evidence.path}", markup=False)
    code = done.result.exit_code()
    if done.problems and code in (0, 1):
        code = 2
    raise typer.Exit(code)
