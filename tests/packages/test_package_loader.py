"""Loading packages for resolution: order, dependencies, canonical lookup, in-place folders and files."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance.packages import PackageCache, PackageError, index, install, load_packages, tarball

VS = "http://x/ValueSet/shared"


@pytest.fixture
def add(cache: PackageCache, make_tgz: Callable) -> Callable[..., None]:
    """Install a package built on the fly into the test cache (no dependencies fetched)."""

    def add_package(package_id: str, version: str, resources: dict[str, Any] | None = None, **options: Any) -> None:
        install(str(make_tgz(package_id, version, resources, **options)), cache, with_dependencies=False)

    return add_package


@pytest.fixture
def core(add: Callable, make_sd: Callable) -> None:
    """A stand-in hl7.fhir.r4.core#4.0.1 with a Patient definition."""
    patient = make_sd("http://hl7.org/fhir/StructureDefinition/Patient", version="4.0.1") | {"derivation": "specialization"}
    add("hl7.fhir.r4.core", "4.0.1", {"StructureDefinition-Patient.json": patient})


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    original = index.read_bytes

    def counting(path: Path) -> bytes:
        seen.append(path.name)
        return original(path)

    monkeypatch.setattr(index, "read_bytes", counting)
    return seen


def _vs(version: str, marker: str) -> dict[str, Any]:
    return {"resourceType": "ValueSet", "id": "shared", "url": VS, "version": version, "title": marker}


def test_dependencies_breadth_first_and_deduplicated(cache: PackageCache, add: Callable, core: None) -> None:
    add("a.pkg", "1.0.0", dependencies={"b.pkg": "1.0.0", "c.pkg": "^2.0.0"})
    add("b.pkg", "1.0.0", dependencies={"d.pkg": "1.0.0", "hl7.fhir.r4.core": "4.0.1"})
    add("c.pkg", "2.0.0", dependencies={"d.pkg": "1.0.0"})
    add("c.pkg", "2.5.0", dependencies={"d.pkg": "1.0.0"})
    add("d.pkg", "1.0.0")
    loaded = load_packages(["a.pkg#1.0.0"], cache)
    assert loaded.ids() == ["a.pkg#1.0.0", "b.pkg#1.0.0", "c.pkg#2.5.0", "d.pkg#1.0.0", "hl7.fhir.r4.core#4.0.1"]
    assert loaded.warnings == []


def test_core_is_added_last_unless_excluded(cache: PackageCache, add: Callable, core: None) -> None:
    add("a.pkg", "1.0.0")
    assert load_packages(["a.pkg"], cache).ids() == ["a.pkg#1.0.0", "hl7.fhir.r4.core#4.0.1"]
    assert load_packages(["a.pkg"], cache, include_core=False).ids() == ["a.pkg#1.0.0"]
    assert load_packages([], cache).ids() == ["hl7.fhir.r4.core#4.0.1"]


def test_bare_id_loads_the_highest_installed(cache: PackageCache, add: Callable) -> None:
    for version in ["1.2.0", "1.10.0", "1.9.0"]:
        add("a.pkg", version)
    assert load_packages(["a.pkg"], cache, include_core=False).ids() == ["a.pkg#1.10.0"]


def test_missing_core_says_how_to_install_it(cache: PackageCache) -> None:
    with pytest.raises(PackageError) as caught:
        load_packages([], cache)
    assert str(caught.value) == (
        f"hl7.fhir.r4.core#4.0.1 is not in the package cache {cache.root}; "
        "run: conformance packages install hl7.fhir.r4.core#4.0.1"
    )


def test_missing_dependency_names_it_and_the_command(cache: PackageCache, add: Callable) -> None:
    add("a.pkg", "1.0.0", dependencies={"b.pkg": "2.0.0"})
    add("b.pkg", "1.0.0")  # the wrong version is installed
    with pytest.raises(PackageError) as caught:
        load_packages(["a.pkg#1.0.0"], cache, include_core=False)
    assert str(caught.value) == (
        f"a.pkg#1.0.0 needs b.pkg#2.0.0, which is not in the package cache {cache.root}; "
        "run: conformance packages install b.pkg#2.0.0"
    )


def test_missing_requested_package(cache: PackageCache) -> None:
    with pytest.raises(PackageError, match=r"^nope\.pkg#1\.0\.0 is not in the package cache .*install nope\.pkg#1\.0\.0$"):
        load_packages(["nope.pkg#1.0.0"], cache)


