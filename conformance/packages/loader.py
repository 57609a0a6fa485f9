"""Loading packages for use: `Package`, `PackageSet` and `load_packages`.

A `PackageSet` is what the validator resolves canonical URLs against: the packages asked for,
then their dependencies breadth first, then (unless told not to) the R4 core package. Nothing is
installed here; a missing dependency is an error that names the install command. Only the small
index is read at start; a resource is parsed when first asked for and then kept.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from conformance.packages import index, integrity, manifest, tarball, usercache, versions
from conformance.packages.cache import PackageCache
from conformance.packages.errors import PackageError
from conformance.packages.index import Index, IndexEntry

CORE = ("hl7.fhir.r4.core", "4.0.1")
XmlToJson = Callable[[bytes], dict]


class Package:
    """One loaded package, from the cache or from a folder, .tgz or file used in place."""

    def __init__(self, package_id: str, version: str, path: Path, manifest_data: dict[str, Any], built: Index,
                 *, xml_to_json: XmlToJson | None = None, origin: str = "") -> None:
        self.id = package_id
        self.version = version
        self.path = path  # the folder the entries' filenames are relative to
        self.manifest = manifest_data
        self.dependencies = manifest.dependencies_of(manifest_data)
        self.problems = built.problems  # (filename, reason): files skipped because unreadable
        self.origin = origin or str(path)
        self._xml_to_json = xml_to_json
        self.in_cache = False  # from the package cache: damage is the package's, and reinstalling mends it
        self._loaded: dict[str, dict] = {}
        self._index = built
        self._by_url: dict[str, int] | None = None  # url -> row position (first wins)
        self._by_url_version: dict[tuple[str, str], int] = {}

    def __repr__(self) -> str:
        return f"<Package {self.id}#{self.version} at {self.path}>"

    @property
    def entries(self) -> list[IndexEntry]:
        """Every resource in the package, in file name order."""
        return self._index.entries

    def entries_of_type(self, resource_type: str) -> Iterator[IndexEntry]:
        """The entries of one resource type, without creating entries for the others."""
        for position, row in enumerate(self._index.rows):
            if row[1] == resource_type:
                yield self._index.entry(position)

    @property
    def is_loose(self) -> bool:
        """Resources given as loose files or a folder without a package.json (the manifest was synthesised)."""
        return self.version == manifest.LOCAL_VERSION

    def is_own_guide(self, guide: dict[str, Any]) -> bool:
        """Whether an ImplementationGuide in this package is the package's own guide, not an example of one:
        its `packageId` is this package's id (or, without one, its url lies under the package's canonical).
        Loose files have no id of their own, so any guide among them counts."""
        if self.is_loose:
            return True
        package_id = guide.get("packageId")
        if isinstance(package_id, str) and package_id:
            return package_id == self.id
        canonical, url = self.manifest.get("canonical"), guide.get("url")
        return isinstance(canonical, str) and bool(canonical) and isinstance(url, str) and \
            url.startswith(canonical.rstrip("/") + "/")

    @property
    def label(self) -> str:
        return f"{self.id}#{self.version}"

    def load(self, entry: IndexEntry) -> dict:
        """The resource as a JSON dict, parsed once and then shared: callers must not modify it."""
        cached = self._loaded.get(entry.filename)
        if cached is not None:
            return cached
        path = self.path / entry.filename
        try:
            data = index.read_bytes(path)
        except OSError as exc:
            raise PackageError(f"cannot read {path} from {self.label}: {exc.strerror or exc}") from exc
        if entry.is_xml:
            if self._xml_to_json is None:
                raise PackageError(f"{path} is XML; XML resources need the XML-to-JSON converter (pass xml_to_json)")
            try:
                resource = self._xml_to_json(data)
            except (ValueError, SyntaxError) as exc:  # lxml's parse errors are SyntaxErrors
                raise PackageError(f"{path} in {self.label} could not be read as FHIR XML ({exc})") from exc
        else:
            try:
                resource = json.loads(data.decode("utf-8-sig"))
            except (UnicodeDecodeError, ValueError) as exc:
                if self.in_cache:
                    raise integrity.damaged(self.label, self.path, f"{entry.filename} is not valid JSON ({exc})") from exc
                raise PackageError(f"{path} in {self.label} is not valid JSON ({exc}); reinstall the package") from exc
        if not isinstance(resource, dict):
            raise PackageError(f"{path} in {self.label} is not a FHIR resource")
        self._loaded[entry.filename] = resource
        return resource

    def find(self, url: str, version: str | None = None) -> IndexEntry | None:
        """The entry for `url` (the first one, or the one of `version`: exact, else the highest
        whose version starts with `version` + '.', so "1.2" finds "1.2.3")."""
        if self._by_url is None:
            self._index_urls()
        assert self._by_url is not None
        if version is None:
            position = self._by_url.get(url)
        else:
            position = self._by_url_version.get((url, version))
            if position is None:
                prefix = version + "."
                partial = [(v, p) for (u, v), p in self._by_url_version.items() if u == url and v.startswith(prefix)]
                position = max(partial, key=lambda item: versions.sort_key(item[0]))[1] if partial else None
        return None if position is None else self._index.entry(position)

    def _index_urls(self) -> None:
        by_url: dict[str, int] = {}
        by_url_version = self._by_url_version
        for position, row in enumerate(self._index.rows):
            if len(row) > 3 and isinstance(row[3], str):
                by_url.setdefault(row[3], position)
                if len(row) > 4 and isinstance(row[4], str):
                    by_url_version.setdefault((row[3], row[4]), position)
        self._by_url = by_url


THO_NAMESPACE = "http://terminology.hl7.org/"  # HL7 Terminology (THO) canonicals: see PackageSet.find
CORE_NAMESPACE = "http://hl7.org/fhir/StructureDefinition/"  # core extensions, maintained later in the pack below
EXTENSIONS_PACK = "hl7.fhir.uv.extensions"  # HL7's extensions pack (hl7.fhir.uv.extensions.r4 for R4)


class PackageSet:
    """Packages in resolution order; the first package defining a URL wins unless a version is asked."""

    def __init__(self, packages: list[Package], warnings: list[str] | None = None) -> None:
        self.packages = packages
        self.warnings = warnings or []  # things skipped on purpose (e.g. another FHIR release's core)

    def __repr__(self) -> str:
        return f"<PackageSet {', '.join(self.ids())}>"

    def ids(self) -> list[str]:
        return [p.label for p in self.packages]

    def find(self, url: str, version: str | None = None) -> tuple[Package, IndexEntry] | None:
        """Where `url` (or "url|version") is defined, or None.

        Two exceptions to "first wins", for what HL7 maintains outside the R4 core package after R4:
        - a `http://terminology.hl7.org/` canonical that both the R4 core package and another loaded package
          define (HL7 Terminology, `hl7.terminology.r4`) is taken from the other. THO is where those code
          systems and value sets live and are maintained; R4 core carries copies as of 2019 (e.g.
          location-physical-type without `vi`, Virtual), and every IG that depends on THO is written against
          THO's;
        - an extension in the core namespace (`http://hl7.org/fhir/StructureDefinition/`) that HL7's extensions
          pack (`hl7.fhir.uv.extensions.r4`) also defines is taken from the pack, which is where HL7 maintains
          the core extensions since R4 and which IGs that depend on it are written against (e.g.
          cqf-calculatedValue, a `string` in R4 and an `Expression` in the pack, as SDC uses it).
        Core is still used when nothing else defines the url, or its version is asked.
        """
        if version is None and "|" in url:
            url, _, version = url.partition("|")
            version = version or None
        from_core: tuple[Package, IndexEntry] | None = None
        for package in self.packages:
            entry = package.find(url, version)
            if entry is None:
                continue
            if version is None and package.id == CORE[0]:
                if url.startswith(THO_NAMESPACE):
                    from_core = from_core or (package, entry)
                    continue
                if url.startswith(CORE_NAMESPACE) and getattr(entry, "type", None) == "Extension":
                    from_core = from_core or (package, entry)  # (taken unless the extensions pack has it)
                    continue
            elif from_core is not None and url.startswith(CORE_NAMESPACE) and \
                    not package.id.startswith(EXTENSIONS_PACK):
                continue  # a core extension redefined by another package: core's, as before
            return package, entry
        return from_core

    def resolve(self, url: str, version: str | None = None) -> dict | None:
        """The resource `url` (or "url|version") names, parsed, or None when no package has it."""
        found = self.find(url, version)
        return None if found is None else found[0].load(found[1])

    def entries_of_type(self, resource_type: str) -> Iterator[tuple[Package, IndexEntry]]:
        for package in self.packages:
            for entry in package.entries_of_type(resource_type):
                yield package, entry


def load_packages(specs: Sequence[str], cache: PackageCache, *, include_core: bool = True,
                  xml_to_json: XmlToJson | None = None) -> PackageSet:
    """Load `specs` ("id#version", "id", a folder, a .tgz or a resource file) and their dependencies.

    A dependency must be installed already (or be one of `specs`); a range or tag selects the
    highest installed matching version. Every distinct spec is loaded; a dependency is loaded only
    if no package of its id is loaded yet (one version per dependency; a mismatch is a warning).
    """
    loaded: list[Package] = []
    warnings: list[str] = []
    by_id: dict[str, Package] = {}

    for spec in specs:  # every distinct request is kept, even two folders that derive the same id
        package = _open_spec(spec, cache, xml_to_json)
        # the same folder, .tgz or file asked twice is loaded once; two files of one folder are two packages
        if all(held.origin != package.origin for held in loaded):
            by_id.setdefault(package.id, package)
            loaded.append(package)

    queue = deque(loaded)
    while queue:
        package = queue.popleft()
        for dep_id, dep_version in package.dependencies.items():
            if dep_id in by_id:
                held = by_id[dep_id]
                if not versions.matches(dep_version, held.version):
                    warnings.append(f"{package.label} asks for {dep_id}#{dep_version}; {held.label} is used")
                continue
            if manifest.is_foreign_core(dep_id):
                warnings.append(f"{package.label} depends on {dep_id}#{dep_version}, a base package of "
                                "another FHIR release; skipped")
                continue
            dependency = _from_cache(dep_id, dep_version, cache, xml_to_json, needed_by=package.label)
            by_id[dep_id] = dependency
            loaded.append(dependency)
            queue.append(dependency)

    if include_core and CORE[0] not in by_id:
        loaded.append(_from_cache(*CORE, cache, xml_to_json, needed_by=None))
    return PackageSet(loaded, warnings)


def _open_spec(spec: str, cache: PackageCache, xml_to_json: XmlToJson | None) -> Package:
    path = Path(spec).expanduser()
    if path.is_dir():
        return _from_folder(path, xml_to_json)
    if path.is_file():
        lower = path.name.lower()
        if lower.endswith((".tgz", ".tar.gz")):
            return _from_tgz(path, xml_to_json)
        if lower.endswith(index.RESOURCE_SUFFIXES):
            return _from_file(path, xml_to_json)
        raise PackageError(f"{path} is neither a package (.tgz or folder) nor a .json/.xml resource")
    if path.name.lower().endswith((".tgz", ".tar.gz", ".json", ".xml")) or os.sep in spec or "/" in spec:
        raise PackageError(f"{spec}: no such file or folder")
    package_id, wanted = manifest.split_spec(spec)
    return _from_cache(package_id, wanted, cache, xml_to_json, needed_by=None)


def _from_cache(package_id: str, wanted: str | None, cache: PackageCache, xml_to_json: XmlToJson | None,
                *, needed_by: str | None) -> Package:
    chosen = cache.select(package_id, wanted)
    folder = cache.package_dir(package_id, chosen) if chosen else None
    if chosen is None or folder is None:
        label = f"{package_id}#{wanted}" if wanted else package_id
        lead = f"{needed_by} needs {label}, which" if needed_by else f"{label}"
        raise PackageError(f"{lead} is not in the package cache {cache.root}; run: conformance packages install {label}")
    label = f"{package_id}#{chosen}"
    integrity.check(label, folder)
    try:
        data = manifest.read_manifest(folder / "package.json")
    except PackageError as exc:
        raise integrity.damaged(label, folder, f"its package.json cannot be read ({exc})") from None
    built = index.load_sealed(folder)
    # without a record (installed by another tool), a published package's files are all readable: an
    # unreadable one was damaged; with one, the sizes matched, so these were unreadable when installed
    if built.problems and integrity.read_record(folder) is None:
        still = _still_unreadable(folder, built.problems)
        if still is None:  # mended since the index was built: index it again
            built = index.rebuild_sealed(folder)
            still = built.problems[0] if built.problems else None
        if still is not None:
            raise integrity.damaged(label, folder, f"{still[0]} cannot be read ({still[1]})")
    package = Package(package_id, chosen, folder, data, built, xml_to_json=xml_to_json)
    package.in_cache = True
    return package


def _still_unreadable(folder: Path, problems: list[tuple[str, str]]) -> tuple[str, str] | None:
    for name, _ in problems:
        try:
            index.summarise(name, index.read_bytes(folder / name))
        except (OSError, ValueError) as exc:
            return name, str(exc)
    return None


def _from_folder(folder: Path, xml_to_json: XmlToJson | None) -> Package:
    folder = folder.absolute()
    content = folder / "package" if (folder / "package" / "package.json").is_file() else folder
    if (content / "package.json").is_file():
        data = manifest.read_manifest(content / "package.json")
    else:
        data = manifest.synthesise(manifest.derive_id(folder.name), manifest.LOCAL_VERSION)
    return Package(data["name"], data["version"], content, data, index.load_tree(content),
                   xml_to_json=xml_to_json, origin=str(folder))


def _from_file(path: Path, xml_to_json: XmlToJson | None) -> Package:
    path = path.absolute()
    data = manifest.synthesise(manifest.derive_id(path.stem), manifest.LOCAL_VERSION)
    built = index.load_tree(path.parent, only=path.name)
    if not built.entries:
        reason = built.problems[0][1] if built.problems else "no resourceType"
        raise PackageError(f"{path} is not a FHIR resource ({reason})")
    return Package(data["name"], data["version"], path.parent, data, built, xml_to_json=xml_to_json, origin=str(path))


def _from_tgz(tgz: Path, xml_to_json: XmlToJson | None) -> Package:
    """Use a .tgz without installing it: unpacked once into the user cache, keyed by its sha256."""
    try:
        digest = tarball.file_digest(tgz)
    except OSError as exc:
        raise PackageError(f"cannot read {tgz}: {exc.strerror or exc}") from exc
    target = usercache.user_cache_dir() / "tgz" / digest
    content = target / "package"
    if not (content / "package.json").is_file():
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=target.parent))
        except OSError as exc:
            raise PackageError(f"cannot unpack {tgz} into {target.parent}: {exc.strerror or exc}") from exc
        try:
            tarball.unpack(tgz, staging)
            os.replace(staging, target)  # whole or not at all; a concurrent twin may have won
        except OSError as exc:
            if not (content / "package.json").is_file():
                raise PackageError(f"cannot unpack {tgz} into {target.parent}: {exc.strerror or exc}") from exc
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    data = manifest.read_manifest(content / "package.json")
    return Package(data["name"], data["version"], content, data, index.load_sealed(content),
                   xml_to_json=xml_to_json, origin=str(tgz.absolute()))
