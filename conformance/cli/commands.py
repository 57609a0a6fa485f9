"""Registers every command group on the typer app (one module per group)."""

from __future__ import annotations

import importlib

import typer

# module name -> attribute: either a `register(app)` function or a typer sub-app `app` mounted under `name`
_GROUPS: list[tuple[str, str | None]] = [
    ("conformance.cli.validate", None),
    ("conformance.cli.packages", "packages"),
    ("conformance.cli.fhirpath", None),
    ("conformance.cli.serve", None),
    ("conformance.cli.run", None),
    ("conformance.cli.profiles", "profiles"),
]


def register(app: typer.Typer) -> None:
    for module_name, group in _GROUPS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:  # a group still being built
            if exc.name == module_name:
                continue
            raise
        if group is None:
            module.register(app)
        else:
            app.add_typer(module.app, name=group)