def test_first_definition_wins_unless_a_version_is_asked(cache: PackageCache, add: Callable) -> None:
    add("a.pkg", "1.0.0", {"ValueSet-shared.json": _vs("1.0.0", "from a")})
    add("b.pkg", "1.0.0", {"ValueSet-shared.json": _vs("2.1.0", "from b"), "ValueSet-other.json": _vs("2.1.5", "b2")})
    loaded = load_packages(["a.pkg", "b.pkg"], cache, include_core=False)
    assert loaded.resolve(VS)["title"] == "from a"  # type: ignore[index]
    assert loaded.resolve(VS, "2.1.0")["title"] == "from b"  # type: ignore[index]
    assert loaded.resolve(f"{VS}|2.1.0")["title"] == "from b"  # type: ignore[index]
    assert loaded.resolve(f"{VS}|1.0.0")["title"] == "from a"  # type: ignore[index]
    assert loaded.resolve(f"{VS}|2.1")["title"] == "b2"  # type: ignore[index]  # partial: highest 2.1.x
    assert loaded.resolve(f"{VS}|3.0.0") is None
    assert loaded.resolve("http://x/unknown") is None
    found = loaded.find(VS, "2.1.0")
    assert found is not None and found[0].id == "b.pkg" and found[1].filename == "ValueSet-shared.json"


def test_hl7_terminology_copies_win_over_r4_cores_for_terminology_hl7_org(cache: PackageCache, add: Callable) -> None:
    """R4 core carries 2019 copies of THO's code systems; a loaded hl7.terminology package's own copy is used
    even though core comes first (it is a dependency listed first), other canonicals keep "first wins"."""
    tho_url = "http://terminology.hl7.org/CodeSystem/location-physical-type"

    def cs(url: str, version: str, codes: list[str]) -> dict[str, Any]:
        return {"resourceType": "CodeSystem", "id": url.rsplit("/", 1)[-1], "url": url, "version": version,
                "status": "active", "content": "complete", "concept": [{"code": c} for c in codes]}

    add("hl7.fhir.r4.core", "4.0.1", {"CodeSystem-location-physical-type.json": cs(tho_url, "4.0.1", ["si", "bu"]),
                                      "ValueSet-shared.json": _vs("4.0.1", "from core")})
    add("hl7.terminology.r4", "7.0.1", {"CodeSystem-location-physical-type.json": cs(tho_url, "2.0.1", ["si", "bu", "vi"]),
                                        "ValueSet-shared.json": _vs("7.0.1", "from tho")})
    add("ig.pkg", "1.0.0", dependencies={"hl7.fhir.r4.core": "4.0.1", "hl7.terminology.r4": "7.0.1"})
    loaded = load_packages(["ig.pkg"], cache)
    assert loaded.ids() == ["ig.pkg#1.0.0", "hl7.fhir.r4.core#4.0.1", "hl7.terminology.r4#7.0.1"]
    assert [c["code"] for c in loaded.resolve(tho_url)["concept"]] == ["si", "bu", "vi"]  # type: ignore[index]
    assert loaded.resolve(tho_url, "4.0.1")["version"] == "4.0.1"  # type: ignore[index]  # asked for core's
    assert loaded.resolve(VS)["title"] == "from core"  # type: ignore[index]  # not a THO url: first wins
    only_core = load_packages([], cache)
    assert only_core.resolve(tho_url)["version"] == "4.0.1"  # type: ignore[index]  # nothing else defines it


