"""GitHub Actions: annotations on the files and lines at fault, and the job summary page.

Under GitHub Actions (`GITHUB_ACTIONS=true`) a run prints one workflow command per failing
finding — `::error file=...,line=...,col=...,title=...::message` for file findings, a plain
`::error title=...::message` for scenario failures (they have no file) — and appends the
Markdown summary to `$GITHUB_STEP_SUMMARY`. Warnings become `::warning`, baseline-accepted
failures `::notice` (shown, not failing). GitHub shows at most a few dozen annotations per step,
so the stream stops at `MAX_ANNOTATIONS` with a notice that says how many more there were.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TextIO

from conformance.reports import markdown
from conformance.results import Finding, Outcome, RunResult, TestResult, acceptance_of, test_reason

MAX_ANNOTATIONS = 50


def active(env: Mapping[str, str] | None = None) -> bool:
    return (os.environ if env is None else env).get("GITHUB_ACTIONS") == "true"


def annotation_lines(result: RunResult, *, limit: int = MAX_ANNOTATIONS) -> list[str]:
    lines = list(_all(result))
    if len(lines) > limit:
        more = len(lines) - limit
        lines = lines[:limit] + [f"::notice title=conformance::{more} more finding(s) not annotated; "
                                 "see the report files"]
    return lines


def emit(result: RunResult, stream: TextIO, env: Mapping[str, str] | None = None) -> bool:
    """Annotations to `stream` and the summary to $GITHUB_STEP_SUMMARY, when under GitHub Actions.

    Returns whether anything was emitted. OSError when the summary file cannot be written.
    """
    env = os.environ if env is None else env
    if not active(env):
        return False
    for line in annotation_lines(result):
        stream.write(line + "\n")
    stream.flush()
    summary = env.get("GITHUB_STEP_SUMMARY")
    if summary:
        with Path(summary).open("a", encoding="utf-8") as handle:
            handle.write(markdown.render(result) + "\n")
    return True


def _all(result: RunResult) -> Iterator[str]:
    for group in result.groups:
        for test in group.tests:
            if test.outcome is Outcome.ERROR:
                yield _command("error", f"{test.id} could not run", test_reason(test), {})
                continue
            if test.outcome is not Outcome.FAIL and not any(f.outcome is Outcome.FAIL for f in test.findings):
                continue
            with_file = False  # streamed: a file check's findings can be millions
            for f in test.findings:
                if f.outcome is Outcome.FAIL and f.path:
                    with_file = True
                    yield _finding(f, test)
            if test.outcome is Outcome.FAIL and not with_file:
                level = "notice" if acceptance_of(test) is not None else "error"
                title = f"{' '.join(test.requirements)} {test.id}".strip()
                yield _command(level, title, _accepted_prefix(test) + test_reason(test), {})
    if result.incomplete:
        yield _command("error", "conformance", "the run was interrupted: the reports cover only what ran", {})


def _finding(f: Finding, test: TestResult) -> str:
    level = "notice" if acceptance_of(f) is not None else "error" if f.severity == "error" else "warning"
    props = {"file": f.path or ""}
    if f.line:
        props["line"] = str(f.line)
        if f.column:
            props["col"] = str(f.column)
    title = f.code or (test.requirements[0] if test.requirements else test.id)
    where = f" ({f.location})" if f.location else ""
    return _command(level, title, _accepted_prefix(f) + (f.message or f.check) + where, props)


def _accepted_prefix(item: Finding | TestResult) -> str:
    accepted = acceptance_of(item)
    if accepted is None:
        return ""
    return f"accepted by baseline entry {accepted.entry} until {accepted.expires} ({accepted.justification}): "


def _command(level: str, title: str, message: str, props: dict[str, str]) -> str:
    props = {**props, "title": title} if title else props
    rendered = ",".join(f"{k}={_property(v)}" for k, v in props.items())
    return f"::{level} {rendered}::{_data(message)}" if rendered else f"::{level}::{_data(message)}"


def _data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(value: str) -> str:
    return _data(value).replace(":", "%3A").replace(",", "%2C")
