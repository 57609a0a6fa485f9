"""`--help` of every command fits an 80-column terminal: no option's help is cut short with an ellipsis."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import typer
import typer.rich_utils
from typer.testing import CliRunner

from conformance.cli import _register, app
from conformance.reference import FAULTS

_register()
WIDTH = "80"


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every leaf command's path (typer may carry its own copy of click: groups are known by their commands)."""
    subcommands = getattr(command, "commands", None)
    if subcommands:
        for name, sub in subcommands.items():
            yield from _commands(sub, (*path, name))
    else:
        yield path


COMMANDS = sorted(_commands(typer.main.get_command(app)))


def _help(monkeypatch: pytest.MonkeyPatch, *command: str) -> str:
    monkeypatch.setattr(typer.rich_utils, "MAX_WIDTH", None)  # $TERMINAL_WIDTH must not decide the width here
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": WIDTH, "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.output


def test_every_command_is_rendered() -> None:
    assert ("validate",) in COMMANDS and ("serve",) in COMMANDS and ("profiles", "show") in COMMANDS


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_at_80_columns_cuts_nothing_short(monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]) -> None:
    text = _help(monkeypatch, *command)
    assert max(len(line) for line in text.splitlines()) <= int(WIDTH)
    assert "…" not in text


def test_serve_help_names_every_fault_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    words = _help(monkeypatch, "serve").replace(",", " ").replace(".", " ").split()
    assert [name for name in FAULTS if name not in words] == []


def test_run_help_names_the_secret_variables_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    words = _help(monkeypatch, "run").split()
    assert "CONFORMANCE_TOKEN" in words and "CONFORMANCE_CLIENT_SECRET" in words


def test_validate_help_shows_the_hl7_spellings(monkeypatch: pytest.MonkeyPatch) -> None:
    words = {word.strip("().,;") for word in _help(monkeypatch, "validate").split()}
    assert {"-ig", "-profile", "-output"} <= words