def test_the_extensions_packs_core_extensions_win_over_r4_cores(cache: PackageCache, add: Callable,
                                                                 make_sd: Callable) -> None:
    """HL7 maintains R4's core extensions in its extensions pack (cqf-calculatedValue: a string in R4, an
    Expression there): its definition is used even though core comes first; a core extension another package
    redefines, and core's own types, keep "first wins"; core's is used when the pack is not loaded."""
    ext = "http://hl7.org/fhir/StructureDefinition/cqf-calculatedValue"
    other = "http://hl7.org/fhir/StructureDefinition/display"
    patient = "http://hl7.org/fhir/StructureDefinition/Patient"
    add("hl7.fhir.r4.core", "4.0.1", {
        "StructureDefinition-cqf-calculatedValue.json": make_sd(ext, version="4.0.1", type_="Extension"),
        "StructureDefinition-display.json": make_sd(other, version="4.0.1", type_="Extension"),
        "StructureDefinition-Patient.json": make_sd(patient, version="4.0.1") | {"derivation": "specialization"}})
    add("hl7.fhir.uv.extensions.r4", "5.3.0", {
        "StructureDefinition-cqf-calculatedValue.json": make_sd(ext, version="5.3.0", type_="Extension"),
        "StructureDefinition-Patient.json": make_sd(patient, version="5.3.0")})
    add("other.ig", "1.0.0", {"StructureDefinition-display.json": make_sd(other, version="9.9.9", type_="Extension")})
    add("ig.pkg", "1.0.0", dependencies={"hl7.fhir.r4.core": "4.0.1", "other.ig": "1.0.0",
                                         "hl7.fhir.uv.extensions.r4": "5.3.0"})
    loaded = load_packages(["ig.pkg"], cache)
    assert loaded.ids() == ["ig.pkg#1.0.0", "hl7.fhir.r4.core#4.0.1", "other.ig#1.0.0", "hl7.fhir.uv.extensions.r4#5.3.0"]
    assert loaded.resolve(ext)["version"] == "5.3.0"  # type: ignore[index]  # the pack's
    assert loaded.resolve(ext, "4.0.1")["version"] == "4.0.1"  # type: ignore[index]  # asked for core's
    assert loaded.resolve(other)["version"] == "4.0.1"  # type: ignore[index]  # another IG's copy: core first
    assert loaded.resolve(patient)["version"] == "4.0.1"  # type: ignore[index]  # not an extension: first wins
    assert load_packages([], cache).resolve(ext)["version"] == "4.0.1"  # type: ignore[index]  # no pack


def test_entries_of_type_in_package_order(cache: PackageCache, add: Callable, make_sd: Callable) -> None:
    add("a.pkg", "1.0.0", {"StructureDefinition-z.json": make_sd("http://x/z"), "ValueSet-shared.json": _vs("1", "a")},
        dependencies={"b.pkg": "1.0.0"})
    add("b.pkg", "1.0.0", {"StructureDefinition-a.json": make_sd("http://x/a", type_="Observation")})
    loaded = load_packages(["a.pkg"], cache, include_core=False)
    found = [(p.id, e.url, e.type) for p, e in loaded.entries_of_type("StructureDefinition")]
    assert found == [("a.pkg", "http://x/z", "Patient"), ("b.pkg", "http://x/a", "Observation")]
    assert list(loaded.entries_of_type("CodeSystem")) == []


def test_resources_are_parsed_once(cache: PackageCache, add: Callable, reads: list[str]) -> None:
    add("a.pkg", "1.0.0", {"ValueSet-shared.json": _vs("1", "a")})
    loaded = load_packages(["a.pkg"], cache, include_core=False)
    reads.clear()
    first = loaded.resolve(VS)
    assert loaded.resolve(VS) is first
    assert reads == ["ValueSet-shared.json"]


def test_second_load_reads_only_the_stored_index(cache: PackageCache, add: Callable, core: None,
                                                 reads: list[str]) -> None:
    add("a.pkg", "1.0.0", {f"ValueSet-{n}.json": _vs("1", str(n)) | {"id": str(n), "url": f"http://x/{n}"}
                           for n in range(5)})
    reads.clear()
    for _ in range(2):
        load_packages(["a.pkg#1.0.0"], cache)
        assert reads == []  # indexed at install: no resource file is opened by a load


def test_damaged_resource_is_a_clear_error(cache: PackageCache, add: Callable) -> None:
    add("a.pkg", "1.0.0", {"ValueSet-shared.json": _vs("1", "a")})
    loaded = load_packages(["a.pkg"], cache, include_core=False)
    path = loaded.packages[0].path / "ValueSet-shared.json"
    path.write_text('{"resourceType": ')
    with pytest.raises(PackageError, match=r"a\.pkg#1\.0\.0 in .* is damaged: ValueSet-shared\.json is not valid JSON .*--reinstall"):
        loaded.resolve(VS)


def test_one_version_per_dependency_with_warnings(cache: PackageCache, add: Callable) -> None:
    add("a.pkg", "1.0.0", dependencies={"b.pkg": "1.0.0", "hl7.fhir.r5.core": "5.0.0"})
    add("b.pkg", "1.0.0")
    add("b.pkg", "2.0.0")
    loaded = load_packages(["b.pkg#2.0.0", "a.pkg", "b.pkg#2.0.0"], cache, include_core=False)
    assert loaded.ids() == ["b.pkg#2.0.0", "a.pkg#1.0.0"]  # the repeated request is loaded once
    assert loaded.warnings == [
        "a.pkg#1.0.0 asks for b.pkg#1.0.0; b.pkg#2.0.0 is used",
        "a.pkg#1.0.0 depends on hl7.fhir.r5.core#5.0.0, a base package of another FHIR release; skipped",
    ]


