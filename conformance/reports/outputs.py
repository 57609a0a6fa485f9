"""What `--format` prints on standard output, for every command: the one registry of output formats.

`validate` prints its files' findings (`text`, `json`, `outcome`); `run` and `check` print their `RunResult`
(`text`, `json`); the `profiles` subcommands print what `profile_views.py` builds (`text`, `json`, and `csv` for
the requirement catalogue). Each format is an `Output`: a name, what it is, whether it is a document for programs (then
GitHub annotations go to stderr, not into it) and the function that writes it. A command looks its `--format`
up here instead of choosing with its own if/elif chain; the report files written beside it (`--report`) are
the registry in `writer.py`. Each writer imports its renderer when called, so a command loads only the one it
prints with.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TextIO, TypeVar

from rich.console import Console

from conformance.reports.terminal import plain_console

if TYPE_CHECKING:
    from conformance.files.validate import FileResult
    from conformance.profiles import Profile
    from conformance.profiles.coverage import Coverage
    from conformance.reports.profile_views import Listing
    from conformance.results import RunResult

S = TypeVar("S")


@dataclass(frozen=True, slots=True)
class Validated:
    """What `validate` prints: its files' results and the packages they were validated with."""

    results: Sequence[FileResult]
    packages: Sequence[str]
    show_information: bool = False  # text: list information-level issues too


@dataclass(frozen=True, slots=True)
class Judged:
    """What `run` and `check` print: the judged run, and what a command adds after the text (check's by-code list)."""

    result: RunResult
    more: Callable[[RunResult, Console], None] | None = field(default=None)


@dataclass(frozen=True, slots=True)
class Output(Generic[S]):
    name: str
    description: str
    machine: bool  # a document for programs: nothing else may be printed into it
    write: Callable[[S, TextIO], None]


def console_for(stream: TextIO) -> Console:
    """The console text formats print with: no highlighting, long lines left whole (a CI log wraps them).

    Standard output is left for Rich to find, as a default Console does (it follows `sys.stdout` when a test
    runner swaps it)."""
    return plain_console(None if stream is sys.stdout else stream)


def _validated_text(subject: Validated, stream: TextIO) -> None:
    from conformance.reports import validate_text

    validate_text.render(subject.results, console_for(stream), show_information=subject.show_information)


def _validated_json(subject: Validated, stream: TextIO) -> None:
    from conformance.reports import validate_json

    validate_json.write(subject.results, list(subject.packages), stream)  # streamed, not through Rich
    stream.write("\n")


def _validated_outcome(subject: Validated, stream: TextIO) -> None:
    from conformance.reports import operation_outcome

    stream.write(operation_outcome.render(subject.results) + "\n")


def _run_text(subject: Judged, stream: TextIO) -> None:
    from conformance.reports import run_console

    console = console_for(stream)
    run_console.render(subject.result, console)
    if subject.more is not None:
        subject.more(subject.result, console)


def _run_json(subject: Judged, stream: TextIO) -> None:
    from conformance.reports import run_json

    run_json.stream(subject.result, stream)


VALIDATE_OUTPUTS: dict[str, Output[Validated]] = {o.name: o for o in (
    Output("text", "one line per finding, file:line:column, and a summary", False, _validated_text),
    Output("json", "the validation document (files, issues, summary)", True, _validated_json),
    Output("outcome", "FHIR OperationOutcome (a collection Bundle of them for several files)", True,
           _validated_outcome),
)}

RUN_OUTPUTS: dict[str, Output[Judged]] = {o.name: o for o in (
    Output("text", "scenarios or file checks, requirements and the verdict", False, _run_text),
    Output("json", "the results document (schema: results.schema.json)", True, _run_json),
)}


def _profile_view(name: str) -> Callable[[Any, TextIO], None]:
    """The `profile_views` renderer `name`, imported when first called (so `run` never loads it)."""

    def write(subject: Any, stream: TextIO) -> None:
        from conformance.reports import profile_views

        getattr(profile_views, name)(subject, stream)

    return write


PROFILES_LIST_OUTPUTS: dict[str, Output[Listing]] = {o.name: o for o in (
    Output("text", "a table of the profiles found", False, _profile_view("listing_text")),
    Output("json", "the folders searched and every profile found", True, _profile_view("listing_json")),
)}

PROFILES_SHOW_OUTPUTS: dict[str, Output[dict[str, Any]]] = {o.name: o for o in (
    Output("text", "packages, inputs, scenarios and requirement coverage", False, _profile_view("description_text")),
    Output("json", "the same as one document", True, _profile_view("description_json")),
)}

PROFILES_COVERAGE_OUTPUTS: dict[str, Output[Coverage]] = {o.name: o for o in (
    Output("text", "each operation and response with the requirements covering it", False,
           _profile_view("coverage_text")),
    Output("json", "the same, with the figures and broken source links", True, _profile_view("coverage_json")),
)}

PROFILES_REQUIREMENTS_OUTPUTS: dict[str, Output[Profile]] = {o.name: o for o in (
    Output("text", "a table of the requirements", False, _profile_view("catalogue_text")),
    Output("csv", "the assurance sheet's columns", True, _profile_view("catalogue_csv")),
    Output("json", "the catalogue as one document", True, _profile_view("catalogue_json")),
)}


def registries() -> dict[str, dict[str, Output[Any]]]:
    """Every command's `--format` choices (a command's enum of them is tested against this)."""
    return {"validate": dict(VALIDATE_OUTPUTS), "run": dict(RUN_OUTPUTS), "check": dict(RUN_OUTPUTS),
            "profiles list": dict(PROFILES_LIST_OUTPUTS), "profiles show": dict(PROFILES_SHOW_OUTPUTS),
            "profiles coverage": dict(PROFILES_COVERAGE_OUTPUTS),
            "profiles requirements": dict(PROFILES_REQUIREMENTS_OUTPUTS)}
