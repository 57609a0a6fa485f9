"""The package cache: where it is (option > environment > default) and what it lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.packages import PackageCache, PackageError


def _fake_package(root: Path, name: str) -> None:
    folder = root / name / "package"
    folder.mkdir(parents=True)
    package_id, _, version = name.partition("#")
    (folder / "package.json").write_text(f'{{"name": "{package_id}", "version": "{version}"}}')


@pytest.mark.parametrize(
    ("option", "env", "expected"),
    [
        ("opt", "env", "opt"),   # the option wins over the environment
        (None, "env", "env"),    # the environment wins over the default
        (None, None, "home"),    # the default: ~/.fhir/packages
        (None, "", "home"),      # an empty variable counts as unset
    ],
)
def test_default_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, option: str | None, env: str | None,
                            expected: str) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    if env is not None:
        monkeypatch.setenv("FHIR_PACKAGE_CACHE", str(tmp_path / env) if env else "")
    cache = PackageCache.default(str(tmp_path / option) if option else None)
    want = tmp_path / "home" / ".fhir" / "packages" if expected == "home" else tmp_path / expected
    assert cache.root == want


def test_default_expands_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert PackageCache.default("~/elsewhere").root == tmp_path / "elsewhere"


def test_installed_lists_only_complete_packages_sorted(cache: PackageCache) -> None:
    for name in ["b.pkg#1.10.0", "b.pkg#1.2.0", "a.pkg#2.0.0", "b.pkg#1.2.0-ballot"]:
        _fake_package(cache.root, name)
    (cache.root / "half#1.0.0" / "package").mkdir(parents=True)         # no package.json: not installed
    (cache.root / ".tmp-conformance-x" / "package").mkdir(parents=True)  # a staging folder
    (cache.root / "no-hash-sign").mkdir()
    assert cache.installed() == [("a.pkg", "2.0.0"), ("b.pkg", "1.2.0-ballot"), ("b.pkg", "1.2.0"), ("b.pkg", "1.10.0")]
    assert cache.package_dir("b.pkg", "1.2.0") == cache.root / "b.pkg#1.2.0" / "package"
    assert cache.package_dir("half", "1.0.0") is None
    assert cache.select("b.pkg", None) == "1.10.0"
    assert cache.select("b.pkg", "1.2.x") == "1.2.0"
    assert cache.select("b.pkg", "9.0.0") is None


def test_installed_on_missing_root_is_empty(tmp_path: Path) -> None:
    assert PackageCache(tmp_path / "absent").installed() == []


def test_staging_is_removed_even_on_failure(cache: PackageCache) -> None:
    with pytest.raises(RuntimeError), cache.staging() as staging:
        (staging / "x").write_text("partial")
        raise RuntimeError("boom")
    assert list(cache.root.iterdir()) == []


def test_place_keeps_an_existing_package(cache: PackageCache) -> None:
    _fake_package(cache.root, "a.pkg#1.0.0")
    with cache.staging() as staging:
        (staging / "prepared" / "package").mkdir(parents=True)
        (staging / "prepared" / "package" / "package.json").write_text('{"name": "a.pkg", "version": "1.0.0", "x": 1}')
        placed = cache.place(staging / "prepared", "a.pkg", "1.0.0")
    assert placed == cache.root / "a.pkg#1.0.0" / "package"
    assert '"x"' not in (placed / "package.json").read_text()  # the earlier install is untouched


def test_place_refuses_a_foreign_folder_in_the_way(cache: PackageCache) -> None:
    (cache.root / "a.pkg#1.0.0" / "junk").mkdir(parents=True)
    with cache.staging() as staging:
        (staging / "prepared" / "package").mkdir(parents=True)
        with pytest.raises(PackageError, match=r"a\.pkg#1\.0\.0 is in the way .*remove it and try again"):
            cache.place(staging / "prepared", "a.pkg", "1.0.0")


def test_unwritable_cache_is_a_package_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(PackageError, match="cannot write to the package cache"), PackageCache(blocker / "sub").staging():
        pass
