"""`conformance packages install | list | where`: the FHIR package cache from the command line."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from conformance.cli.errors import fail
from conformance.packages import PackageCache, PackageError, install

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
    return Console(stderr=True, highlight=False, soft_wrap=True)


@app.command("install")
def install_command(
    specs: Annotated[list[str], typer.Argument(help="ID#VERSION (or ID), a .tgz, a package folder, a folder of resources, or one resource file.")],
    package_cache: CacheOption = None,
    registry: Annotated[str | None, typer.Option("--registry", help="FHIR package registry (default: $FHIR_PACKAGE_REGISTRY or https://packages.fhir.org).")] = None,
    package_id: Annotated[str | None, typer.Option("--id", help="Package id for resources that come without a package.json (default: from the name).")] = None,
    version: Annotated[str | None, typer.Option("--version", help="Package version for resources without a package.json (default: 0.0.0-local).")] = None,
    no_deps: Annotated[bool, typer.Option("--no-deps", help="Do not install the dependencies listed in package.json.")] = False,
) -> None:
    """Install packages, and what they depend on, into the package cache."""
    cache = PackageCache.default(package_cache)
    console = _progress()
    if (package_id or version) and len(specs) > 1:
        fail("--id and --version name one folder or file; install one at a time")
    for spec in specs:
        try:
            done = install(spec, cache, registry=registry, with_dependencies=not no_deps, package_id=package_id,
                           version=version, progress=lambda message: console.print(message, markup=False))
        except PackageError as exc:
            fail(str(exc))
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


@app.command("where")
def where_command(package_cache: CacheOption = None) -> None:
    """Print the package cache folder in use."""
    typer.echo(str(PackageCache.default(package_cache).root))
