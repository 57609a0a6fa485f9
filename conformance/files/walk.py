"""Folders and glob patterns → files, safely: no link can lead a walk out of, around or in circles
through a tree, and no file is reached twice.

- A folder the user names (or a literal path segment of a pattern) is followed even when it is a
  symbolic link: the user chose it.
- Below it, a symbolic link to a folder is never followed — neither by the walk nor by a wildcard
  (`*`, `**`) — so a link loop cannot hang a run and a `..` link cannot make a file be read again.
- A symbolic link to a file is taken only when the file it leads to is inside the folder walked.
- Hidden entries (names starting with `.`) are skipped, as a shell's glob does, unless the
  pattern's segment itself starts with `.`.
- `identity(path)` (the real path) is what callers de-duplicate on: `./a.json`, `a.json` and a
  link to it are one file.

Used by `validate` (`discovery.py`) and `check` (`sources.py`).
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True, slots=True)
class Unlistable:
    """A folder that could not be listed, and why."""

    path: Path
    error: OSError


def identity(path: str | os.PathLike[str]) -> str:
    """What makes two paths one file: the real path, case-folded where the file system folds case."""
    return os.path.normcase(os.path.realpath(path))


def walk_files(top: Path, *, recursive: bool = True) -> Iterator[Path | Unlistable]:
    """The files under `top` in name order (depth first), and the folders that could not be listed."""
    root = os.path.realpath(top)
    seen: set[tuple[int, int]] = set()
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            info = folder.stat()
            if (info.st_dev, info.st_ino) in seen:  # a bind mount or hard-linked folder: once only
                continue
            seen.add((info.st_dev, info.st_ino))
            with os.scandir(folder) as entries:
                listed = sorted(entries, key=lambda e: e.name)
        except OSError as exc:
            yield Unlistable(folder, exc)
            continue
        subfolders = []
        for entry in listed:
            if entry.name.startswith("."):
                continue
            kind = _kind(entry, root)
            if kind == "dir":
                if recursive:
                    subfolders.append(folder / entry.name)
            elif kind == "file":
                yield folder / entry.name
        stack.extend(reversed(subfolders))


def _kind(entry: os.DirEntry[str], root: str) -> str:
    """"dir" (a real folder), "file" (a file, or a link to a file inside `root`) or "" (anything else)."""
    try:
        if entry.is_symlink():
            if entry.is_dir():  # a linked folder: never followed
                return ""
            return "file" if entry.is_file() and _inside(os.path.realpath(entry.path), root) else ""
        if entry.is_dir(follow_symlinks=False):
            return "dir"
        return "file" if entry.is_file(follow_symlinks=False) else ""
    except OSError:
        return ""


def _inside(path: str, root: str) -> bool:
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:  # different drives
        return False


def is_pattern(arg: str) -> bool:
    return any(c in GLOB_CHARS for c in arg)


def safe_glob(pattern: str) -> list[str]:
    """`glob.glob(pattern, recursive=True)` without following linked folders below the literal part.

    Matches are files and folders (callers walk the folders), sorted, spelt as the pattern is.
    """
    absolute = os.path.isabs(pattern)
    segments = [s for s in pattern.replace(os.sep, "/").split("/") if s]
    paths = ["/" if absolute else ""]
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        found: list[str] = []
        for base in paths:
            if segment == "**":
                found.extend(_descendants(base, with_files=last))
            elif is_pattern(segment):
                found.extend(_matching(base, segment, dirs_only=not last))
            else:
                path = os.path.join(base, segment)
                if (os.path.lexists(path) if last else os.path.isdir(path)):
                    found.append(path)
        paths = list(dict.fromkeys(found))
    return sorted(p for p in paths if p not in ("", "/"))


def _listing(base: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(base or ".") as entries:
            return sorted(entries, key=lambda e: e.name)
    except OSError:
        return []


def _real_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _matching(base: str, segment: str, *, dirs_only: bool) -> Iterator[str]:
    for entry in _listing(base):
        if entry.name.startswith(".") and not segment.startswith("."):
            continue
        if not fnmatch.fnmatchcase(entry.name, segment):
            continue
        if _real_dir(entry) or (not dirs_only and not _is_linked_dir(entry)):
            yield os.path.join(base, entry.name)


def _is_linked_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_symlink() and entry.is_dir()
    except OSError:
        return False


def _descendants(base: str, *, with_files: bool) -> Iterator[str]:
    """`**`: the folder itself and every real folder below it (and their files when last)."""
    yield base
    stack = [base]
    while stack:
        folder = stack.pop()
        below = []
        for entry in _listing(folder):
            if entry.name.startswith("."):
                continue
            path = os.path.join(folder, entry.name)
            if _real_dir(entry):
                yield path
                below.append(path)
            elif with_files and not _is_linked_dir(entry):
                yield path
        stack.extend(reversed(below))
