"""Installing into the cache: from a local registry over HTTP, .tgz files, folders and single files."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from conformance.packages import (
    PackageCache,
    PackageError,
    index,
    install,
    install_together,
    load_packages,
    registry,
    tarball,
)


def _cache_listing(cache: PackageCache) -> list[str]:
    return sorted(p.name for p in cache.root.iterdir()) if cache.root.exists() else []


# -- from the registry ------------------------------------------------------------------------


def test_dependency_chain_from_the_registry(cache: PackageCache, registry: Any, make_sd: Callable) -> None:
    registry.add("a.pkg", "1.0.0", {"StructureDefinition-a.json": make_sd("http://x/a")}, dependencies={"b.pkg": "^1.0.0"})
    registry.add("b.pkg", "1.0.0")
    registry.add("b.pkg", "1.1.0", dependencies={"c.pkg": "2.0.0", "a.pkg": "1.0.0"})
    registry.add("c.pkg", "2.0.0")
    registry.add("c.pkg", "3.0.0")
    messages: list[str] = []
    done = install("a.pkg#1.0.0", cache, registry=registry.url, progress=messages.append)
    assert done == [("a.pkg", "1.0.0"), ("b.pkg", "1.1.0"), ("c.pkg", "2.0.0")]
    assert cache.installed() == done
    assert _cache_listing(cache) == ["a.pkg#1.0.0", "b.pkg#1.1.0", "c.pkg#2.0.0"]  # no staging left behind
    assert (cache.root / "a.pkg#1.0.0" / ".conformance" / "index-v1.json").is_file()  # indexed at install
    assert registry.requests == ["/a.pkg", "/a.pkg/1.0.0", "/b.pkg", "/b.pkg/1.1.0", "/c.pkg", "/c.pkg/2.0.0"]
    assert f"installed c.pkg#2.0.0 (0 resources) into {cache.root}" in messages


def test_already_installed_needs_no_registry(cache: PackageCache, registry: Any) -> None:
    registry.add("a.pkg", "1.0.0")
    install("a.pkg#1.0.0", cache, registry=registry.url)
    registry.requests.clear()
    assert install("a.pkg#1.0.0", cache, registry=registry.url) == [("a.pkg", "1.0.0")]
    assert install("a.pkg", cache, registry=registry.url) == [("a.pkg", "1.0.0")]  # any installed version will do
    assert registry.requests == []


def test_no_version_takes_the_registry_latest(cache: PackageCache, registry: Any) -> None:
    registry.add("a.pkg", "1.0.0")
    registry.add("a.pkg", "1.2.0")
    assert install("a.pkg", cache, registry=registry.url) == [("a.pkg", "1.2.0")]


def test_registry_from_the_environment(cache: PackageCache, registry: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    registry.add("a.pkg", "1.0.0")
    monkeypatch.setenv("FHIR_PACKAGE_REGISTRY", registry.url + "/")
    assert install("a.pkg#1.0.0", cache) == [("a.pkg", "1.0.0")]
    assert registry.requests == ["/a.pkg", "/a.pkg/1.0.0"]


def test_a_missing_dependency_is_named_and_the_install_rolled_back(cache: PackageCache, registry: Any) -> None:
    registry.add("a.pkg", "1.0.0", dependencies={"b.pkg": "1.0.0"})
    registry.add("b.pkg", "1.0.0", dependencies={"gone.pkg": "1.0.0"})
    registry.add("kept.pkg", "1.0.0")
    install("kept.pkg#1.0.0", cache, registry=registry.url)
    with pytest.raises(PackageError) as caught:
        install("a.pkg#1.0.0", cache, registry=registry.url)
    assert str(caught.value) == (
        "a.pkg#1.0.0 was not installed: b.pkg#1.0.0 needs gone.pkg#1.0.0, which could not be installed: "
        f"cannot install gone.pkg#1.0.0: the registry {registry.url} has no package gone.pkg; check the id"
    )
    assert cache.installed() == [("kept.pkg", "1.0.0")]  # a.pkg and b.pkg removed again, what was there kept
    assert _cache_listing(cache) == ["kept.pkg#1.0.0"]  # and no staging folder left behind


def test_no_deps_installs_only_the_package(cache: PackageCache, registry: Any) -> None:
    registry.add("a.pkg", "1.0.0", dependencies={"gone.pkg": "1.0.0"})
    assert install("a.pkg#1.0.0", cache, registry=registry.url, with_dependencies=False) == [("a.pkg", "1.0.0")]


def test_unknown_version_lists_what_the_registry_has(cache: PackageCache, registry: Any) -> None:
    registry.add("a.pkg", "1.0.0")
    registry.add("a.pkg", "1.1.0")
    with pytest.raises(PackageError, match=r"has no version 2\.0\.0 of a\.pkg \(it has: 1\.0\.0, 1\.1\.0\)"):
        install("a.pkg#2.0.0", cache, registry=registry.url)


def test_checksum_mismatch_installs_nothing(cache: PackageCache, registry: Any) -> None:
    registry.add("a.pkg", "1.0.0")
    registry.shasums[("a.pkg", "1.0.0")] = "0" * 40
    with pytest.raises(PackageError, match="does not match the registry's checksum"):
        install("a.pkg#1.0.0", cache, registry=registry.url)
    assert _cache_listing(cache) == []


def test_unreachable_registry_fails_with_the_clear_message(cache: PackageCache, closed_port_url: str) -> None:
    messages: list[str] = []
    with pytest.raises(PackageError) as caught:
        install("a.pkg#1.0.0", cache, registry=closed_port_url, progress=messages.append)
    expected = f"cannot reach the registry {closed_port_url}; install from a .tgz or folder instead"
    assert str(caught.value) == f"cannot install a.pkg#1.0.0: {expected}"
    assert messages == [f"asking {closed_port_url} for a.pkg#1.0.0"]
    assert _cache_listing(cache) == []


def test_registry_calls_use_short_timeouts_and_one_retry() -> None:
    calls: list[tuple[str, Any]] = []

    class Refusing(requests.Session):
        def get(self, url: str, **kwargs: Any) -> requests.Response:  # type: ignore[override]
            calls.append((url, kwargs["timeout"]))
            raise requests.ConnectTimeout("no answer")

    client = registry.Registry("http://registry.invalid", session=Refusing())
    with pytest.raises(PackageError, match=r"^cannot reach the registry http://registry\.invalid; install from"):
        client.metadata("a.pkg")
    assert calls == [("http://registry.invalid/a.pkg", (3.05, 30.0))] * 2


# -- atomicity ------------------------------------------------------------------------------


def _fail_while_unpacking(monkeypatch: pytest.MonkeyPatch) -> None:
    original = tarball.unpack

    def partial(tgz: Path, dest: Path) -> Path:
        content = original(tgz, dest)
        (content / "half-written.json").write_text('{"resourceType": ')
        raise OSError("disk full")

    monkeypatch.setattr(tarball, "unpack", partial)


def _fail_while_indexing(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(root: Path) -> Any:
        raise KeyboardInterrupt  # as if the user pressed Ctrl-C just before the package went live

    monkeypatch.setattr(index, "load_sealed", broken)


@pytest.mark.parametrize("fail", [_fail_while_unpacking, _fail_while_indexing])
def test_interrupted_install_leaves_nothing(cache: PackageCache, registry: Any, monkeypatch: pytest.MonkeyPatch,
                                            fail: Callable[[pytest.MonkeyPatch], None]) -> None:
    registry.add("a.pkg", "1.0.0", {"ValueSet-v.json": {"resourceType": "ValueSet", "id": "v"}})
    fail(monkeypatch)
    with pytest.raises((OSError, KeyboardInterrupt)):
        install("a.pkg#1.0.0", cache, registry=registry.url)
    assert cache.installed() == []
    assert _cache_listing(cache) == []  # not even a staging folder


# -- from .tgz files ------------------------------------------------------------------------------


@pytest.mark.parametrize("top", ["package", "", "some-folder"])
def test_tgz_layouts(cache: PackageCache, make_tgz: Callable, make_sd: Callable, top: str) -> None:
    tgz = make_tgz("t.pkg", "0.1.0", {"StructureDefinition-p.json": make_sd("http://x/p")}, top=top)
    assert install(str(tgz), cache) == [("t.pkg", "0.1.0")]
    folder = cache.package_dir("t.pkg", "0.1.0")
    assert folder is not None
    assert sorted(p.name for p in folder.iterdir()) == ["StructureDefinition-p.json", "package.json"]


def test_tgz_with_a_path_outside_is_refused(cache: PackageCache, make_tgz: Callable, tmp_path: Path) -> None:
    tgz = make_tgz("t.pkg", "0.1.0", extra={"package/../../escaped.json": b"{}"})
    with pytest.raises(PackageError, match="is not a readable package tarball"):
        install(str(tgz), cache)
    assert not (tmp_path / "escaped.json").exists() and not (cache.root / "escaped.json").exists()
    assert _cache_listing(cache) == []


def _tar_without_manifest() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("package/x.json")
        info.size = 2
        archive.addfile(info, io.BytesIO(b"{}"))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"not a tarball", "is not a readable package tarball"), (_tar_without_manifest(), "holds no package.json")],
)
def test_broken_tgz(cache: PackageCache, tmp_path: Path, content: bytes, message: str) -> None:
    tgz = tmp_path / "bad.tgz"
    tgz.write_bytes(content)
    with pytest.raises(PackageError, match=message):
        install(str(tgz), cache)
    assert _cache_listing(cache) == []


def test_tgz_that_is_not_the_named_package(cache: PackageCache, make_tgz: Callable) -> None:
    tgz = make_tgz("t.pkg", "0.1.0")
    with pytest.raises(PackageError, match=r"holds t\.pkg#0\.1\.0, not other\.pkg#0\.1\.0"):
        install(str(tgz), cache, package_id="other.pkg")


def test_packages_that_depend_on_each_other_install_together_from_files(
        cache: PackageCache, make_tgz: Callable, closed_port_url: str) -> None:
    """HL7 Terminology and the extensions pack depend on each other: from files, offline, neither installs
    alone (its dependency is fetched from a registry that cannot be reached); named together, both do."""
    tho = make_tgz("hl7.terminology.r4", "7.0.1", dependencies={"hl7.fhir.uv.extensions.r4": "5.2.0"})
    ext = make_tgz("hl7.fhir.uv.extensions.r4", "5.2.0", dependencies={"hl7.terminology.r4": "7.0.1"})
    with pytest.raises(PackageError, match="needs hl7.fhir.uv.extensions.r4#5.2.0, which could not be installed"):
        install(str(tho), cache, registry=closed_port_url)
    assert cache.installed() == []
    done = install_together([str(tho), str(ext)], cache, registry=closed_port_url)
    assert done == [("hl7.terminology.r4", "7.0.1"), ("hl7.fhir.uv.extensions.r4", "5.2.0")]
    assert cache.installed() == [("hl7.fhir.uv.extensions.r4", "5.2.0"), ("hl7.terminology.r4", "7.0.1")]


def test_installing_together_is_all_or_nothing(cache: PackageCache, make_tgz: Callable, closed_port_url: str,
                                               tmp_path: Path) -> None:
    a = make_tgz("a.pkg", "1.0.0")
    b = make_tgz("b.pkg", "1.0.0", dependencies={"gone.pkg": "1.0.0"})
    with pytest.raises(PackageError, match="b.pkg#1.0.0 needs gone.pkg#1.0.0"):
        install_together([str(a), str(b)], cache, registry=closed_port_url)
    with pytest.raises(PackageError, match="no such file or folder"):
        install_together([str(a), str(tmp_path / "missing.tgz")], cache, registry=closed_port_url)
    assert _cache_listing(cache) == []


def test_tgz_dependencies_come_from_the_registry(cache: PackageCache, make_tgz: Callable, registry: Any) -> None:
    registry.add("dep.pkg", "1.0.0")
    tgz = make_tgz("t.pkg", "0.1.0", dependencies={"dep.pkg": "1.0.0", "hl7.fhir.r5.core": "5.0.0"})
    messages: list[str] = []
    assert install(str(tgz), cache, registry=registry.url, progress=messages.append) == [
        ("t.pkg", "0.1.0"), ("dep.pkg", "1.0.0")
    ]
    assert "skipping hl7.fhir.r5.core#5.0.0 (needed by t.pkg#0.1.0): it belongs to another FHIR release" in messages


# -- from folders and files ----------------------------------------------------------------------


def test_published_package_folder_is_copied_as_is(cache: PackageCache, fixtures: Path) -> None:
    assert install(str(fixtures / "example-package"), cache, with_dependencies=False) == [("example.fhir.demo", "1.0.0")]
    folder = cache.package_dir("example.fhir.demo", "1.0.0")
    assert folder is not None and (folder / "example" / "Patient-example.json").is_file()
    assert [e.id for e in index.load_sealed(folder).entries] == ["demo-colours", "demo-patient", "demo-colours"]


@pytest.mark.parametrize(
    ("options", "expected"),
    [({}, ("loose-json", "0.0.0-local")), ({"package_id": "my.loose", "version": "0.1.0"}, ("my.loose", "0.1.0"))],
)
def test_loose_json_folder_gets_a_manifest(cache: PackageCache, fixtures: Path, options: dict, expected: tuple) -> None:
    assert install(str(fixtures / "loose-json"), cache, **options) == [expected]
    folder = cache.package_dir(*expected)
    assert folder is not None
    manifest = json.loads((folder / "package.json").read_text())
    assert (manifest["name"], manifest["version"], manifest["dependencies"]) == (*expected, {})


def test_loose_xml_folder_is_flattened(cache: PackageCache, fixtures: Path) -> None:
    install(str(fixtures / "loose-xml"), cache, package_id="loose.xml", version="1.0.0")
    folder = cache.package_dir("loose.xml", "1.0.0")
    assert folder is not None
    assert sorted(p.name for p in folder.iterdir()) == [
        "StructureDefinition-demo-encounter.xml", "ValueSet-demo-kind.xml", "package.json", "xxe.xml"
    ]
    loaded = load_packages(["loose.xml#1.0.0"], cache, include_core=False).packages[0]
    assert [e.filename for e in loaded.entries] == ["StructureDefinition-demo-encounter.xml", "ValueSet-demo-kind.xml"]


def test_source_folder_keeps_its_manifest_and_is_flattened(cache: PackageCache, tmp_path: Path, make_sd: Callable) -> None:
    source = tmp_path / "source"
    (source / "profiles").mkdir(parents=True)
    (source / "package.json").write_text('{"name": "src.pkg", "version": "3.0.0", "dependencies": {}}')
    (source / "profiles" / "p.json").write_text(json.dumps(make_sd("http://x/p")))
    assert install(str(source), cache) == [("src.pkg", "3.0.0")]
    assert sorted(p.name for p in (cache.root / "src.pkg#3.0.0" / "package").iterdir()) == ["p.json", "package.json"]
    with pytest.raises(PackageError, match=r"is src\.pkg#3\.0\.0 by its package\.json; --id and --version only name"):
        install(str(source), PackageCache(tmp_path / "other"), version="9.9.9")


def test_folder_without_resources_is_refused(cache: PackageCache, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(PackageError, match="holds no FHIR resources"):
        install(str(tmp_path / "empty"), cache)
    assert _cache_listing(cache) == []


@pytest.mark.parametrize(
    ("relative", "expected_id"),
    [("loose-json/StructureDefinition-demo-observation.json", "structuredefinition-demo-observation"),
     ("loose-xml/StructureDefinition-demo-encounter.xml", "structuredefinition-demo-encounter")],
)
def test_single_resource_file(cache: PackageCache, fixtures: Path, relative: str, expected_id: str) -> None:
    assert install(str(fixtures / relative), cache) == [(expected_id, "0.0.0-local")]
    folder = cache.package_dir(expected_id, "0.0.0-local")
    assert folder is not None
    assert sorted(p.name for p in folder.iterdir()) == sorted(["package.json", Path(relative).name])


@pytest.mark.parametrize(
    ("spec", "options", "message"),
    [
        ("missing.tgz", {}, "missing.tgz: no such file or folder"),
        ("some/where", {}, "some/where: no such file or folder"),
        ("bad id!", {}, "'bad id!' (from bad id!) is not a valid package id"),
        ("a.pkg#1.0.0", {"package_id": "x"}, "--id and --version only name a folder or file without package.json"),
        ("LOOSE/notes.json", {}, "notes.json is not a FHIR resource (no resourceType)"),
        ("LOOSE/broken.json", {}, "broken.json: not valid JSON"),
        ("LOOSE", {"package_id": "Bad/Id"}, "'Bad/Id' (from --id) is not a valid package id"),
        ("LOOSE", {"version": "1 0"}, "'1 0' (from --version) is not a valid package version"),
    ],
)
def test_bad_specs(cache: PackageCache, fixtures: Path, spec: str, options: dict, message: str) -> None:
    spec = spec.replace("LOOSE", str(fixtures / "loose-json"))
    with pytest.raises(PackageError) as caught:
        install(spec, cache, **options)
    assert message in str(caught.value)
    assert _cache_listing(cache) == []


def test_copies_are_independent_of_the_source(cache: PackageCache, fixtures: Path, tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(fixtures / "loose-json", source)
    install(str(source), cache)
    shutil.rmtree(source)
    package = load_packages(["src"], cache, include_core=False).packages[0]
    assert package.load(package.entries[0])["id"] == "demo-observation"


def test_unreadable_source_file_is_a_package_error(cache: PackageCache, fixtures: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(source: Any, target: Any) -> None:
        raise PermissionError(13, "Permission denied", str(source))

    monkeypatch.setattr(shutil, "copy2", denied)
    with pytest.raises(PackageError) as caught:
        install(str(fixtures / "loose-json"), cache)
    assert str(caught.value) == f"cannot copy {fixtures / 'loose-json'} into the package cache: Permission denied"
    assert _cache_listing(cache) == []