def test_every_distinct_request_is_kept(cache: PackageCache, fixtures: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere" / "loose-json"
    other.mkdir(parents=True)
    (other / "ValueSet-demo-status.json").write_text(
        '{"resourceType": "ValueSet", "id": "mine", "url": "http://example.org/fhir/loose/ValueSet/demo-status"}'
    )
    loaded = load_packages([str(other), str(fixtures / "loose-json")], cache, include_core=False)
    assert loaded.ids() == ["loose-json#0.0.0-local", "loose-json#0.0.0-local"]
    assert loaded.resolve("http://example.org/fhir/loose/ValueSet/demo-status")["id"] == "mine"  # type: ignore[index]


def test_several_files_of_one_folder_each_load(cache: PackageCache, tmp_path: Path) -> None:
    """`--ig a.json --ig b.json` from one folder: both files are loaded (each is its own package), and the
    same file asked twice is loaded once."""
    for name in ("one", "two"):
        (tmp_path / f"ValueSet-{name}.json").write_text(json.dumps({"resourceType": "ValueSet", "id": name,
                                                                      "url": f"http://x/ValueSet/{name}"}))
    one, two = str(tmp_path / "ValueSet-one.json"), str(tmp_path / "ValueSet-two.json")
    loaded = load_packages([one, two, one], cache, include_core=False)
    assert [p.origin for p in loaded.packages] == [one, two]
    assert loaded.resolve("http://x/ValueSet/one")["id"] == "one"  # type: ignore[index]
    assert loaded.resolve("http://x/ValueSet/two")["id"] == "two"  # type: ignore[index]


# -- in place: folders, files and tarballs ------------------------------------------------------


def test_published_folder_in_place(cache: PackageCache, fixtures: Path, core: None) -> None:
    loaded = load_packages([str(fixtures / "example-package")], cache)
    assert loaded.ids() == ["example.fhir.demo#1.0.0", "hl7.fhir.r4.core#4.0.1"]
    package = loaded.packages[0]
    assert package.path == fixtures / "example-package" / "package"
    assert package.dependencies == {"hl7.fhir.r4.core": "4.0.1"}
    assert loaded.resolve("http://example.org/fhir/demo/ValueSet/demo-colours")["id"] == "demo-colours"  # type: ignore[index]
    assert loaded.resolve("http://hl7.org/fhir/StructureDefinition/Patient|4.0.1")["type"] == "Patient"  # type: ignore[index]
    assert cache.installed() == [("hl7.fhir.r4.core", "4.0.1")]  # nothing was installed by loading


def test_loose_json_folder_in_place(cache: PackageCache, fixtures: Path) -> None:
    package = load_packages([str(fixtures / "loose-json")], cache, include_core=False).packages[0]
    assert (package.id, package.version, package.dependencies) == ("loose-json", "0.0.0-local", {})
    assert [e.id for e in package.entries] == ["demo-observation", "demo-status"]
    assert [name for name, _ in package.problems] == ["broken.json"]


def test_loose_xml_needs_the_converter(cache: PackageCache, fixtures: Path) -> None:
    loaded = load_packages([str(fixtures / "loose-xml")], cache, include_core=False)
    with pytest.raises(PackageError) as caught:
        loaded.resolve("http://example.org/fhir/loose/ValueSet/demo-kind")
    path = fixtures / "loose-xml" / "valuesets" / "ValueSet-demo-kind.xml"
    assert str(caught.value) == f"{path} is XML; XML resources need the XML-to-JSON converter (pass xml_to_json)"


def test_loose_xml_through_an_injected_converter(cache: PackageCache, fixtures: Path) -> None:
    seen: list[bytes] = []

    def converter(data: bytes) -> dict:
        seen.append(data)
        return {"resourceType": "ValueSet", "converted": True}

    loaded = load_packages([str(fixtures / "loose-xml")], cache, include_core=False, xml_to_json=converter)
    resource = loaded.resolve("http://example.org/fhir/loose/ValueSet/demo-kind")
    assert resource == {"resourceType": "ValueSet", "converted": True}
    assert loaded.resolve("http://example.org/fhir/loose/ValueSet/demo-kind") is resource
    assert seen == [(fixtures / "loose-xml" / "valuesets" / "ValueSet-demo-kind.xml").read_bytes()]


def test_folder_in_place_is_reindexed_when_edited(cache: PackageCache, fixtures: Path, tmp_path: Path,
                                                  reads: list[str]) -> None:
    folder = tmp_path / "my-profiles"
    shutil.copytree(fixtures / "loose-json", folder)
    load_packages([str(folder)], cache, include_core=False)
    reads.clear()
    load_packages([str(folder)], cache, include_core=False)
    assert reads == []
    (folder / "ValueSet-new.json").write_text('{"resourceType": "ValueSet", "id": "new", "url": "http://x/new"}')
    loaded = load_packages([str(folder)], cache, include_core=False)
    assert loaded.resolve("http://x/new") == {"resourceType": "ValueSet", "id": "new", "url": "http://x/new"}
    assert loaded.packages[0].id == "my-profiles"


def test_single_file_in_place(cache: PackageCache, fixtures: Path) -> None:
    path = fixtures / "loose-json" / "StructureDefinition-demo-observation.json"
    loaded = load_packages([str(path)], cache, include_core=False)
    assert loaded.ids() == ["structuredefinition-demo-observation#0.0.0-local"]
    assert [e.filename for e in loaded.packages[0].entries] == [path.name]
    assert loaded.resolve("http://example.org/fhir/loose/StructureDefinition/demo-observation")["type"] == "Observation"  # type: ignore[index]


@pytest.mark.parametrize(
    ("name", "message"),
    [("loose-json/notes.json", "notes.json is not a FHIR resource (no resourceType)"),
     ("loose-json/broken.json", "broken.json is not a FHIR resource (not valid JSON"),
     ("README.md", "README.md is neither a package (.tgz or folder) nor a .json/.xml resource"),
     ("absent.tgz", "absent.tgz: no such file or folder")],
)
def test_bad_in_place_specs(cache: PackageCache, fixtures: Path, name: str, message: str) -> None:
    with pytest.raises(PackageError) as caught:
        load_packages([str(fixtures / name)], cache, include_core=False)
    assert message in str(caught.value)


def test_tgz_in_place_is_unpacked_once_and_not_installed(cache: PackageCache, make_tgz: Callable, make_sd: Callable,
                                                         monkeypatch: pytest.MonkeyPatch, reads: list[str]) -> None:
    tgz = make_tgz("t.pkg", "0.1.0", {"StructureDefinition-p.json": make_sd("http://x/p")})
    unpacked: list[Path] = []
    original = tarball.unpack
    monkeypatch.setattr(tarball, "unpack", lambda source, dest: unpacked.append(source) or original(source, dest))
    first = load_packages([str(tgz)], cache, include_core=False)
    second = load_packages([str(tgz)], cache, include_core=False)
    assert unpacked == [tgz]
    assert reads == ["StructureDefinition-p.json"]  # indexed once
    assert first.packages[0].path == second.packages[0].path
    digest = tarball.file_digest(tgz)
    assert first.packages[0].path == Path(os.environ["CONFORMANCE_CACHE_DIR"]) / "tgz" / digest / "package"
    assert first.resolve("http://x/p")["id"] == "p"  # type: ignore[index]
    assert cache.installed() == []


def test_manifest_errors_are_package_errors(cache: PackageCache, tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "package.json").write_text(json.dumps({"name": "x.pkg"}))
    with pytest.raises(PackageError, match=r'package\.json has no "version"; a FHIR package\.json must give name and version'):
        load_packages([str(folder)], cache, include_core=False)


def test_converter_errors_become_package_errors(cache: PackageCache, fixtures: Path) -> None:
    def converter(data: bytes) -> dict:
        raise ValueError("unexpected element <foo>")

    loaded = load_packages([str(fixtures / "loose-xml")], cache, include_core=False, xml_to_json=converter)
    with pytest.raises(PackageError, match=r"ValueSet-demo-kind\.xml in loose-xml#0\.0\.0-local could not be read as "
                                           r"FHIR XML \(unexpected element <foo>\)"):
        loaded.resolve("http://example.org/fhir/loose/ValueSet/demo-kind")


def test_unwritable_user_cache_for_a_tgz(cache: PackageCache, make_tgz: Callable, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("CONFORMANCE_CACHE_DIR", str(blocker))
    with pytest.raises(PackageError, match=r"^cannot unpack .*t\.pkg-0\.1\.0\.tgz into "):
        load_packages([str(make_tgz("t.pkg", "0.1.0"))], cache, include_core=False)
