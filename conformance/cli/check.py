"""`conformance check PROFILE PATH...`: a profile's exported-file checks over files, folders, archives, bulk exports."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console

from conformance.cli.command_line import command_line
from conformance.cli.errors import fail
from conformance.cli.loading import load_named_profile
from conformance.cli.publishing import finish, show
from conformance.cli.scope import run_scope
from conformance.files.bounded import DEFAULT_MAX_REPEATS
from conformance.files.engine import CheckSettings, check_export
from conformance.files.executors import DaskExecutor, Executor, ProcessExecutor
from conformance.files.partitions import DEFAULT_PARTITION_BYTES
from conformance.files.progress import choose_progress
from conformance.files.sources import collect_inputs
from conformance.files.summary import group_findings, where
from conformance.files.validators import load_check_packages
from conformance.packages import PackageCache
from conformance.profiles.model import Profile
from conformance.reports.publish import Plan, PublishOptions, prepare
from conformance.reports.terminal import escape
from conformance.results import RunResult, Scope

# options that change how fast a check runs, never what it finds: left out of the recorded command
_EXECUTION_OPTIONS = frozenset({"workers", "executor", "scheduler", "progress", "partition_bytes"})


class OutputFormat(StrEnum):  # the names of reports.outputs.RUN_OUTPUTS (tested)
    text = "text"
    json = "json"


class ExecutorKind(StrEnum):
    local = "local"
    dask = "dask"


class ProgressMode(StrEnum):
    auto = "auto"
    bar = "bar"
    plain = "plain"
    none = "none"


def check(
    ctx: typer.Context,
    profile: str = typer.Argument(..., help="A profile id (see `conformance profiles list`) or a profile folder."),
    paths: list[str] = typer.Argument(..., help="Files, folders, glob patterns, .zip/.gz archives, Bulk Data manifests."),
    workers: int = typer.Option(0, "--workers", "-w", min=0, help="Processes to use; 0 (the default) means one per core."),
    executor: ExecutorKind = typer.Option(ExecutorKind.local, "--executor", help="local (a process pool) or dask (an existing cluster)."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="The Dask scheduler address, e.g. tcp://10.0.0.5:8786 (with --executor dask)."),
    ig: list[str] = typer.Option([], "--ig", help="More FHIR packages: ID#VERSION, a folder, a .tgz (repeatable)."),
    profiles_dir: list[Path] = typer.Option([], "--profiles-dir", help="A folder of profiles to search first (repeatable)."),
    package_cache: Path | None = typer.Option(None, "--package-cache", help="FHIR package cache (default: ~/.fhir/packages)."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="text or json (the results document)."),
    report: list[str] = typer.Option([], "--report", help="Report formats to write: json, junit, html, testreport, sarif, markdown, outcome or all (comma-separated, repeatable)."),
    report_dir: Path | None = typer.Option(None, "--report-dir", help="Folder for the report files (results.json alone when no --report is given)."),
    evidence: Path | None = typer.Option(None, "--evidence", help="Write a verifiable evidence pack (zip) to this file."),
    sign_key: Path | None = typer.Option(None, "--sign-key", help="Ed25519 private key (PEM) that signs the evidence pack."),
    include_inputs: bool = typer.Option(False, "--include-inputs", help="Put the checked files themselves in the evidence pack (their hashes always are)."),
    baseline: Path | None = typer.Option(None, "--baseline", help="A YAML file of accepted findings (shown as accepted; expired entries fail)."),
    write_baseline: Path | None = typer.Option(None, "--write-baseline", help="Start a baseline file from this check's failures."),
    require_all: bool = typer.Option(False, "--require-all", help="Every requirement in scope (not only MUST) needs a verdict, else exit 2."),
    attestations: Path | None = typer.Option(None, "--attestations", help="A YAML file of an assessor's attestations for the profile's manual requirements."),
    progress: ProgressMode = typer.Option(ProgressMode.auto, "--progress", help="auto, bar, plain (a line every few seconds) or none; on stderr."),
    max_repeats: int = typer.Option(DEFAULT_MAX_REPEATS, "--max-repeats", min=0, help="Findings of one issue code kept per rule and file; the rest are folded into one finding with their count and lines (0: keep all)."),
    locations: int = typer.Option(5, "--locations", min=0, help="Locations shown per issue code in text output (JSON has them all, up to --max-repeats)."),
    partition_bytes: int = typer.Option(DEFAULT_PARTITION_BYTES, "--partition-bytes", min=1, hidden=True,
                                        help="Bytes of NDJSON per unit of parallel work."),
) -> None:
    """Check exported files (NDJSON bulk exports, Bundles, archives) against a profile's file checks."""
    the_profile = load_named_profile(profile, profiles_dir)
    if not the_profile.file_checks:
        fail(f"profile {the_profile.id} has no file checks", "its profile.yaml needs a file_checks section with rules")
    if executor is ExecutorKind.dask and not scheduler:
        fail("--executor dask needs --scheduler ADDRESS", "e.g. --scheduler tcp://127.0.0.1:8786")
    if scheduler and executor is not ExecutorKind.dask:
        fail("--scheduler works only with --executor dask")
    scope = run_scope(the_profile, None, attestations, _file_side_only(the_profile), require_all)
    inputs = collect_inputs(paths)
    for arg, reason in inputs.problems:
        fail(f"{arg}: {reason}", "check the path, or quote a glob pattern so the shell does not expand it")
    packages = None
    if any(rule.type == "validate" for rule in the_profile.file_checks) or ig:
        packages = load_check_packages(the_profile, ig, PackageCache.default(package_cache))
    checked = sorted({Path(arg) for arg in paths if Path(arg).is_file()}
                     | {Path(f.display) for f in inputs.files if Path(f.display).is_file()})
    publishing = PublishOptions(
        formats=report or (["json"] if report_dir is not None else []), report_dir=report_dir, evidence=evidence,
        sign_key=sign_key, include_inputs=include_inputs, baseline=baseline, write_baseline=write_baseline,
        require_all=require_all, profile_dir=the_profile.folder,
        packages=packages.validator.definitions.packages.packages if packages is not None else (), inputs=checked,
        profile_ids=frozenset({the_profile.id, *the_profile.aliases}))
    plan = prepare(publishing)  # a bad format, baseline or key stops here, before any file is read
    runner: Executor = DaskExecutor(scheduler or "") if executor is ExecutorKind.dask else ProcessExecutor(workers)
    try:
        result = check_export(the_profile, inputs, runner, packages=packages, progress=choose_progress(progress.value),
                              settings=CheckSettings(partition_bytes=partition_bytes, max_repeats=max_repeats), target=", ".join(paths),
                              command=command_line(ctx, leave_out=_EXECUTION_OPTIONS))
    finally:
        runner.close()
    _report(result, plan, scope, output, locations)


