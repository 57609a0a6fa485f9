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
from conformance.reports.outputs import RUN_OUTPUTS, Judged
from conformance.reports.publish import Plan, Published, publish
from conformance.results import RunResult, Scope, scoped


def show(result: RunResult, plan: Plan, scope: Scope, *, output: str, unreachable: str = "",
         more: Callable[[RunResult, Console], None] | None = None) -> Published:
    """Judge the run in its scope, write every requested report (the baseline applied), then print it as
    `output` (a name in `reports.outputs.RUN_OUTPUTS`; `more` adds to the text)."""
    printed = RUN_OUTPUTS[output]
    judged = scoped(result, scope, unreachable=unreachable,
                    interrupted=interrupts.received() if result.incomplete else "")
    done = publish(judged, plan, annotations=sys.stderr if printed.machine else sys.stdout)
    printed.write(Judged(done.result, more), sys.stdout)
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
