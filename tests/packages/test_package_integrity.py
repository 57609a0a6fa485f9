"""Package integrity and identity: every install records its files' SHA-256; a damaged package is named with
the command that mends it (never blamed on the user's input); a package can be installed as the registry
package it is (the UK Core source as fhir.r4.ukcore.stu2#2.0.0), so one install serves every profile."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conformance.cli import _register, app
from conformance.packages import PackageCache, PackageError, install, integrity, load_packages

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "fixtures" / "packages" / "example-package"
UK_CORE_SOURCE = REPO.parent / "shared" / "fhir" / "uk-core-source"
LABEL = "example.fhir.demo#1.0.0"

_register()
runner = CliRunner()


def installed(cache: PackageCache) -> Path:
    install(str(EXAMPLE), cache, with_dependencies=False)
    folder = cache.package_dir("example.fhir.demo", "1.0.0")
    assert folder is not None
    return folder


def test_an_install_records_the_size_and_sha256_of_every_file(cache: PackageCache) -> None:
    folder = installed(cache)
    record = json.loads((folder.parent / ".conformance" / "integrity.json").read_text())
    assert record["source"] == str(EXAMPLE)
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert sorted(record["files"]) == names and "package.json" in names
    size, sha = record["files"]["StructureDefinition-demo-patient.json"]
    assert size == (folder / "StructureDefinition-demo-patient.json").stat().st_size and len(sha) == 64


@pytest.mark.parametrize(("damage", "what"), [
    (lambda p: p.write_bytes(p.read_bytes()[:100]), "StructureDefinition-demo-patient.json has 100 bytes, {size:,} "
                                                    "when it was installed"),
    (lambda p: p.unlink(), "StructureDefinition-demo-patient.json is missing"),
])
def test_a_truncated_or_missing_file_makes_the_load_name_the_package_and_how_to_mend_it(
        cache: PackageCache, damage: object, what: str) -> None:
    folder = installed(cache)
    victim = folder / "StructureDefinition-demo-patient.json"
    size = victim.stat().st_size
    damage(victim)  # type: ignore[operator]
    with pytest.raises(PackageError) as caught:
        load_packages([LABEL], cache, include_core=False)
    assert str(caught.value) == (
        f"the package {LABEL} in {cache.root} is damaged: {what.format(size=size)}; reinstall it with: "
        f"conformance packages install {EXAMPLE} --reinstall")


def test_reinstall_mends_a_damaged_package(cache: PackageCache) -> None:
    folder = installed(cache)
    (folder / "StructureDefinition-demo-patient.json").write_bytes(b"{")
    install(str(EXAMPLE), cache, with_dependencies=False, reinstall=True)
    integrity.check(LABEL, folder)  # no PackageError
    assert integrity.verify(LABEL, folder) == []
    assert (folder / "StructureDefinition-demo-patient.json").read_bytes() == (
        EXAMPLE / "package" / "StructureDefinition-demo-patient.json").read_bytes()


def test_a_package_without_a_record_is_still_named_when_a_definition_cannot_be_read(cache: PackageCache) -> None:
    folder = installed(cache)
    (folder.parent / ".conformance" / "integrity.json").unlink()  # as another tool would have installed it
    (folder.parent / ".conformance" / "index-v1.json").unlink()
    (folder / "StructureDefinition-demo-patient.json").write_bytes(b'{"resourceType": "Structure')
    with pytest.raises(PackageError) as caught:
        load_packages([LABEL], cache, include_core=False)
    assert str(caught.value).startswith(f"the package {LABEL} in {cache.root} is damaged: "
                                        "StructureDefinition-demo-patient.json cannot be read (")
    assert str(caught.value).endswith(f"reinstall it with: conformance packages install {LABEL} --reinstall")


def test_verify_finds_a_change_of_the_same_size(cache: PackageCache) -> None:
    folder = installed(cache)
    victim = folder / "ValueSet-demo-colours.json"
    data = bytearray(victim.read_bytes())
    data[-3] = ord("x") if data[-3] != ord("x") else ord("y")
    victim.write_bytes(bytes(data))
    result = runner.invoke(app, ["packages", "verify", "--package-cache", str(cache.root)])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"{LABEL}: damaged: ValueSet-demo-colours.json has another SHA-256 than when it was installed",
        f"  reinstall it with: conformance packages install {EXAMPLE} --reinstall"]


@pytest.mark.core
def test_validate_with_a_damaged_core_package_exits_2_naming_it_not_the_file(tmp_path: Path) -> None:
    core = PackageCache.default().package_dir("hl7.fhir.r4.core", "4.0.1")
    assert core is not None
    cache = tmp_path / "cache"
    package = cache / "hl7.fhir.r4.core#4.0.1" / "package"
    package.mkdir(parents=True)
    for entry in os.scandir(core):  # links to the real files, but Patient's definition truncated
        if entry.name == "StructureDefinition-Patient.json":
            (package / entry.name).write_bytes(Path(entry.path).read_bytes()[:5000])
        else:
            (package / entry.name).symlink_to(entry.path)
    patient = tmp_path / "patient.json"
    patient.write_text('{"resourceType": "Patient", "id": "p1"}')
    result = runner.invoke(app, ["validate", str(patient), "--package-cache", str(cache)])
    assert result.exit_code == 2
    assert "the package hl7.fhir.r4.core#4.0.1 in" in result.output and "is damaged: StructureDefinition-Patient" \
        in result.output and "conformance packages install hl7.fhir.r4.core#4.0.1 --reinstall" in result.output
    assert "unknown resource type" not in result.output and "patient.json" not in result.output


@pytest.mark.shared
def test_the_uk_core_source_installs_as_the_registry_package_profiles_ask_for(cache: PackageCache) -> None:
    messages: list[str] = []
    done = install(str(UK_CORE_SOURCE), cache, with_dependencies=False, progress=messages.append)
    assert done == [("fhir.r4.ukcore.stu2", "2.0.0")]
    assert "UKCore.R4.STU.02.00.00#2.0.0 is the registry package fhir.r4.ukcore.stu2#2.0.0; installing it as that" \
        in messages
    folder = cache.package_dir("fhir.r4.ukcore.stu2", "2.0.0")
    assert folder is not None
    data = json.loads((folder / "package.json").read_text())
    assert (data["name"], data["version"], data["conformance"]) == (
        "fhir.r4.ukcore.stu2", "2.0.0", {"source": "UKCore.R4.STU.02.00.00#2.0.0"})
    assert cache.select("fhir.r4.ukcore.stu2", "2.0.x") == "2.0.0"  # what profiles ask for


def test_as_names_the_registry_package_a_folder_is(cache: PackageCache) -> None:
    result = runner.invoke(app, ["packages", "install", str(EXAMPLE), "--as", "registry.example#1.2.3",
                                 "--package-cache", str(cache.root), "--no-deps"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["registry.example#1.2.3"]
    assert cache.installed() == [("registry.example", "1.2.3")]
    bad = runner.invoke(app, ["packages", "install", str(EXAMPLE), "--as", "registry.example",
                              "--package-cache", str(cache.root)])
    assert bad.exit_code == 2 and "--as 'registry.example' must name an id and an exact version" in bad.output


def test_a_package_json_may_declare_its_registry_identity(cache: PackageCache, tmp_path: Path) -> None:
    source = tmp_path / "source"
    (source / "package").mkdir(parents=True)
    manifest = json.loads((EXAMPLE / "package" / "package.json").read_text())
    manifest["conformance"] = {"registry": "declared.example#2.0.0"}
    (source / "package" / "package.json").write_text(json.dumps(manifest))
    for f in (EXAMPLE / "package").glob("*.json"):
        if f.name != "package.json":
            (source / "package" / f.name).write_bytes(f.read_bytes())
    assert install(str(source), cache, with_dependencies=False) == [("declared.example", "2.0.0")]


@pytest.mark.shared
@pytest.mark.core
def test_uk_core_installed_once_satisfies_every_shipped_profile_that_needs_it(cache: PackageCache) -> None:
    from conformance.profiles import load_profile
    from conformance.scenarios import load_run_packages

    core = PackageCache.default().package_dir("hl7.fhir.r4.core", "4.0.1")
    assert core is not None
    (cache.root / "hl7.fhir.r4.core#4.0.1").mkdir(parents=True)
    (cache.root / "hl7.fhir.r4.core#4.0.1" / "package").symlink_to(core, target_is_directory=True)
    result = runner.invoke(app, ["packages", "install", str(UK_CORE_SOURCE), "--package-cache", str(cache.root)])
    assert result.exit_code == 0, result.output
    needing = []
    for folder in sorted((REPO / "profiles").iterdir()):
        profile = load_profile(folder)
        wanted = [p for p in profile.packages if (p.spec or "").startswith("fhir.r4.ukcore.stu2")]
        if wanted:
            needing.append(profile.id)
            packages = load_run_packages(profile, [], cache)  # no --ig
            assert all(packages.available[p.name] for p in wanted), profile.id
            assert "fhir.r4.ukcore.stu2#2.0.0" in packages.ids
    assert needing  # at least one shipped profile asks for UK Core