def _file_side_only(profile: Profile) -> str:
    """The partial-run note when the profile's file rules evidence only some of its requirements (an API
    profile such as eps-fhir-api: the others are behaviours `run` tests); empty when they evidence all."""
    evidenced = {rid for rule in profile.file_checks for rid in rule.requirements}
    if all(r.id in evidenced or r.manual for r in profile.requirements):
        return ""
    return "file checks only; the API requirements need `conformance run`"


def _report(result: RunResult, plan: Plan, scope: Scope, output: OutputFormat, locations: int) -> None:
    done = show(result, plan, scope, output=output.value,
                more=lambda shown, console: _by_code(shown, console, locations))
    finish(done)


def _by_code(result: RunResult, console: Console, locations: int) -> None:
    """Every finding counted by code, with its first locations (the JSON report lists them all)."""
    groups = group_findings(result, locations)
    if not groups:
        return
    console.print()
    console.print("[bold]Findings by code[/]")
    for g in groups:
        style = "red" if g.severity == "error" else "yellow"
        files = f" in {len(g.paths)} file(s)" if g.paths else ""
        console.print(f"  {escape(g.test_id)} [{style}]{escape(g.code)}[/] ({g.severity}): {g.count:,}{files}")
        for f in g.first:
            place = where(f)
            text = f"{place}: {f.message}" if place else f.message
            console.print(f"      {escape(text)}", style="dim" if g.severity != "error" else None)
        if g.count > len(g.first):
            console.print(f"      … and {g.count - len(g.first):,} more (all of them in --format json / --report-dir)")


def register(app: typer.Typer) -> None:
    app.command("check")(check)


__all__ = ["check", "register"]
