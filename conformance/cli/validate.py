"""`conformance validate PATH...`: base (and claimed-profile) validation of FHIR files."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console

from conformance.cli.errors import EXIT_FAILED, EXIT_OK, fail
from conformance.files.discovery import discover
from conformance.files.validate import validate_files
from conformance.packages import PackageCache, PackageError, load_packages
from conformance.reports import operation_outcome, validate_json, validate_text
from conformance.validation import ValidatorFactory


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    outcome = "outcome"


def validate(
    paths: list[str] = typer.Argument(..., help="Files, folders (searched recursively) or glob patterns."),
    ig: list[str] = typer.Option([], "--ig", help="More packages: ID#VERSION from the cache, a folder, a .tgz or a resource file. Repeatable."),
    profile: list[str] = typer.Option([], "--profile", help="Canonical URL of a profile every resource must claim/meet. Repeatable."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="text, json or outcome (FHIR OperationOutcome)."),
    workers: int = typer.Option(1, "--workers", "-w", min=0, help="Processes to use; 0 means one per core."),
    package_cache: Path | None = typer.Option(None, "--package-cache", help="FHIR package cache (default: $FHIR_PACKAGE_CACHE or ~/.fhir/packages)."),
    show_information: bool = typer.Option(False, "--info", help="Also list information-level issues in text output."),
) -> None:
    """Validate FHIR R4 resources (JSON, XML, NDJSON, Bundles) against the specification."""
    files, problems = discover(paths)
    for path, reason in problems:
        fail(f"{path}: {reason}", "check the path, or quote a glob pattern so the shell does not expand it")
    if not files:
        fail("no FHIR files found in " + ", ".join(paths), "files must end in .json, .xml, .ndjson or .jsonl")
    cache = PackageCache.default(package_cache)
    try:
        packages = load_packages(list(ig), cache)
    except PackageError as exc:
        fail(str(exc))
    factory = ValidatorFactory(ig, cache, packages)
    n_workers = workers or os.cpu_count() or 1
    results = list(validate_files([(f, str(f)) for f in files], factory, profile, n_workers))
    out = Console(highlight=False, soft_wrap=True)
    if output is OutputFormat.json:
        out.out(validate_json.render(results, packages.ids()))
    elif output is OutputFormat.outcome:
        out.out(operation_outcome.render(results))
    else:
        validate_text.render(results, out, show_information=show_information)
    raise typer.Exit(EXIT_OK if all(r.valid for r in results) else EXIT_FAILED)


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
