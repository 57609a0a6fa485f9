"""`validate --format text`: findings grouped per file, one line each, for people.

Each finding prints as `path:line:col severity code message (location)`, so editors and
terminals can jump to it.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console

from conformance.files.validate import FileResult
from conformance.reports.terminal import escape
from conformance.reports.validation_summary import ValidationSummary

_STYLE = {"fatal": "bold red", "error": "red", "warning": "yellow", "information": "cyan"}


def render(results: Sequence[FileResult], console: Console, *, show_information: bool = False) -> None:
    for result in results:
        shown = [i for i in result.issues if show_information or i.severity.value != "information"]
        verdict = "[green]valid[/]" if result.valid else "[red]invalid[/]"
        kind = f" ({result.resource_type})" if result.resource_type else ""
        console.print(f"[bold]{escape(result.path)}[/]{escape(kind)}: {verdict}", highlight=False)
        for i in shown:
            style = _STYLE[i.severity.value]
            where = f" ({escape(i.location)})" if i.location else ""
            console.print(
                f"  {escape(result.path)}:{i.line}:{i.column} [{style}]{i.severity.value}[/] "
                f"{escape(i.code)} {escape(i.message)}{where}",
                highlight=False,
                soft_wrap=True,
            )
    s = ValidationSummary.of(results)
    colour = "green" if s.valid == s.files else "red"
    console.print(
        f"[{colour}]{s.valid} of {s.files} file(s) valid[/]: {s.errors} error(s), {s.warnings} warning(s)",
        highlight=False,
    )
