"""Unpacking FHIR package tarballs safely into the `package/` layout.

A tarball comes from a registry or a user, so it is untrusted: members are extracted with the
standard library's "data" filter (no absolute paths, no `..`, no links out, no devices).
Published packages put everything under `package/`; some hand-made ones put `package.json` at
the top or under another single folder, so the folder holding `package.json` is what we keep.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from conformance.packages.errors import PackageError


def unpack(tgz: Path, dest: Path) -> Path:
    """Extract `tgz` into `dest` and return `dest/package` (the folder holding package.json)."""
    raw = dest / "raw"
    raw.mkdir(parents=True)
    try:
        with tarfile.open(tgz, "r:*") as archive:
            archive.extractall(raw, filter="data")
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        if isinstance(exc, OSError) and not isinstance(exc, tarfile.TarError) and exc.errno is not None:
            raise PackageError(f"cannot unpack {tgz}: {exc.strerror or exc}") from exc
        raise PackageError(f"{tgz} is not a readable package tarball ({exc}); download it again") from exc
    found = _manifest_folder(raw)
    if found is None:
        raise PackageError(f"{tgz} holds no package.json (expected package/package.json); is it a FHIR package?")
    package = dest / "package"
    found.rename(package)
    shutil.rmtree(raw, ignore_errors=True)
    return package


def _manifest_folder(raw: Path) -> Path | None:
    for candidate in (raw / "package", raw):
        if (candidate / "package.json").is_file():
            return candidate
    children = [c for c in raw.iterdir() if c.is_dir()]
    if len(children) == 1 and (children[0] / "package.json").is_file():
        return children[0]
    return None


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    digest = hashlib.new(algorithm)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tarball_json_files(tgz: Path, prefix: str) -> Iterator[tuple[str, Any]]:
    """The package's own `package.json` and every top-folder JSON file whose name starts with `prefix`, parsed,
    as (file name, content), read in place from a package tarball (the generators of bundled data tables)."""
    with tarfile.open(tgz) as tar:
        for member in tar.getmembers():
            name = member.name.rsplit("/", 1)[-1]
            wanted = (name == "package.json" and member.name.count("/") == 1) or \
                (name.startswith(prefix) and name.endswith(".json"))
            handle = tar.extractfile(member) if wanted and member.isfile() else None
            if handle is not None:
                yield name, json.load(handle)

