"""The per-package index: canonical URL -> file, built once and kept on disk.

Resolving a profile must not read 4,000 files, so each package's resources are summarised once
(file name, resourceType, id, url, version and, for StructureDefinitions, type, kind, derivation,
baseDefinition, abstract) and the summary is stored as compact JSON rows:

- for a package in the cache or an unpacked .tgz (immutable), next to it in
  `<id>#<version>/.conformance/index-v1.json`, checked against the folder's and package.json's
  stat (a single `stat` call, so a warm start costs milliseconds);
- for a folder or file loaded in place (which the user edits), in the user cache keyed by the
  absolute path, checked against every file's size and mtime.

XML resources are summarised with lxml's safe parser (no entities, no DTD, no network); only
their JSON form is produced later, by the converter the definitions layer injects.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from conformance.packages import usercache

FORMAT_VERSION = 1
INDEX_DIR = ".conformance"
INDEX_NAME = f"index-v{FORMAT_VERSION}.json"
FHIR_NS = "http://hl7.org/fhir"
RESOURCE_SUFFIXES = (".json", ".xml")
# folders of a published package that hold no definitions to resolve (examples, OpenAPI, extras)
SKIP_DIRS = frozenset({"example", "examples", "openapi", "other", "xml", "node_modules", "tests", "test"})
SKIP_FILES = frozenset({"package.json", ".index.json", "package-lock.json", "ig.ini", "fhirpkg.lock.json"})


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One resource in a package. `filename` is relative to the package folder, '/'-separated."""

    filename: str
    resource_type: str
    id: str | None = None
    url: str | None = None
    version: str | None = None
    type: str | None = None  # StructureDefinition only, as are the four below
    kind: str | None = None
    derivation: str | None = None
    base_definition: str | None = None
    abstract: bool | None = None

    # the FHIR spellings, for code that reads entries next to resources
    @property
    def resourceType(self) -> str:  # noqa: N802
        return self.resource_type

    @property
    def baseDefinition(self) -> str | None:  # noqa: N802
        return self.base_definition

    @property
    def is_xml(self) -> bool:
        return self.filename.endswith(".xml")


Row = list[Any]  # an entry's fields in IndexEntry order, trailing nulls dropped (the stored form)


class Index:
    """A package's entries, kept as stored rows and turned into `IndexEntry` objects on demand.

    A warm start reads thousands of rows but usually needs a handful of entries, so entries are
    created lazily (`entry(i)`), or all at once when `entries` is first read.
    """

    __slots__ = ("rows", "problems", "_entries", "_complete")

    def __init__(self, rows: list[Row], problems: list[tuple[str, str]]) -> None:
        self.rows = rows
        self.problems = problems  # (filename, reason) for files that looked like resources but were unreadable
        self._entries: list[IndexEntry | None] = [None] * len(rows)
        self._complete = False

    @classmethod
    def of(cls, entries: list[IndexEntry], problems: list[tuple[str, str]]) -> Index:
        made = cls([_row(e) for e in entries], problems)
        made._entries = list(entries)
        made._complete = True
        return made

    def entry(self, position: int) -> IndexEntry:
        made = self._entries[position]
        if made is None:
            made = self._entries[position] = IndexEntry(*self.rows[position])
        return made

    @property
    def entries(self) -> list[IndexEntry]:
        if not self._complete:
            self._entries = [self.entry(i) for i in range(len(self.rows))]
            self._complete = True
        return self._entries  # type: ignore[return-value]


def _row(entry: IndexEntry) -> Row:
    row = [entry.filename, entry.resource_type, entry.id, entry.url, entry.version, entry.type, entry.kind,
           entry.derivation, entry.base_definition, entry.abstract]
    while row[-1] is None:
        row.pop()
    return row


_ROW_WIDTH = len(fields(IndexEntry))


def summarise(filename: str, data: bytes) -> IndexEntry | None:
    """The entry for one file's bytes, None if it is not a FHIR resource; ValueError if unreadable."""
    if filename.endswith(".xml"):
        return summarise_xml(filename, data)
    return summarise_json(filename, data)


def summarise_json(filename: str, data: bytes) -> IndexEntry | None:
    try:
        resource = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"not valid JSON: {exc}") from exc
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        return None
    return _entry(filename, resource["resourceType"], resource.get)


_XML_PARSER_ARGS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}


def summarise_xml(filename: str, data: bytes) -> IndexEntry | None:
    from lxml import etree  # imported here: most runs never meet XML, and lxml is slow to import

    parser = etree.XMLParser(**_XML_PARSER_ARGS)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"not well-formed XML: {exc}") from exc
    qname = etree.QName(root)
    if qname.namespace != FHIR_NS:
        return None
    values: dict[str, str] = {}
    for child in root:
        if not isinstance(child.tag, str):
            continue
        child_name = etree.QName(child)
        value = child.get("value")
        if child_name.namespace == FHIR_NS and value is not None and child_name.localname not in values:
            values[child_name.localname] = value
    return _entry(filename, qname.localname, values.get)


