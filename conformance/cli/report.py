"""`conformance report verify PACK | render PACK --format F`: check an evidence pack, re-render from one."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from conformance.cli.errors import EXIT_FAILED, fail, stderr
from conformance.reports.atomic import write_atomic
from conformance.reports.evidence import EvidenceError
from conformance.reports.evidence_check import describe, render, verify
from conformance.reports.terminal import escape
from conformance.reports.writer import FORMATS

app = typer.Typer(
    name="report",
    help="Verify an evidence pack (was anything changed? who signed it?) and re-render its reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

RenderFormat = StrEnum("RenderFormat", {name: name for name in FORMATS})  # type: ignore[misc]


@app.command("verify")
def verify_command(
    pack: Path = typer.Argument(..., help="The evidence pack (.zip) written by --evidence."),
    public_key: Path | None = typer.Option(None, "--public-key", help="The signer's Ed25519 public key (PEM or ssh-ed25519): proves who signed the pack."),
) -> None:
    """Check every member against the manifest and the signature; exit 1 naming what changed."""
    key = _read(public_key, "--public-key") if public_key is not None else None
    try:
        check = verify(pack, key)
    except EvidenceError as exc:
        fail(str(exc))
    if not check.ok:
        stderr.print(f"[bold red]evidence pack {escape(str(pack))} FAILS verification:[/]", markup=True)
        for problem in check.problems:
            stderr.print(f"  {escape(problem)}", markup=True)
        raise typer.Exit(EXIT_FAILED)
    for line in describe(check):
        typer.echo(line)


@app.command("render")
def render_command(
    pack: Path = typer.Argument(..., help="The evidence pack (.zip) written by --evidence."),
    format_: RenderFormat = typer.Option(..., "--format", "-f", help="The report to re-render."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write it to this file (default: standard output)."),
) -> None:
    """Re-render a report from the pack alone (after checking the pack)."""
    try:
        text = render(pack, str(format_.value))
    except EvidenceError as exc:
        fail(str(exc))
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    try:
        write_atomic(output, text)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")


def _read(path: Path, option: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {option} {path}: {exc.strerror or exc}")
