"""`conformance run` on a terminal: scenarios, then requirements, then the verdict.

Each failing requirement is shown with the steps that failed it, their failing findings and the
exchange behind them, so a supplier sees what to fix without opening the JSON.
"""

from __future__ import annotations

from itertools import islice

from rich.console import Console
from rich.table import Table

from conformance.reports.terminal import escape
from conformance.results import (
    REPRODUCE_LABEL,
    GroupResult,
    Outcome,
    RequirementResult,
    RequirementStatus,
    RunResult,
    TestResult,
)
from conformance.results.store import failing as failing_of
from conformance.results.store import failing_count

_OUTCOME_STYLE = {Outcome.PASS: "green", Outcome.FAIL: "bold red", Outcome.SKIP: "dim", Outcome.ERROR: "magenta"}
_STATUS_STYLE = {
    RequirementStatus.PASSED: "green",
    RequirementStatus.FAILED: "bold red",
    RequirementStatus.WARNING: "yellow",
    RequirementStatus.ERROR: "magenta",
    RequirementStatus.SKIPPED: "dim",
    RequirementStatus.NOT_TESTED: "yellow",
    RequirementStatus.NOT_APPLICABLE: "dim",
}
_VERDICT_STYLE = {"PASS": "bold green", "FAIL": "bold red", "INCOMPLETE": "bold magenta", "PARTIAL": "bold yellow"}
_MAX_FINDINGS = 5


def render(result: RunResult, console: Console) -> None:
    console.print(f"[bold]{escape(result.profile_id)}[/] {escape(result.profile_version)} — {escape(result.profile_title)}")
    console.print(f"target: {escape(result.target)}")
    if result.environment:
        console.print(f"environment: {escape(result.environment)}")
    console.print("packages: " + escape(", ".join(result.packages)))
    tests = {t.id: t for g in result.groups for t in g.tests}
    console.print()
    kinds = {g.kind for g in result.groups}
    console.print("[bold]File checks[/]" if kinds == {"file-check"} else "[bold]Scenarios[/]" if kinds <= {"scenario"}
                  else "[bold]Scenarios and file checks[/]")
    for group in result.groups:
        _group(group, console)
    console.print()
    console.print("[bold]Requirements[/]")
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("status")
    table.add_column("id")
    table.add_column("level")
    table.add_column("description", overflow="fold")
    for r in result.requirements:
        table.add_row(_status(r), escape(r.requirement.id), r.requirement.level, escape(r.requirement.description))
    console.print(table)
    problems = [r for r in result.requirements if r.status is not RequirementStatus.PASSED or r.attestation]
    if problems:
        console.print()
    for r in problems:
        _requirement_detail(r, tests, console)
    summary = result.summary()
    console.print()
    accepted = f", [yellow]{summary.accepted} accepted[/]" if summary.accepted else ""
    not_applicable = f", {summary.not_applicable} not applicable" if summary.not_applicable else ""
    console.print(f"{summary.requirements} requirements: [green]{summary.passed} passed[/], "
                  f"[red]{summary.failed} failed[/]{accepted}, {summary.warnings} warning(s), {summary.errors} error(s), "
                  f"{summary.skipped} skipped, {summary.not_tested} not tested{not_applicable} — "
                  f"coverage {summary.coverage:.1%}")
    baseline = result.baseline
    if baseline is not None:
        for entry in baseline.expired:
            console.print(f"[bold red]expired baseline entry[/] {escape(entry.describe(baseline.file))}: "
                          f"{escape(entry.justification)}")
    if result.hint:
        console.print(f"[bold yellow]hint:[/] {escape(result.hint)}")
    verdict = result.verdict()
    for missing in verdict.missing:
        console.print(f"  [magenta]no verdict[/] {escape(missing.id)} ({missing.level}, {missing.status}): "
                      f"{escape(missing.reason)}")
    console.print(f"[{_VERDICT_STYLE[verdict.label]}]{verdict.label}[/]: {escape(verdict.reason)} "
                  f"(exit {verdict.exit_code})")


def _status(r: RequirementResult) -> str:
    """The status cell: an accepted failure reads "accepted", never "failed" under a PASS."""
    if r.accepted is not None:
        return "[yellow]accepted[/]"
    if r.attestation is not None:
        return f"[{_STATUS_STYLE[r.status]}]{r.status.value} (attested)[/]"
    return f"[{_STATUS_STYLE[r.status]}]{r.status.value}[/]"


def _group(group: GroupResult, console: Console) -> None:
    outcome = group.outcome
    counts: dict[Outcome, int] = {}
    for t in group.tests:
        counts[t.outcome] = counts.get(t.outcome, 0) + 1
    tally = ", ".join(f"{n} {o.value}" for o, n in counts.items())
    line = f"  [{_OUTCOME_STYLE[outcome]}]{outcome.value:<5}[/] {escape(group.id)} — {escape(group.title)} ({tally})"
    console.print(line)
    if group.message and outcome in (Outcome.SKIP, Outcome.ERROR):
        console.print(f"        {escape(group.message)}", style="dim" if outcome is Outcome.SKIP else None)


def _requirement_detail(r: RequirementResult, tests: dict[str, TestResult], console: Console) -> None:
    message = r.message
    if r.accepted is not None:
        message = (f"{r.status.value}, accepted by baseline entry #{r.accepted.entry} until {r.accepted.expires}: "
                   f"{r.accepted.justification}")
    console.print(f"{_status(r)} [bold]{escape(r.requirement.id)}[/] ({r.requirement.level}): {escape(message)}")
    for test_id in r.evidence:
        test = tests.get(test_id)
        if test is None or test.outcome not in (Outcome.FAIL, Outcome.ERROR):
            continue
        console.print(f"    step {escape(test.id)} — {escape(test.title)}: [{_OUTCOME_STYLE[test.outcome]}]"
                      f"{test.outcome.value}[/]")
        if test.outcome is Outcome.ERROR:
            console.print(f"      {escape(test.message)}")
        for f in islice(failing_of(test.findings), _MAX_FINDINGS):
            where = f" at {f.location}" if f.location else ""
            where += f" (line {f.line})" if f.line else ""
            console.print(f"      ✗ {escape(f.check)}: {escape(f.message)}{escape(where)}")
        more = failing_count(test.findings) - _MAX_FINDINGS
        if more > 0:
            console.print(f"      … and {more} more")
        exchange = next((e for e in reversed(test.exchanges) if e.get("role") == "request"), None)
        if exchange is not None:
            request = exchange["request"]
            answer = exchange.get("response", {}).get("status", exchange.get("error", "no response"))
            console.print(f"      {request['method']} {escape(request['url'])} → {escape(str(answer))}", style="dim")
        if test.reproduce:
            console.print(f"      {REPRODUCE_LABEL}{escape(test.reproduce)}")