def _entry(filename: str, resource_type: str, get: Any) -> IndexEntry:
    def text(key: str) -> str | None:
        value = get(key)
        return value if isinstance(value, str) else None

    if resource_type != "StructureDefinition":
        return IndexEntry(filename, resource_type, text("id"), text("url"), text("version"))
    abstract = get("abstract")
    if isinstance(abstract, str):  # XML gives the lexical form
        abstract = {"true": True, "false": False}.get(abstract)
    return IndexEntry(
        filename,
        resource_type,
        text("id"),
        text("url"),
        text("version"),
        type=text("type"),
        kind=text("kind"),
        derivation=text("derivation"),
        base_definition=text("baseDefinition"),
        abstract=abstract if isinstance(abstract, bool) else None,
    )


# -- walking a package folder -------------------------------------------------------------------


def list_files(root: Path) -> list[tuple[str, os.stat_result]]:
    """Candidate resource files under `root` (recursively, skipping SKIP_DIRS and hidden entries)."""
    found: list[tuple[str, os.stat_result]] = []
    stack = [(root, "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            children = list(os.scandir(folder))
        except OSError:
            continue
        for child in children:
            name = child.name
            if name.startswith("."):
                continue
            if child.is_dir():
                if name.lower() not in SKIP_DIRS:
                    stack.append((Path(child.path), f"{prefix}{name}/"))
            elif name.lower().endswith(RESOURCE_SUFFIXES) and name not in SKIP_FILES and child.is_file():
                found.append((prefix + name, child.stat()))
    found.sort(key=lambda item: item[0])
    return found


def build(root: Path, files: list[str]) -> Index:
    """Summarise `files` (relative to `root`); unreadable ones are reported, not fatal."""
    entries: list[IndexEntry] = []
    problems: list[tuple[str, str]] = []
    for filename in files:
        try:
            entry = summarise(filename, read_bytes(root / filename))
        except (OSError, ValueError) as exc:
            problems.append((filename, str(exc)))
            continue
        if entry is not None:
            entries.append(entry)
    return Index.of(entries, problems)


def read_bytes(path: Path) -> bytes:
    """Every resource file read by this layer goes through here (tests count the calls)."""
    return path.read_bytes()


# -- storing and reusing -------------------------------------------------------------------------


def sealed_fingerprint(root: Path) -> str:
    """For immutable packages: the folder's and the manifest's stat, one cheap call each."""
    parts = []
    for path in (root, root / "package.json"):
        with contextlib.suppress(OSError):
            info = path.stat()
            parts.append(f"{info.st_size}:{info.st_mtime_ns}")
    return "sealed:" + "/".join(parts)


def tree_fingerprint(files: list[tuple[str, os.stat_result]]) -> str:
    """For folders the user edits: every file's name, size and mtime."""
    digest = hashlib.sha256()
    for name, info in files:
        digest.update(f"{name}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return "tree:" + digest.hexdigest()


def load_sealed(root: Path) -> Index:
    """The index of an immutable package folder (`.../<id>#<version>/package`), built at most once."""
    fingerprint = sealed_fingerprint(root)
    primary = root.parent / INDEX_DIR / INDEX_NAME
    fallback = usercache.keyed("index", str(root.absolute()), ".json")
    for location in (primary, fallback):
        cached = _read(location, fingerprint)
        if cached is not None:
            return cached
    index = build(root, [name for name, _ in list_files(root)])
    if not _write(primary, fingerprint, index):
        _write(fallback, fingerprint, index)
    return index


def rebuild_sealed(root: Path) -> Index:
    """Index a sealed package folder again, ignoring (and replacing) what is stored."""
    index = build(root, [name for name, _ in list_files(root)])
    if not _write(root.parent / INDEX_DIR / INDEX_NAME, sealed_fingerprint(root), index):
        _write(usercache.keyed("index", str(root.absolute()), ".json"), sealed_fingerprint(root), index)
    return index


def load_tree(root: Path, only: str | None = None) -> Index:
    """The index of a folder loaded in place (or of the single file `only` in it)."""
    if only is not None:
        try:
            files = [(only, (root / only).stat())]
        except OSError:
            files = []
    else:
        files = list_files(root)
    fingerprint = tree_fingerprint(files)
    location = usercache.keyed("index", str((root / (only or "")).absolute()), ".json")
    cached = _read(location, fingerprint)
    if cached is not None:
        return cached
    index = build(root, [name for name, _ in files])
    _write(location, fingerprint, index)
    return index


def _read(location: Path, fingerprint: str) -> Index | None:
    try:
        stored = json.loads(location.read_bytes())
        if stored.get("format") != FORMAT_VERSION or stored.get("fingerprint") != fingerprint:
            return None
        rows, problems = stored["rows"], stored["problems"]
        if not all(isinstance(row, list) and 2 <= len(row) <= _ROW_WIDTH for row in rows):
            return None
        return Index(rows, [(str(name), str(reason)) for name, reason in problems])
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # absent, stale or damaged: rebuild


def _write(location: Path, fingerprint: str, index: Index) -> bool:
    """Store the index atomically; False (not an error) when the location is not writable."""
    payload = json.dumps(
        {"format": FORMAT_VERSION, "fingerprint": fingerprint, "rows": index.rows, "problems": index.problems},
        separators=(",", ":"),
    )
    try:
        location.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".index-", dir=location.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(payload)
            os.chmod(temp, 0o644)  # mkstemp makes it private; others sharing the cache may read it
            os.replace(temp, location)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
    except OSError:
        return False
    return True
