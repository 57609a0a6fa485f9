"""Turn the paths a user typed (files, folders, glob patterns) into the files to read.

The result is deterministic (sorted, duplicates removed) so runs and reports are reproducible.
Nothing here raises for a user's mistake: a path that does not exist, a pattern that matches
nothing, a folder with no FHIR files or a folder that cannot be listed comes back as
(path, reason), which the CLI turns into exit code 2.

Rules:
- a file named explicitly, or matched by a pattern, is taken whatever its extension (the user
  chose it; the reader reports it if it is not FHIR);
- a folder (named, or matched by a pattern) contributes the files with a FHIR extension
  (`.json`, `.xml`, `.ndjson`, `.jsonl`, any case), recursively unless told otherwise,
  skipping hidden entries (names starting with `.`) and never following a symbolic link to a
  folder inside it (`walk.py`: loops and `..` links cannot make a walk endless or repeat it);
- patterns use `glob` syntax with `**` for any depth; hidden entries are not matched;
- a file reached by several paths (links, `./a.json` and `a.json`) is read once.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from conformance.files.walk import Unlistable, identity, is_pattern, safe_glob, walk_files

FHIR_EXTENSIONS = frozenset({".json", ".xml", ".ndjson", ".jsonl"})


def discover(paths: Sequence[str], *, recursive: bool = True) -> tuple[list[Path], list[tuple[str, str]]]:
    """The files to read, sorted and unique, and (path, reason) for each argument that yields none."""
    found: dict[str, Path] = {}
    problems: list[tuple[str, str]] = []
    for arg in paths:
        if is_pattern(arg) and not os.path.lexists(arg):
            count = 0
            for match in safe_glob(arg):
                if os.path.isdir(match):
                    count += _walk(Path(match), recursive, found, problems)
                elif os.path.isfile(match):
                    _add(Path(match), found)
                    count += 1
            if count == 0:
                problems.append((arg, "no file matches this pattern"))
            continue
        path = Path(arg)
        if path.is_dir():
            problem_count = len(problems)
            if _walk(path, recursive, found, problems) == 0 and len(problems) == problem_count:
                problems.append((arg, "no FHIR files (.json, .xml, .ndjson, .jsonl) in this folder"))
        elif path.exists() or path.is_symlink():
            _add(path, found)  # a broken link or unreadable file is the reader's to report
        else:
            problems.append((arg, "no such file or directory"))
    files = sorted(found.values(), key=lambda p: str(p))
    return files, problems


def _add(path: Path, found: dict[str, Path]) -> None:
    found.setdefault(identity(path), path)


def _walk(top: Path, recursive: bool, found: dict[str, Path], problems: list[tuple[str, str]]) -> int:
    """Add the FHIR files under `top` and count them; folders that cannot be listed become problems."""
    count = 0
    for item in walk_files(top, recursive=recursive):
        if isinstance(item, Unlistable):
            problems.append((str(item.path), f"cannot list this folder: {item.error.strerror or item.error}"))
        elif os.path.splitext(item.name)[1].lower() in FHIR_EXTENSIONS:
            _add(item, found)
            count += 1
    return count
