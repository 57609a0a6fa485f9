"""`conformance profiles list | show | coverage | requirements`: what profiles there are, and what each asks and covers.

The data and its renderings live in `reports/profile_views.py`; `--format` is looked up in `reports/outputs.py`.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from conformance.cli.loading import load_named_profile, load_named_suite
from conformance.packages import PackageCache
from conformance.profiles import profile_roots
from conformance.profiles.coverage import find_specs_dir, measure
from conformance.reports.outputs import (
    PROFILES_COVERAGE_OUTPUTS,
    PROFILES_LIST_OUTPUTS,
    PROFILES_REQUIREMENTS_OUTPUTS,
    PROFILES_SHOW_OUTPUTS,
)
from conformance.reports.profile_views import describe, listing

app = typer.Typer(
    name="profiles",
    help="List conformance profiles, show one, and print its requirement catalogue.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ProfilesDirOption = Annotated[
    list[Path] | None,
    typer.Option("--profiles-dir", help="A folder of profiles to search first (repeatable; also $CONFORMANCE_PROFILES_PATH)."),
]
CacheOption = Annotated[
    Path | None,
    typer.Option("--package-cache", help="FHIR package cache (default: $FHIR_PACKAGE_CACHE or ~/.fhir/packages)."),
]
ProfileArgument = Annotated[str, typer.Argument(help="A profile id (see `conformance profiles list`) or a profile folder.")]


class Format(StrEnum):  # the names of reports.outputs.PROFILES_{LIST,SHOW,COVERAGE}_OUTPUTS (tested)
    text = "text"
    json = "json"


class RequirementsFormat(StrEnum):  # the names of reports.outputs.PROFILES_REQUIREMENTS_OUTPUTS (tested)
    text = "text"
    csv = "csv"
    json = "json"


@app.command("list")
def list_command(profiles_dir: ProfilesDirOption = None,
                 output: Annotated[Format, typer.Option("--format", "-f", help="text or json.")] = Format.text) -> None:
    """List the profiles found (user folders first, then the built-in ones)."""
    PROFILES_LIST_OUTPUTS[output.value].write(listing(profile_roots(profiles_dir or [])), sys.stdout)


@app.command("show")
def show_command(profile: ProfileArgument, profiles_dir: ProfilesDirOption = None, package_cache: CacheOption = None,
                 output: Annotated[Format, typer.Option("--format", "-f", help="text or json.")] = Format.text) -> None:
    """Show a profile: packages (and whether they are installed), inputs, scenarios, requirement coverage."""
    suite = load_named_suite(profile, profiles_dir or [])
    PROFILES_SHOW_OUTPUTS[output.value].write(describe(suite, PackageCache.default(package_cache)), sys.stdout)


@app.command("coverage")
def coverage_command(
    profile: ProfileArgument,
    specs: Annotated[Path | None, typer.Option("--specs", help="The nhs-specs folder (default: $CONFORMANCE_SPECS_DIR, else ../shared/nhs-specs).")] = None,
    profiles_dir: ProfilesDirOption = None,
    output: Annotated[Format, typer.Option("--format", "-f", help="text or json.")] = Format.text,
) -> None:
    """List each operation and response of the profile's OpenAPI specification and the requirements covering it.

    Exit 0; 1 when a requirement's source link does not resolve in the specification; 2 when the
    specification cannot be found.
    """
    p = load_named_profile(profile, profiles_dir)
    found = measure(p, find_specs_dir(specs))
    PROFILES_COVERAGE_OUTPUTS[output.value].write(found, sys.stdout)
    if found.broken:
        raise typer.Exit(1)


@app.command("requirements")
def requirements_command(
    profile: ProfileArgument,
    profiles_dir: ProfilesDirOption = None,
    output: Annotated[RequirementsFormat, typer.Option("--format", "-f", help="text, csv (the assurance sheet's columns) or json.")] = RequirementsFormat.text,
) -> None:
    """Print a profile's requirement catalogue."""
    PROFILES_REQUIREMENTS_OUTPUTS[output.value].write(load_named_profile(profile, profiles_dir), sys.stdout)


__all__ = ["app"]
