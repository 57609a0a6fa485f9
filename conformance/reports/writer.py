"""Writes the requested report formats into a folder, each atomically, all from one RunResult.

`--report junit,html` and `--report-dir DIR` come here. Every format is rendered and written on
its own (temporary file in DIR, then `os.replace`), so a reader never sees half a file and one
format's failure does not cost the others: whatever could be written is, then `ReportError` says
what could not. An interrupted run (the caller sets `result.incomplete = True`) is written the
same way; every format marks it incomplete.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import TextIO

from conformance.reports.atomic import write_atomic, write_atomic_text
from conformance.results import RunResult


@dataclass(frozen=True, slots=True)
class ReportFormat:
    """A report file: its module (`conformance.reports.<module>`, with `render` and, when `streams`, `write`)
    is imported when the format is written, not when the command starts: the HTML report needs Jinja2 and
    the JUnit report lxml, and a run that writes neither (`check --format json`) should not pay for them."""

    name: str
    file_name: str
    module: str
    description: str
    streams: bool = False  # writes as it renders (memory flat with findings)

    def _module(self) -> ModuleType:
        return importlib.import_module(f"conformance.reports.{self.module}")

    @property
    def render(self) -> Callable[..., str]:
        render: Callable[..., str] = self._module().render
        return render

    @property
    def stream(self) -> Callable[[RunResult, TextIO], None] | None:
        return self._module().write if self.streams else None


FORMATS: dict[str, ReportFormat] = {f.name: f for f in (
    ReportFormat("json", "results.json", "results_io", "the results document (schema: results.schema.json)", True),
    ReportFormat("junit", "junit.xml", "junit", "JUnit XML for CI test pages (GitLab, Jenkins)"),
    ReportFormat("html", "report.html", "html", "one self-contained HTML page for assessors"),
    ReportFormat("testreport", "testreport.json", "testreport", "FHIR R4 TestReports in a Bundle", True),
    ReportFormat("sarif", "results.sarif", "sarif", "SARIF 2.1.0 file findings for code scanning", True),
    ReportFormat("markdown", "summary.md", "markdown", "a Markdown summary ($GITHUB_STEP_SUMMARY)"),
    ReportFormat("outcome", "outcome.json", "run_outcome", "FHIR OperationOutcome per checked file"),
)}


class ReportError(Exception):
    """Some reports could not be written (the others were); the message lists which and why."""

    def __init__(self, problems: list[str], written: dict[str, Path]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
        self.written = written


def parse_formats(values: Iterable[str]) -> list[str]:
    """`["junit,html", "json"]` -> `["junit", "html", "json"]`; ValueError naming an unknown format."""
    names: list[str] = []
    for value in values:
        for name in (part.strip().lower() for part in value.split(",")):
            if not name:
                continue
            if name == "all":
                names.extend(n for n in FORMATS if n not in names)
                continue
            if name not in FORMATS:
                raise ValueError(f"unknown report format {name!r}; known: {', '.join(FORMATS)} (or all)")
            if name not in names:
                names.append(name)
    return names


def write_reports(result: RunResult, formats: Sequence[str], report_dir: Path) -> dict[str, Path]:
    """Write each format into `report_dir` (created if needed); returns format -> path written.

    Raises ReportError after writing everything it could, when a format failed.
    """
    written: dict[str, Path] = {}
    problems: list[str] = []
    for name in parse_formats(formats):
        spec = FORMATS[name]
        target = report_dir / spec.file_name
        try:
            stream = spec.stream
            if stream is not None:
                written[name] = write_atomic_text(target, partial(stream, result))
                continue
            text = spec.render(result)
        except OSError as exc:
            problems.append(f"{name}: cannot write {target}: {exc.strerror or exc}")
            continue
        except Exception as exc:  # a bug in one format must not cost the run its other reports
            problems.append(f"{name}: internal error while rendering ({type(exc).__name__}: {exc}); please report it")
            continue
        try:
            written[name] = write_atomic(target, text)
        except OSError as exc:
            problems.append(f"{name}: cannot write {target}: {exc.strerror or exc}")
    if problems:
        raise ReportError(problems, written)
    return written
