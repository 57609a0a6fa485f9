"""discover(): files, folders and patterns → sorted unique files, and (path, reason) for what yields none."""

from __future__ import annotations

import builtins
import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from conformance.fhir.read import read_file
from conformance.files import discovery
from conformance.files.discovery import discover

TREE = [
    "a.json", "b.xml", "c.ndjson", "d.jsonl", "E.JSON", "notes.txt", "image.png", ".hidden.json",
    ".git/objects/x.json", "sub/g.xml", "sub/deep/f.json", "sub/deep/readme.md", "sub/.cache/h.json",
]


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of exports; the working directory is tmp_path so relative paths are short."""
    root = tmp_path / "exports"
    for rel in TREE:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('{"resourceType": "Patient"}')
    monkeypatch.chdir(tmp_path)
    return root


def names(paths: list[Path]) -> list[str]:
    return [p.as_posix() for p in paths]


def test_folder_is_walked_recursively_for_fhir_extensions_skipping_hidden(tree: Path) -> None:
    files, problems = discover(["exports"])
    assert names(files) == [
        "exports/E.JSON", "exports/a.json", "exports/b.xml", "exports/c.ndjson", "exports/d.jsonl",
        "exports/sub/deep/f.json", "exports/sub/g.xml",
    ]
    assert problems == []


def test_not_recursive(tree: Path) -> None:
    files, _ = discover(["exports"], recursive=False)
    assert names(files) == ["exports/E.JSON", "exports/a.json", "exports/b.xml", "exports/c.ndjson", "exports/d.jsonl"]


def test_named_files_are_taken_whatever_their_extension(tree: Path) -> None:
    files, problems = discover(["exports/notes.txt", "exports/.hidden.json", "exports/a.json"])
    assert names(files) == ["exports/.hidden.json", "exports/a.json", "exports/notes.txt"]
    assert problems == []


def test_absolute_paths_are_kept_absolute(tree: Path) -> None:
    files, _ = discover([str(tree / "sub")])
    assert files == [tree / "sub" / "deep" / "f.json", tree / "sub" / "g.xml"]


def test_duplicates_are_removed_and_order_is_sorted(tree: Path) -> None:
    files, problems = discover(["exports/sub/g.xml", "exports", "./exports/a.json", "exports/sub", "exports"])
    assert names(files) == [
        "exports/E.JSON", "exports/a.json", "exports/b.xml", "exports/c.ndjson", "exports/d.jsonl",
        "exports/sub/deep/f.json", "exports/sub/g.xml",
    ]
    assert problems == []


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [  # patterns are case-sensitive, as the shell's are
        ("exports/*.json", ["exports/a.json"]),
        ("exports/**/*.json", ["exports/a.json", "exports/sub/deep/f.json"]),
        ("exports/**/*.[jx]*", ["exports/a.json", "exports/b.xml", "exports/d.jsonl",
                                "exports/sub/deep/f.json", "exports/sub/g.xml"]),
        ("exports/*.txt", ["exports/notes.txt"]),
        ("exports/s?b", ["exports/sub/deep/f.json", "exports/sub/g.xml"]),  # a folder matched: walked
        ("exports/**", ["exports/E.JSON", "exports/a.json", "exports/b.xml", "exports/c.ndjson", "exports/d.jsonl",
                        "exports/image.png", "exports/notes.txt", "exports/sub/deep/f.json",
                        "exports/sub/deep/readme.md", "exports/sub/g.xml"]),
    ],
)
def test_glob_patterns(tree: Path, pattern: str, expected: list[str]) -> None:
    files, problems = discover([pattern])
    assert (names(files), problems) == (expected, [])


def test_what_yields_nothing_is_reported_and_the_rest_still_found(tree: Path) -> None:
    (tree / "empty").mkdir()
    (tree / "only-text").mkdir()
    (tree / "only-text" / "x.csv").write_text("a,b")
    files, problems = discover(["missing.json", "exports/*.yaml", "exports/empty", "exports/only-text", "exports/b.xml"])
    assert names(files) == ["exports/b.xml"]
    assert problems == [
        ("missing.json", "no such file or directory"),
        ("exports/*.yaml", "no file matches this pattern"),
        ("exports/empty", "no FHIR files (.json, .xml, .ndjson, .jsonl) in this folder"),
        ("exports/only-text", "no FHIR files (.json, .xml, .ndjson, .jsonl) in this folder"),
    ]


def test_a_literal_path_with_glob_characters_is_a_path(tree: Path) -> None:
    odd = tree / "odd[1].json"
    odd.write_text("{}")
    files, problems = discover(["exports/odd[1].json"])
    assert (names(files), problems) == (["exports/odd[1].json"], [])


def test_unlistable_folder_is_reported_not_raised(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_scandir = os.scandir
    locked = tree / "sub" / "deep"

    def scandir(path: object) -> object:
        if Path(str(path)).resolve() == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(discovery.os, "scandir", scandir)
    files, problems = discover(["exports/sub"])
    assert names(files) == ["exports/sub/g.xml"]
    assert problems == [("exports/sub/deep", "cannot list this folder: Permission denied")]


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_chmod_000_folder_is_reported(tree: Path, ordinary_user: Callable[[], AbstractContextManager[None]]) -> None:
    """Run as an ordinary user even under root (which lists folders whatever their mode)."""
    tree.parent.chmod(0o755)  # the working folder (tmp_path), entered by the relative paths below
    locked = tree / "sub" / "deep"
    locked.chmod(0)
    try:
        with ordinary_user():
            files, problems = discover(["exports/sub"])
            readable, none = discover(["exports/sub/g.xml"])
    finally:
        locked.chmod(0o755)
    assert (names(readable), none) == (["exports/sub/g.xml"], [])  # the user reaches the tree: only the mode bites
    assert names(files) == ["exports/sub/g.xml"]
    assert problems == [("exports/sub/deep", "cannot list this folder: Permission denied")]


symlinks = pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")


SUB = {"exports/sub/deep/f.json", "exports/sub/g.xml"}
EVERYTHING = {"exports/E.JSON", "exports/a.json", "exports/b.xml", "exports/c.ndjson", "exports/d.jsonl",
              "exports/image.png", "exports/notes.txt", "exports/sub/deep/f.json", "exports/sub/deep/readme.md",
              "exports/sub/g.xml"}


@symlinks
@pytest.mark.parametrize(("arg", "expected"), [
    ("exports/sub", SUB),
    ("exports/sub/**", SUB | {"exports/sub/deep/readme.md"}),  # a file matched by a pattern: any extension
    ("exports/sub/**/*.json", {"exports/sub/deep/f.json"}),
    ("exports/**/*", EVERYTHING),
])
def test_a_link_loop_is_never_followed_by_a_walk_or_a_glob(tree: Path, arg: str, expected: set[str]) -> None:
    (tree / "sub" / "loop").symlink_to(tree / "sub", target_is_directory=True)
    (tree / "sub" / "deep" / "up").symlink_to("..", target_is_directory=True)
    files, problems = discover([arg])
    assert sorted(names(files)) == sorted(expected)  # each once, none through a link
    assert problems == []


@symlinks
def test_a_link_out_of_the_tree_is_not_followed_and_a_file_reached_twice_is_read_once(tree: Path,
                                                                                       tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.json").write_text("{}")
    (tree / "sub" / "out").symlink_to(outside, target_is_directory=True)
    (tree / "sub" / "leak.json").symlink_to(outside / "secret.json")
    (tree / "sub" / "again.json").symlink_to(tree / "sub" / "deep" / "f.json")
    files, problems = discover(["exports/sub", "exports/sub/deep/f.json", "./exports/sub/deep/f.json"])
    assert names(files) == ["exports/sub/again.json", "exports/sub/g.xml"]  # again.json is deep/f.json: once
    assert problems == []


@symlinks
def test_a_folder_the_user_names_is_followed_even_when_it_is_a_link(tree: Path, tmp_path: Path) -> None:
    (tmp_path / "alias").symlink_to(tree / "sub", target_is_directory=True)
    files, _ = discover(["alias"])
    assert names(files) == ["alias/deep/f.json", "alias/g.xml"]


def test_folder_with_an_unreadable_file(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file is discovered; reading it gives file.unreadable; the other files still read.

    chmod 000 does not stop root, so when the tests run as root the refusal is simulated.
    """
    locked = tree / "sub" / "deep" / "f.json"
    locked.chmod(0)
    if os.geteuid() == 0:
        real_open = builtins.open

        def fake_open(file: object, *args: object, **kwargs: object) -> object:
            if Path(str(file)).resolve() == locked.resolve():
                raise PermissionError(13, "Permission denied", str(file))
            return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

        monkeypatch.setattr(builtins, "open", fake_open)
    try:
        files, problems = discover(["exports/sub"])
        assert (names(files), problems) == (["exports/sub/deep/f.json", "exports/sub/g.xml"], [])
        outcomes = [[(i.code, i.message) for r in read_file(f) for i in r.issues] for f in files]
    finally:
        locked.chmod(0o644)
    assert outcomes == [[("file.unreadable", "cannot read the file: Permission denied")], []]
