"""The built-in profiles reach a wheel: every file under profiles/ is listed in pyproject's data-files,
which install them to <prefix>/share/conformance/profiles, where `builtin_roots()` looks outside a checkout."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_every_profile_file_is_installed_as_data() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    data_files: dict[str, list[str]] = config.get("tool", {}).get("setuptools", {}).get("data-files", {})
    missing = []
    for path in sorted((REPO / "profiles").rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        rel = path.relative_to(REPO).as_posix()
        target = "share/conformance/" + path.parent.relative_to(REPO).as_posix()
        if not any(fnmatch(rel, pattern) for pattern in data_files.get(target, [])):
            missing.append(rel)
    assert missing == [], ("add to [tool.setuptools.data-files] in pyproject.toml (one entry per folder): "
                           + ", ".join(missing))
