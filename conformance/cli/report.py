"""`conformance report verify | render | countersign PACK`: check an evidence pack, re-render from one, witness one.

Exit codes: 0 VERIFIED (or intact with `--allow-unknown-signer`), 1 the pack fails verification
or its signer is unknown, 2 the command cannot run (an unreadable key or pack, a bad option).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import NoReturn

import typer

from conformance.cli.errors import EXIT_FAILED, fail, stderr
from conformance.reports.atomic import write_atomic
from conformance.reports.countersign import countersign
from conformance.reports.evidence_check import UNKNOWN_SIGNER_HINT, Verification, describe, render, verify
from conformance.reports.signing import trusted_keys
from conformance.reports.terminal import escape
from conformance.reports.writer import FORMATS

app = typer.Typer(
    name="report",
    help="Verify an evidence pack (was anything changed? who signed it?), re-render its reports, countersign it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

RenderFormat = StrEnum("RenderFormat", {name: name for name in FORMATS})  # type: ignore[misc]

_PACK_HELP = "The evidence pack (.zip) written by --evidence."
_PUBLIC_KEY_HELP = ("The signer's Ed25519 public key (PEM or ssh-ed25519), obtained out of band: proves who "
                    "signed the pack.")
_TRUSTED_KEYS_HELP = ("Public keys you trust: a file of several (PEM blocks, ssh-ed25519 lines) or a folder of "
                      "*.pem / *.pub files. Every signature in the pack must be by one of them (with --public-key).")
_ALLOW_HELP = ("Accept an intact pack whose signer no supplied key checked (exit 0, still reported as signer "
               "unknown; render adds an 'Unverified evidence' banner). A key you give is always enforced.")


@app.command("verify")
def verify_command(
    pack: Path = typer.Argument(..., help=_PACK_HELP),
    public_key: Path | None = typer.Option(None, "--public-key", help=_PUBLIC_KEY_HELP),
    trusted: Path | None = typer.Option(None, "--trusted-keys", help=_TRUSTED_KEYS_HELP),
    allow_unknown_signer: bool = typer.Option(False, "--allow-unknown-signer", help=_ALLOW_HELP),
    require_countersignature: bool = typer.Option(
        False, "--require-countersignature",
        help="Also fail (exit 1) unless an assessor countersigned the pack: deleting countersignature.json "
             "leaves a pack that is still validly supplier-signed."),
) -> None:
    """Check every member against the manifest and every signature against the keys you supply.

    Exit 0 VERIFIED; 1 when anything changed, a signature is bad or by another key, the signer is unknown,
    or (with --require-countersignature) no assessor countersigned it."""
    check = _checked(pack, public_key, trusted)
    for line in describe(check):
        typer.echo(line)
    if not check.verified and not allow_unknown_signer:
        _refuse_unknown(check)
    if require_countersignature and check.countersigned is None:
        stderr.print(f"conformance: error: {escape(str(pack))} is not countersigned by an assessor "
                     "(--require-countersignature); an assessor adds one with `conformance report countersign`",
                     markup=False)
        raise typer.Exit(1)


@app.command("render")
def render_command(
    pack: Path = typer.Argument(..., help=_PACK_HELP),
    format_: RenderFormat = typer.Option(..., "--format", "-f", metavar="FORMAT",
                                         help=f"The report to re-render: {', '.join(FORMATS)}."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write it to this file (default: standard output)."),
    public_key: Path | None = typer.Option(None, "--public-key", help=_PUBLIC_KEY_HELP),
    trusted: Path | None = typer.Option(None, "--trusted-keys", help=_TRUSTED_KEYS_HELP),
    allow_unknown_signer: bool = typer.Option(False, "--allow-unknown-signer", help=_ALLOW_HELP),
) -> None:
    """Re-render a report from the pack alone, only once the pack verifies against the keys you supply."""
    check = _checked(pack, public_key, trusted)
    if not check.verified:
        if not allow_unknown_signer:
            _refuse_unknown(check, "refusing to render it")
        stderr.print(f"[bold yellow]warning:[/] rendering unverified evidence: {escape(check.unverified_reason() or '')}",
                     markup=True)
    text = render(check, str(format_.value))
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    try:
        write_atomic(output, text)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")


@app.command("countersign")
def countersign_command(
    pack: Path = typer.Argument(..., help="The supplier-signed evidence pack (.zip) to countersign."),
    sign_key: Path = typer.Option(..., "--sign-key", help="The assessor's Ed25519 private key (PEM, unencrypted)."),
    output: Path | None = typer.Option(None, "--output", "-o",
                                       help="Write the countersigned pack here (default: the pack itself, atomically)."),
) -> None:
    """Add the assessor's signature over the manifest and the supplier's signature (countersignature.json)."""
    check = _checked(pack, None, None)
    try:
        key = sign_key.read_bytes()
    except OSError as exc:
        fail(f"cannot read --sign-key {sign_key}: {exc.strerror or exc}")
    done = countersign(check, key, output)
    typer.echo(f"countersigned {done.path}: the supplier's signature by key {done.signer}, countersigned by key "
               f"{done.countersigner}")


def _checked(pack: Path, public_key: Path | None, trusted: Path | None) -> Verification:
    """The pack checked against the keys given; exit 1 naming every problem when it is not intact."""
    check = verify(pack, trusted_keys(public_key, trusted))
    if not check.ok:
        stderr.print(f"[bold red]evidence pack {escape(str(pack))} FAILS verification:[/]", markup=True)
        for problem in check.problems:
            stderr.print(f"  {escape(problem)}", markup=True)
        raise typer.Exit(EXIT_FAILED)
    return check


def _refuse_unknown(check: Verification, action: str = "not verified") -> NoReturn:
    stderr.print(f"[bold red]evidence pack {escape(str(check.pack))}: intact, signer unknown — {action}:[/] "
                 f"{escape(check.unverified_reason() or '')}", markup=True)
    stderr.print(f"  {escape(UNKNOWN_SIGNER_HINT)}", markup=True)
    raise typer.Exit(EXIT_FAILED)
