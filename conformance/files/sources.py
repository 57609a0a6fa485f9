"""What `conformance check` reads: the paths a user typed turned into the files of one export.

An argument may be a file, a folder (searched recursively, hidden entries skipped), a glob
pattern (`**` for any depth), a `.zip` archive, a `.gz` file or a Bulk Data manifest. Each file
gets:
- `display`, how people see it: the path as typed (`export/Patient.ndjson`), or
  `export.zip!/Patient.ndjson` for a member of an archive;
- `inner`, its posix path inside the export, which the profile's globs match: relative to the
  folder (or the fixed start of the glob) it was found under, the member name inside a zip,
  the name without `.gz` for a gzip file;
- `location`, how any process (or a cluster worker) opens it: absolute paths only.
Folders (walked by `walk.py`: linked folders never followed, a file reached twice read once) and zips
contribute the files with a FHIR extension (`.json`, `.xml`, `.ndjson`,
`.jsonl`) and `.gz` files; a file named explicitly is taken whatever its extension. A manifest
declares the type of the files it lists (and adds those not found otherwise). Nothing here raises
for bad input: an argument that names nothing is a `problem` (exit 2), an unsafe archive or a
broken manifest a located finding, and the run goes on.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from conformance.fhir.read import FHIR_EXTENSIONS, HEAD_BYTES
from conformance.files.archives import (
    ArchiveLimits,
    ArchiveRefused,
    GuardedStream,
    guarded_member,
    inspect_zip,
)
from conformance.files.manifest import (
    MAX_MANIFEST_BYTES,
    Manifest,
    maybe_manifest,
    parse_manifest,
    resolve_url,
)
from conformance.files.walk import Unlistable, identity, is_pattern, safe_glob, walk_files
from conformance.issues import Issue, make_issue

_ARCHIVE_EXTENSIONS = frozenset({".zip", ".gz"})


@dataclass(frozen=True, slots=True)
class Location:
    """How to open a file: `path` on disk (the archive, for a member), absolute."""

    path: str
    member: str | None = None  # the member's name inside a zip archive
    gzip: bool = False  # the bytes are gzip-compressed

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.path, self.member)


@dataclass(frozen=True, slots=True)
class ExportFile:
    display: str
    inner: str
    location: Location
    size: int  # bytes as stored (compressed for archives): what progress and partitions count
    declared_type: str | None = None  # from a Bulk Data manifest
    is_manifest: bool = False  # part of the export (files-present sees it) but holds no resources


@dataclass(slots=True)
class ExportInputs:
    files: list[ExportFile] = field(default_factory=list)  # sorted by display, unique
    problems: list[tuple[str, str]] = field(default_factory=list)  # (argument, why it names nothing)
    findings: list[tuple[str, Issue]] = field(default_factory=list)  # (display path, file-level issue)

    @property
    def resource_files(self) -> list[ExportFile]:
        return [f for f in self.files if not f.is_manifest]


@dataclass(slots=True)
class _FoundManifest:
    file: ExportFile
    manifest: Manifest
    archive: zipfile.ZipFile | None  # None: on disk


def collect_inputs(args: Sequence[str], limits: ArchiveLimits | None = None) -> ExportInputs:
    """Every file of the export the arguments name, with the problems met finding them."""
    collector = _Collector(limits or ArchiveLimits())
    try:
        for arg in args:
            collector.add_argument(arg)
        collector.apply_manifests()
    finally:
        collector.close()
    return collector.result()


class _Collector:
    def __init__(self, limits: ArchiveLimits) -> None:
        self.limits = limits
        self.files: dict[tuple[str, str | None], ExportFile] = {}
        self.manifests: list[_FoundManifest] = []
        self.out = ExportInputs()
        self._open_archives: list[zipfile.ZipFile] = []

    def result(self) -> ExportInputs:
        self.out.files = sorted(self.files.values(), key=lambda f: (f.display, f.location.key))
        return self.out

    def close(self) -> None:
        for archive in self._open_archives:
            archive.close()

    # -- arguments -------------------------------------------------------------------------------
    def add_argument(self, arg: str) -> None:
        if is_pattern(arg) and not os.path.lexists(arg):
            root = _static_root(arg)
            count = 0
            for match in safe_glob(arg):
                if os.path.isdir(match):
                    count += self._walk(Path(match), root)
                elif os.path.isfile(match):
                    self._add_file(Path(match), _inner(Path(match), root))
                    count += 1
            if count == 0:
                self.out.problems.append((arg, "no file matches this pattern"))
            return
        path = Path(arg)
        if path.is_dir():
            if self._walk(path, path) == 0:
                self.out.problems.append((arg, "no FHIR files (.json, .xml, .ndjson, .jsonl, .zip, .gz) in this folder"))
        elif path.exists() or path.is_symlink():
            self._add_file(path, path.name)
        else:
            self.out.problems.append((arg, "no such file or directory"))

    def _walk(self, top: Path, root: Path) -> int:
        count = 0
        for item in walk_files(top):
            if isinstance(item, Unlistable):
                reason = item.error.strerror or str(item.error)
                self.out.findings.append((str(item.path), make_issue("file.unreadable", reason=reason)))
            elif _accepted(item.name):
                self._add_file(item, _inner(item, root))
                count += 1
        return count

    # -- one file --------------------------------------------------------------------------------
    def _add_file(self, path: Path, inner: str, declared: str | None = None) -> None:
        display = str(path)
        absolute = identity(path)  # the real path: a file reached by two paths is one file
        size = _size(absolute)
        suffix = path.suffix.lower()
        if suffix == ".zip":
            self._add_zip(absolute, display, size)
        elif suffix == ".gz":
            self._put(ExportFile(display, inner[:-len(suffix)], Location(absolute, None, True), size, declared))
        else:
            manifest = self._disk_manifest(absolute) if suffix == ".json" and declared is None else None
            item = ExportFile(display, inner, Location(absolute), size, declared, is_manifest=manifest is not None)
            self._put(item)
            if manifest is not None:
                self.manifests.append(_FoundManifest(item, manifest, None))

    def _put(self, item: ExportFile) -> None:
        held = self.files.get(item.location.key)
        if held is None:
            self.files[item.location.key] = item
        elif item.declared_type and not held.declared_type:
            self.files[item.location.key] = dataclasses.replace(held, declared_type=item.declared_type)

    def _disk_manifest(self, absolute: str) -> Manifest | None:
        try:
            with open(absolute, "rb") as stream:
                if not maybe_manifest(stream.read(HEAD_BYTES)) or os.fstat(stream.fileno()).st_size > MAX_MANIFEST_BYTES:
                    return None
                stream.seek(0)
                return parse_manifest(stream.read())
        except OSError:
            return None  # the reader reports it

    # -- zip archives ------------------------------------------------------------------------------
    def _add_zip(self, absolute: str, display: str, size: int) -> None:
        try:
            archive = zipfile.ZipFile(absolute)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else f"not a readable zip archive ({exc})"
            self.out.findings.append((display, make_issue("file.unreadable", reason=reason)))
            return
        self._open_archives.append(archive)
        try:
            members = inspect_zip(archive, size, self.limits)
        except ArchiveRefused as exc:
            self.out.findings.append((display, make_issue("export.archive-refused", reason=str(exc))))
            return
        for info in members:
            name = info.filename
            if any(part.startswith(".") or part == "__MACOSX" for part in name.split("/")) or not _accepted(name):
                continue
            shown = f"{display}!/{name}"
            gz = name.lower().endswith(".gz")
            location = Location(absolute, name, gz)
            inner = name[:-3] if gz else name
            manifest = self._zip_manifest(archive, info, shown) if name.lower().endswith(".json") else None
            item = ExportFile(shown, inner, location, info.compress_size, is_manifest=manifest is not None)
            self._put(item)
            if manifest is not None:
                self.manifests.append(_FoundManifest(item, manifest, archive))

    def _zip_manifest(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str) -> Manifest | None:
        if info.file_size > MAX_MANIFEST_BYTES:
            return None
        try:
            with guarded_member(archive, info, self.limits, shown) as stream:
                head = stream.read(HEAD_BYTES)
                if not maybe_manifest(head):
                    return None
                return parse_manifest(head + _read_all(stream))
        except Exception:  # noqa: BLE001 - a member we cannot read now is reported when it is read as a file
            return None

    # -- Bulk Data manifests -----------------------------------------------------------------------
    def apply_manifests(self) -> None:
        for found in self.manifests:
            shown = found.file.display
            for reason, where in found.manifest.problems:
                self.out.findings.append((shown, make_issue("export.manifest-invalid", reason=reason, location=where)))
            for entry in found.manifest.entries:
                self._apply_entry(found, entry.type, entry.url, entry.where)

    def _apply_entry(self, found: _FoundManifest, kind: str, url: str, where: str) -> None:
        shown = found.file.display
        relative = resolve_url(url, "")
        if relative is None:
            issue = make_issue("export.manifest-file-missing", url=url, reason="it points outside the export",
                               location=where)
            self.out.findings.append((shown, issue))
            return
        inner = posixpath.join(posixpath.dirname(found.file.inner), relative)
        if found.archive is not None:
            member = posixpath.join(posixpath.dirname(found.file.location.member or ""), relative)
            key: tuple[str, str | None] = (found.file.location.path, member)
            missing = key not in self.files
            place = f"{found.file.location.path}!/{member}"
        else:
            absolute = identity(os.path.join(os.path.dirname(found.file.location.path), relative))
            key = (absolute, None)
            if key not in self.files and os.path.isfile(absolute):
                display = os.path.join(os.path.dirname(shown), relative) if os.path.dirname(shown) else relative
                self._add_file(Path(display), inner, declared=kind)
            missing = key not in self.files
            place = relative
        if missing:
            self.out.findings.append((shown, make_issue("export.manifest-file-missing", url=url,
                                                        reason=f"{place} is not in the export", location=where)))
            return
        held = self.files[key]
        if not held.declared_type:
            self.files[key] = dataclasses.replace(held, declared_type=kind)


def _accepted(name: str) -> bool:
    suffix = os.path.splitext(name)[1].lower()
    return suffix in FHIR_EXTENSIONS or suffix in _ARCHIVE_EXTENSIONS


def _static_root(pattern: str) -> Path:
    """The folder before a glob's first wildcard: what inner paths are relative to."""
    parts = Path(pattern).parts
    fixed: list[str] = []
    for part in parts[:-1]:
        if is_pattern(part):
            break
        fixed.append(part)
    return Path(*fixed) if fixed else Path(".")


def _inner(path: Path, root: Path) -> str:
    try:
        relative = os.path.relpath(path, root)
    except ValueError:
        relative = path.name
    if relative.startswith(".."):
        relative = path.name
    return relative.replace(os.sep, "/")


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _read_all(stream: GuardedStream) -> bytes:
    parts = []
    while chunk := stream.read(1 << 20):
        parts.append(chunk)
    return b"".join(parts)
