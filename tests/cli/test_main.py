"""The console entry point: lazy registration, and our own bugs reported as such (exit 2, no traceback)."""

from __future__ import annotations

import sys

import pytest

from conformance import cli
from conformance.cli import commands


def test_an_internal_error_is_reported_as_a_bug_with_exit_2(monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    from conformance.cli import validate as validate_cli

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    commands.register(cli.app, "validate")
    monkeypatch.setattr(validate_cli, "discover", broken)
    monkeypatch.setattr(sys, "argv", ["conformance", "validate", "x.json"])
    monkeypatch.delenv("CONFORMANCE_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "conformance: internal error: RuntimeError: boom" in err
    assert "please report it" in err
    assert "Traceback" not in err


def test_every_command_module_is_known_to_the_registry() -> None:
    from pathlib import Path

    helpers = {"__init__", "commands", "errors", "command_line", "publishing", "scope"}
    modules = {p.stem for p in Path(commands.__file__).parent.glob("*.py")} - helpers
    registered = {module.rpartition(".")[2] for module, _ in commands.COMMANDS.values()}
    assert modules <= registered, f"command modules not registered: {sorted(modules - registered)}"
