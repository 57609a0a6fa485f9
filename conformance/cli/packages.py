"""`conformance packages install | list | verify | where`: the FHIR package cache from the command line."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from conformance.cli.errors import fail
from conformance.packages import PackageCache, install, install_together, integrity
from conformance.packages.manifest import split_spec
from conformance.reports.terminal import plain_console

app = typer.Typer(
    name="packages",
    help="Install and list FHIR packages in the package cache (~/.fhir/packages).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

CacheOption = Annotated[
    Path | None,
    typer.Option("--package-cache", help="FHIR package cache (default: $FHIR_PACKAGE_CACHE or ~/.fhir/packages)."),
]


class ListFormat(StrEnum):
    text = "text"
    json = "json"


def _progress() -> Console:
    return plain_console(stderr=True)


@app.command("install")
def install_command(
    specs: Annotated[list[str], typer.Argument(help="ID#VERSION (or ID), a .tgz, a package folder, a folder of resources, or one resource file.")],
    package_cache: CacheOption = None,
    registry: Annotated[str | None, typer.Option("--registry", help="FHIR package registry (default: $FHIR_PACKAGE_REGISTRY or https://packages.fhir.org).")] = None,
    package_id: Annotated[str | None, typer.Option("--id", help="Package id for resources that come without a package.json (default: from the name).")] = None,
    version: Annotated[str | None, typer.Option("--version", help="Package version for resources without a package.json (default: 0.0.0-local).")] = None,
    no_deps: Annotated[bool, typer.Option("--no-deps", help="Do not install the dependencies listed in package.json.")] = False,
    as_identity: Annotated[str | None, typer.Option("--as", help="The registry package this is, ID#VERSION: it is installed as that (e.g. the UK Core source as fhir.r4.ukcore.stu2#2.0.0).")] = None,
    reinstall: Annotated[bool, typer.Option("--reinstall", help="Replace the package even when it is already in the cache (mends a damaged one).")] = False,
) -> None:
    """Install packages, and what they depend on, into the package cache."""
    cache = PackageCache.default(package_cache)
    console = _progress()
    if (package_id or version or as_identity) and len(specs) > 1:
        fail("--id, --version and --as name one package; install one at a time")

    def say(message: str) -> None:
        console.print(message, markup=False)

    if len(specs) > 1:  # one install: packages that depend on each other can come from files together
        done = install_together(specs, cache, registry=registry, with_dependencies=not no_deps, progress=say,
                                reinstall=reinstall)
    else:
        done = install(specs[0], cache, registry=registry, with_dependencies=not no_deps, package_id=package_id,
                       version=version, progress=say, as_identity=as_identity, reinstall=reinstall)
    for got_id, got_version in done:
        typer.echo(f"{got_id}#{got_version}")


@app.command("list")
def list_command(
    package_cache: CacheOption = None,
    output: Annotated[ListFormat, typer.Option("--format", "-f", help="text or json.")] = ListFormat.text,
) -> None:
    """List the packages in the package cache."""
    cache = PackageCache.default(package_cache)
    installed = cache.installed()
    if output is ListFormat.json:
        rows = [{"id": i, "version": v, "path": str(cache.package_dir(i, v))} for i, v in installed]
        typer.echo(json.dumps({"cache": str(cache.root), "packages": rows}, indent=2))
        return
    if not installed:
        _progress().print(f"no packages in {cache.root}", markup=False)
    for package_id, version in installed:
        typer.echo(f"{package_id}#{version}")


@app.command("verify")
def verify_command(
    specs: Annotated[list[str] | None, typer.Argument(help="ID#VERSION of the packages to check (default: every one).")] = None,
    package_cache: CacheOption = None,
) -> None:
    """Hash every file of installed packages again against what was recorded at install (exit 2 if damaged)."""
    cache = PackageCache.default(package_cache)
    chosen = [split_spec(s) for s in specs] if specs else [(i, v) for i, v in cache.installed()]
    damaged = 0
    for package_id, wanted in chosen:
        version = cache.select(package_id, wanted)
        folder = cache.package_dir(package_id, version) if version else None
        if version is None or folder is None:
            fail(f"{package_id}{'#' + wanted if wanted else ''} is not in the package cache {cache.root}")
        label = f"{package_id}#{version}"
        if integrity.read_record(folder) is None:
            typer.echo(f"{label}: no record (installed by another tool or an older version); not checked")
            continue
        problems = integrity.verify(label, folder)
        if problems:
            damaged += 1
            typer.echo(f"{label}: damaged: " + "; ".join(problems[:5]) + (" ..." if len(problems) > 5 else ""))
            typer.echo(f"  reinstall it with: {integrity.reinstall_command(label, folder)}")
        else:
            typer.echo(f"{label}: whole")
    if damaged:
        raise typer.Exit(2)


@app.command("where")
def where_command(package_cache: CacheOption = None) -> None:
    """Print the package cache folder in use."""
    typer.echo(str(PackageCache.default(package_cache).root))
