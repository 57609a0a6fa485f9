"""`conformance packages install | list | where` through the real CLI app (typer's CliRunner)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conformance.cli import _register, app
from conformance.packages import PackageCache

_registered = False


@pytest.fixture(scope="module")
def cli() -> Callable[..., Any]:
    global _registered
    if not _registered:
        _register()
        _registered = True
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
        return runner.invoke(app, ["packages", *args], env=env)

    return invoke


def _one_line_error(result: Any) -> str:
    """The run failed with exit 2 and exactly one error line, no traceback."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()  # progress lines may come first; the error is the last line, alone
    errors = [line for line in lines if line.startswith("conformance: error: ")]
    assert errors == lines[-1:], result.stderr
    return errors[0].removeprefix("conformance: error: ")


def test_where_follows_option_then_environment(cli: Callable, tmp_path: Path) -> None:
    env = {"FHIR_PACKAGE_CACHE": str(tmp_path / "from-env")}
    assert cli("where", env=env).stdout == f"{tmp_path / 'from-env'}\n"
    result = cli("where", "--package-cache", str(tmp_path / "from-option"), env=env)
    assert (result.exit_code, result.stdout) == (0, f"{tmp_path / 'from-option'}\n")


def test_list_text_and_json(cli: Callable, cache: PackageCache, make_tgz: Callable) -> None:
    for version in ["1.0.0", "0.9.0"]:
        assert cli("install", str(make_tgz("a.pkg", version)), "--package-cache", str(cache.root)).exit_code == 0
    text = cli("list", "--package-cache", str(cache.root))
    assert (text.exit_code, text.stdout) == (0, "a.pkg#0.9.0\na.pkg#1.0.0\n")
    listed = cli("list", "--package-cache", str(cache.root), "--format", "json")
    assert listed.exit_code == 0
    assert json.loads(listed.stdout) == {
        "cache": str(cache.root),
        "packages": [
            {"id": "a.pkg", "version": "0.9.0", "path": str(cache.root / "a.pkg#0.9.0" / "package")},
            {"id": "a.pkg", "version": "1.0.0", "path": str(cache.root / "a.pkg#1.0.0" / "package")},
        ],
    }


def test_list_of_an_empty_cache(cli: Callable, tmp_path: Path) -> None:
    result = cli("list", "--package-cache", str(tmp_path / "empty"))
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == f"no packages in {tmp_path / 'empty'}\n"


def test_install_from_the_registry_with_dependencies(cli: Callable, cache: PackageCache, registry: Any) -> None:
    registry.add("a.pkg", "1.0.0", dependencies={"b.pkg": "1.0.0"})
    registry.add("b.pkg", "1.0.0")
    result = cli("install", "a.pkg#1.0.0", "--registry", registry.url, "--package-cache", str(cache.root))
    assert (result.exit_code, result.stdout) == (0, "a.pkg#1.0.0\nb.pkg#1.0.0\n")
    assert f"installed b.pkg#1.0.0 (0 resources) into {cache.root}" in result.stderr
    no_deps = cli("install", "a.pkg#1.0.0", "--no-deps", "--package-cache", str(cache.root))
    assert (no_deps.exit_code, no_deps.stdout) == (0, "a.pkg#1.0.0\n")


def test_install_loose_folder_with_id_and_version(cli: Callable, cache: PackageCache, fixtures: Path) -> None:
    result = cli("install", str(fixtures / "loose-json"), "--id", "my.profiles", "--version", "0.2.0",
                 "--package-cache", str(cache.root))
    assert (result.exit_code, result.stdout) == (0, "my.profiles#0.2.0\n")
    assert cache.installed() == [("my.profiles", "0.2.0")]


def test_install_errors_exit_2_with_one_line(cli: Callable, cache: PackageCache, closed_port_url: str,
                                             fixtures: Path) -> None:
    root = ["--package-cache", str(cache.root)]
    assert _one_line_error(cli("install", "missing.tgz", *root)) == "missing.tgz: no such file or folder"
    assert _one_line_error(cli("install", "a.pkg#1.0.0", "--registry", closed_port_url, *root)) == (
        f"cannot install a.pkg#1.0.0: cannot reach the registry {closed_port_url}; install from a .tgz or folder instead"
    )
    assert _one_line_error(cli("install", "[/x]/[bold]y.tgz", *root)) == "[/x]/[bold]y.tgz: no such file or folder"
    assert _one_line_error(cli("install", "a", "b", "--id", "x", *root)) == (
        "--id, --version and --as name one package; install one at a time"
    )
    assert _one_line_error(cli("install", str(fixtures / "loose-json" / "notes.json"), *root)).endswith(
        "notes.json is not a FHIR resource (no resourceType)"
    )
    assert cache.installed() == []


@pytest.mark.parametrize("args", [["list", "--format", "yaml"], ["install"], ["nonsense"]])
def test_bad_arguments_exit_2(cli: Callable, args: list[str]) -> None:
    result = cli(*args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
