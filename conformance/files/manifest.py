"""FHIR Bulk Data `$export` manifests: which NDJSON files an export has, and the type of each.

A manifest is a JSON object with `transactionTime`, `request` and `output[]` (each `{type, url}`),
optionally `error[]` (OperationOutcome files). It is told apart from a resource by having
`output` and no `resourceType`. Its URLs are resolved to files of the export on this machine:
- a relative URL is taken relative to the manifest's folder, and may not leave the export;
- an absolute URL (`https://server/files/Patient_1.ndjson`, `file:///...`) is taken by its last
  path segment, in the manifest's folder — where a downloader puts the files it fetched.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

MAX_MANIFEST_BYTES = 64 << 20
_REQUIRED = ("transactionTime", "request", "output")


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    type: str
    url: str
    where: str  # e.g. output[3], for messages


@dataclass(slots=True)
class Manifest:
    entries: list[ManifestEntry] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (reason, where)


def maybe_manifest(head: bytes) -> bool:
    """A cheap first look at a `.json` file's start: worth parsing as a manifest?"""
    return b'"resourceType"' not in head and (b'"output"' in head or b'"transactionTime"' in head)


def parse_manifest(data: bytes) -> Manifest | None:
    """The manifest's entries and problems; None when the JSON is not a manifest at all."""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(doc, dict) or "resourceType" in doc or "output" not in doc:
        return None
    manifest = Manifest()
    for key in _REQUIRED:
        if key not in doc:
            manifest.problems.append((f"it has no '{key}'", ""))
    for key, default_type in (("output", None), ("error", "OperationOutcome")):
        items = doc.get(key, [])
        if not isinstance(items, list):
            manifest.problems.append((f"'{key}' is not a list", key))
            continue
        for i, item in enumerate(items):
            _entry(manifest, item, f"{key}[{i}]", default_type)
    return manifest


def _entry(manifest: Manifest, item: Any, where: str, default_type: str | None) -> None:
    if not isinstance(item, dict):
        manifest.problems.append(("an entry is not an object", where))
        return
    kind = item.get("type", default_type)
    url = item.get("url")
    if not isinstance(kind, str) or not kind:
        manifest.problems.append(("the entry has no 'type'", where))
        return
    if not isinstance(url, str) or not url:
        manifest.problems.append(("the entry has no 'url'", where))
        return
    manifest.entries.append(ManifestEntry(kind, url, where))


def resolve_url(url: str, manifest_dir: str) -> str | None:
    """The posix path inside the export that `url` names (see the module docstring); None when it
    names nothing usable or a place outside the export."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        name = posixpath.basename(unquote(parts.path))
        if not name or name in (".", ".."):
            return None
        return posixpath.join(manifest_dir, name) if manifest_dir else name
    path = unquote(parts.path)
    if not path or path.startswith("/") or "\\" in path:
        return None
    joined = posixpath.normpath(posixpath.join(manifest_dir, path)) if manifest_dir else posixpath.normpath(path)
    if joined == ".." or joined.startswith("../") or joined.startswith("/"):
        return None
    return joined
