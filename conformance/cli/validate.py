"""`conformance validate PATH...`: base (and claimed-profile) validation of FHIR files."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperCommand

from conformance.cli.command_line import command_line
from conformance.cli.errors import EXIT_FAILED, EXIT_OK, fail
from conformance.definitions.registry import Definitions
from conformance.files.bounded import DEFAULT_MAX_REPEATS
from conformance.files.discovery import discover
from conformance.files.validate import validate_files
from conformance.packages import PackageCache
from conformance.reports import operation_outcome
from conformance.reports.outputs import VALIDATE_OUTPUTS, Validated
from conformance.validation import ValidationOptions, ValidatorFactory

# The HL7 validator's single-dash spellings of its common flags, accepted as they are typed there. They are
# rewritten before parsing rather than declared as option names: declared, they took a column of the options
# table, which at 80 columns then cut other options' names short.
HL7_SPELLINGS = {"-ig": "--ig", "-profile": "--profile", "-output": "--output"}


class _Hl7Spellings(TyperCommand):
    """`validate` parsing `-ig X`, `-profile URL` and `-output FILE` (also `-ig=X`) as their `--` forms."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hl7_spellings(args))


def hl7_spellings(args: list[str]) -> list[str]:
    """`args` with the HL7 validator's spellings as ours, up to a `--` (after it every word is a path)."""
    out: list[str] = []
    for index, arg in enumerate(args):
        if arg == "--":
            return out + args[index:]
        name, eq, value = arg.partition("=")
        out.append(HL7_SPELLINGS[name] + eq + value if name in HL7_SPELLINGS else arg)
    return out


class OutputFormat(StrEnum):  # the names of reports.outputs.VALIDATE_OUTPUTS (tested)
    text = "text"
    json = "json"
    outcome = "outcome"


def validate(
    ctx: typer.Context,
    paths: list[str] = typer.Argument(..., help="Files, folders (searched recursively) or glob patterns."),
    ig: list[str] = typer.Option([], "--ig", help="More packages: ID#VERSION from the cache, a folder, a .tgz or a resource file. Repeatable (or -ig)."),
    profile: list[str] = typer.Option([], "--profile", help="Canonical URL of a profile every resource must claim/meet. Repeatable (or -profile)."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="text, json or outcome (FHIR OperationOutcome)."),
    outcome_file: Path | None = typer.Option(None, "--output", help="Also write the results to this file as a FHIR OperationOutcome in JSON (a Bundle of them for several files; or -output, as the HL7 validator)."),
    workers: int = typer.Option(1, "--workers", "-w", min=0, help="Processes to use; 0 means one per core."),
    package_cache: Path | None = typer.Option(None, "--package-cache", help="FHIR package cache (default: $FHIR_PACKAGE_CACHE or ~/.fhir/packages)."),
    show_information: bool = typer.Option(False, "--info", help="Also list information-level issues in text output."),
    allow_any_extension: bool = typer.Option(False, "--allow-any-extension", help="Do not report extensions whose definitions are not loaded (unknown modifier extensions stay errors)."),
    must_support: bool = typer.Option(False, "--must-support", help="Report must-support elements that are absent (information)."),
    tx: str | None = typer.Option(None, "--tx", help="A FHIR terminology server ($validate-code) for codes that cannot be checked offline."),
    tx_cache: Path | None = typer.Option(None, "--tx-cache", help="Folder of recorded terminology answers: reused offline, filled when --tx answers."),
    report: list[str] = typer.Option([], "--report", help="Report files to write as well: sarif, junit, html, json, markdown, testreport, outcome or all (comma-separated)."),
    report_dir: Path | None = typer.Option(None, "--report-dir", help="Folder for the report files (default: the current folder)."),
    max_repeats: int = typer.Option(DEFAULT_MAX_REPEATS, "--max-repeats", min=0, help="Findings of one issue code listed per file; the rest are folded into one finding with their count and lines (0: list all)."),
) -> None:
    """Validate FHIR R4 resources (JSON, XML, NDJSON, Bundles) against the specification."""
    started = _now()
    if outcome_file is not None and outcome_file.suffix.lower() == ".xml":
        fail(f"--output {outcome_file}: the OperationOutcome is written as JSON", "name the file .json")
    plan = _report_plan(report, report_dir)
    files, problems = discover(paths)
    for path, reason in problems:
        fail(f"{path}: {reason}", "check the path, or quote a glob pattern so the shell does not expand it")
    if not files:
        fail("no FHIR files found in " + ", ".join(paths), "files must end in .json, .xml, .ndjson or .jsonl")
    cache = PackageCache.default(package_cache)
    definitions = Definitions.load(ig, cache)
    options = ValidationOptions(allow_any_extension=allow_any_extension, must_support=must_support, tx=tx,
                                tx_cache=str(tx_cache) if tx_cache else None)
    factory = ValidatorFactory(ig, cache, definitions.packages, options)
    n_workers = workers or os.cpu_count() or 1
    results = list(validate_files([(f, str(f)) for f in files], factory, profile, n_workers, max_repeats))
    printed = VALIDATE_OUTPUTS[output.value]
    printed.write(Validated(results, definitions.packages.ids(), show_information), sys.stdout)
    if outcome_file is not None:
        _write_outcome(outcome_file, results)
    if plan is not None:
        # the whole command line (secrets never come from options), so the report says how to reproduce it
        command = command_line(ctx, leave_out={"workers"})
        _publish(plan, results, definitions.packages.ids(), paths, started, printed.machine, command)
    raise typer.Exit(EXIT_OK if all(r.valid for r in results) else EXIT_FAILED)


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="seconds")


def _write_outcome(path: Path, results: list[Any]) -> None:
    """`--output FILE` (the HL7 validator's `-output`): the OperationOutcome written atomically beside the console."""
    from conformance.reports.atomic import write_atomic

    try:
        write_atomic(path, operation_outcome.render(results) + "\n")
    except OSError as exc:
        fail(f"--output {path}: cannot write: {exc.strerror or exc}")


def _report_plan(report: list[str], report_dir: Path | None) -> Any:
    """The publishing plan when report files are asked for or GitHub Actions should see annotations."""
    if not report and os.environ.get("GITHUB_ACTIONS") != "true":
        return None
    from conformance.reports.publish import PublishOptions, prepare

    return prepare(PublishOptions(formats=report, report_dir=report_dir))


def _publish(plan: Any, results: list[Any], packages: list[str], paths: list[str], started: str,
             machine_output: bool, command: list[str]) -> None:
    from conformance.reports.publish import publish
    from conformance.reports.validation_run import validation_run

    run = validation_run(results, packages=packages, target=", ".join(paths), started=started, finished=_now(),
                         command=command)
    done = publish(run, plan, annotations=sys.stderr if machine_output else sys.stdout)
    for problem in done.problems:
        fail(problem)


def register(app: typer.Typer) -> None:
    app.command("validate", cls=_Hl7Spellings)(validate)
