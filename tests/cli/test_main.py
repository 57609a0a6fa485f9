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

    modules = {p.stem for p in Path(commands.__file__).parent.glob("*.py")} - HELPERS
    registered = {entry.module.rpartition(".")[2] for entry in commands.COMMANDS.values()}
    assert modules <= registered, f"command modules not registered: {sorted(modules - registered)}"


HELPERS = {"__init__", "commands", "errors", "command_line", "publishing", "scope", "loading"}


def test_no_command_module_imports_another_command_module() -> None:
    """Commands share helpers from the helper modules (HELPERS), never from each other's module."""
    import ast
    from pathlib import Path

    folder = Path(commands.__file__).parent
    command_modules = {p.stem for p in folder.glob("*.py")} - HELPERS
    borrowed = []
    for name in sorted(command_modules):
        tree = ast.parse((folder / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("conformance.cli."):
                other = node.module.rsplit(".", 1)[1]
                if other in command_modules and other != name:
                    borrowed.append(f"{name} imports {other}")
    assert borrowed == []


def test_every_commands_format_choices_are_the_output_registry() -> None:
    from conformance.cli import check, profiles, run, validate
    from conformance.reports.outputs import registries

    choices = {"validate": validate.OutputFormat, "run": run.OutputFormat, "check": check.OutputFormat,
               "profiles list": profiles.Format, "profiles show": profiles.Format,
               "profiles coverage": profiles.Format, "profiles requirements": profiles.RequirementsFormat}
    assert {name: [f.value for f in enum] for name, enum in choices.items()} == {
        name: list(outputs) for name, outputs in registries().items()}


_HEAVY = ("dask", "distributed", "jinja2", "lxml", "cryptography", "requests", "yaml", "pydantic", "sqlite3")


def _imported_by(*argv: str) -> tuple[set[str], str]:
    """(top-level packages and conformance modules imported, stdout) of `conformance ARGV` in a fresh interpreter."""
    import json
    import subprocess

    probe = (
        "import json, sys\n"
        f"sys.argv = ['conformance', *{list(argv)!r}]\n"
        "from conformance.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "names = {m.split('.')[0] for m in sys.modules} | {m for m in sys.modules if m.startswith('conformance.')}\n"
        "sys.stderr.write('\\n' + json.dumps(sorted(names)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                          env={"COLUMNS": "200", "PATH": ""})
    return set(json.loads(done.stderr.strip().splitlines()[-1])), done.stdout


def test_help_lists_every_command_without_importing_any_command_module() -> None:
    imported, out = _imported_by("--help")
    assert not imported & set(_HEAVY), f"--help imported {sorted(imported & set(_HEAVY))}"
    assert not {m for m in imported if m.startswith("conformance.cli.")} - {"conformance.cli.commands"}
    listed = {line.strip("│ ").split(" ", 1)[0]: line.strip("│ ").split(" ", 1)[1].strip()
              for line in out.splitlines() if line.startswith("│ ") and not line.startswith("│ --")}
    assert listed == {name: entry.summary for name, entry in commands.COMMANDS.items()}


def test_validate_imports_neither_the_runner_nor_the_report_renderers() -> None:
    imported, _ = _imported_by("validate", "--help")
    for heavy in ("dask", "distributed", "jinja2", "cryptography", "requests", "sqlite3"):
        assert heavy not in imported, heavy
    # nor what only some runs need: the XML reader, workers (multiprocessing), attestations (yaml), package installs
    for lazy in ("conformance.fhir.xml_reader", "multiprocessing", "concurrent", "yaml", "zipfile"):
        assert lazy not in imported, lazy
    assert "conformance.cli.validate" in imported
    assert not {m for m in imported if m.startswith(("conformance.scenarios", "conformance.reference"))}


def test_check_imports_the_report_renderers_only_to_write_reports() -> None:
    imported, _ = _imported_by("check", "--help")
    for heavy in ("jinja2", "cryptography", "requests"):  # the HTML report, the evidence pack, the HTTP runner
        assert heavy not in imported, heavy
    assert "conformance.cli.check" in imported


def test_each_summary_in_the_index_is_the_commands_own_help() -> None:
    from typer.main import get_group

    cli._register()
    group = get_group(cli.app)
    for name, entry in commands.COMMANDS.items():
        command = group.commands[name]
        assert (command.help or "").strip().split("\n\n")[0].replace("\n", " ") == entry.summary, name


def test_a_command_not_registered_beforehand_is_loaded_when_run(monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    import typer

    fresh = typer.Typer(name="conformance", cls=commands.CommandIndex, add_completion=False)

    @fresh.callback()
    def _root() -> None:
        """Root."""

    with pytest.raises(SystemExit) as exit_info:
        fresh(["profiles", "list"], standalone_mode=True)
    assert exit_info.value.code == 0
    assert "personal-demographics" in capsys.readouterr().out


def test_a_users_mistake_raised_anywhere_is_caught_once_exit_2(monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    from conformance.cli import validate as validate_cli
    from conformance.errors import ConformanceError

    class Located(ConformanceError):
        def lines(self) -> list[str]:
            return ["2 problem(s) found", "a.yaml:3: one", "a.yaml:9: two"]

    def mistaken(*_args: object, **_kwargs: object) -> None:
        raise Located("ignored: lines() decides", hint="fix a.yaml")

    commands.register(cli.app, "validate")
    monkeypatch.setattr(validate_cli, "discover", mistaken)
    monkeypatch.setattr(sys, "argv", ["conformance", "validate", "x.json"])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == ("conformance: error: 2 problem(s) found\n  a.yaml:3: one\n  a.yaml:9: two\n"
                                       "  fix a.yaml\n")


def test_no_command_catches_a_users_mistake_itself() -> None:
    """`except SomeError: fail(str(exc))` in a command is what the root group already does: none may come back."""
    import re
    from pathlib import Path

    redundant = re.compile(r"except [^\n]+ as exc:[^\n]*\n\s+fail\(str\(exc\)\)\n")
    found = [p.name for p in Path(commands.__file__).parent.glob("*.py") if redundant.search(p.read_text())]
    assert found == []
