"""Registers the command groups on the typer app (one module per group), importing only what is run.

`conformance validate x.json` imports the validate command's module alone; the scenario runner, the
reference server and their dependencies are never loaded for it, which keeps start-up short.
`conformance --help` imports no command module at all: the root group (`CommandIndex`) lists each
command with the one-line summary recorded here (a test holds each equal to the command's own help),
and loads a command's module only when that command is run. The root group also catches every
`ConformanceError` (a user's mistake, raised anywhere) once: its message, exit 2.
"""

from __future__ import annotations

import importlib
from typing import Any, NamedTuple

import typer
from typer import _click as click
from typer.core import TyperCommand, TyperGroup

from conformance.errors import ConformanceError


class Command(NamedTuple):
    module: str  # has either `register(app)` (group None) or a typer sub-app `app` mounted under `group`
    group: str | None
    summary: str  # the first line of the command's help, shown by `conformance --help`


COMMANDS: dict[str, Command] = {
    "validate": Command("conformance.cli.validate", None,
                        "Validate FHIR R4 resources (JSON, XML, NDJSON, Bundles) against the specification."),
    "fhirpath": Command("conformance.cli.fhirpath", None,
                        "Evaluate a FHIRPath expression against a resource and print each result with its location."),
    "serve": Command("conformance.cli.serve", None,
                     "Run the built-in reference FHIR R4 server until Ctrl-C, printing its base URL."),
    "run": Command("conformance.cli.run", None,
                   "Run a profile's scenarios against a FHIR server and report a verdict per requirement."),
    "check": Command("conformance.cli.check", None,
                     "Check exported files (NDJSON bulk exports, Bundles, archives) against a profile's file checks."),
    "packages": Command("conformance.cli.packages", "packages",
                        "Install and list FHIR packages in the package cache (~/.fhir/packages)."),
    "profiles": Command("conformance.cli.profiles", "profiles",
                        "List conformance profiles, show one, and print its requirement catalogue."),
    "report": Command("conformance.cli.report", "report",
                      "Verify an evidence pack (was anything changed? who signed it?), re-render its reports, countersign it."),
}

_registered: set[str] = set()


def register(app: typer.Typer, command: str | None = None) -> None:
    """Register `command`'s group, or every group (for tests that drive the app directly)."""
    wanted = [COMMANDS[command]] if command in COMMANDS else list(COMMANDS.values())
    for entry in wanted:
        if entry.module in _registered:
            continue
        _registered.add(entry.module)
        _add(app, entry)


def _add(app: typer.Typer, entry: Command) -> None:
    module = importlib.import_module(entry.module)
    if entry.group is None:
        module.register(app)
    else:
        app.add_typer(module.app, name=entry.group)


class CommandIndex(TyperGroup):
    """The root group: knows every command by name and summary, imports one only to run it or show its help."""

    _listing = False  # True while the root's own help is being written

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(dict.fromkeys([*COMMANDS, *super().list_commands(ctx)]))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        entry = COMMANDS.get(cmd_name)
        if found is not None or entry is None:
            return found
        if self._listing:  # a line of the root's help: name and summary, nothing imported
            return TyperCommand(name=cmd_name, help=entry.summary)
        holder = typer.Typer()
        _add(holder, entry)
        loaded = typer.main.get_group(holder).get_command(ctx, cmd_name)
        if loaded is not None:
            self.add_command(loaded, cmd_name)
        return loaded

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a user's mistake (`ConformanceError`), wherever raised, is caught here, once: exit 2."""
        try:
            return super().invoke(ctx)
        except ConformanceError as exc:
            from conformance.cli.errors import user_error

            user_error(exc)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False
