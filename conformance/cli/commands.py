"""Registers the command groups on the typer app (one module per group), importing only what is run.

`conformance validate x.json` imports the validate command's module alone; the scenario runner, the
reference server and their dependencies are never loaded for it, which keeps start-up short.
"""

from __future__ import annotations

import importlib

import typer

# command name -> (module, sub-app name): the module has either `register(app)` (sub-app None) or a typer
# sub-app `app` mounted under that name
COMMANDS: dict[str, tuple[str, str | None]] = {
    "validate": ("conformance.cli.validate", None),
    "packages": ("conformance.cli.packages", "packages"),
    "fhirpath": ("conformance.cli.fhirpath", None),
    "serve": ("conformance.cli.serve", None),
    "run": ("conformance.cli.run", None),
    "profiles": ("conformance.cli.profiles", "profiles"),
    "report": ("conformance.cli.report", "report"),
    "check": ("conformance.cli.check", None),
}

_registered: set[str] = set()


def register(app: typer.Typer, command: str | None = None) -> None:
    """Register `command`'s group, or every group (for `--help`, an unknown command, and tests)."""
    wanted = [COMMANDS[command]] if command in COMMANDS else list(COMMANDS.values())
    for module_name, group in wanted:
        if module_name in _registered:
            continue
        _registered.add(module_name)
        module = importlib.import_module(module_name)
        if group is None:
            module.register(app)
        else:
            app.add_typer(module.app, name=group)
