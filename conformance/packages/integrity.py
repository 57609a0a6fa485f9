"""Each installed package records the SHA-256 and size of its files, so damage is named, not guessed.

`record()` runs on a prepared package just before it is renamed into the cache and writes
`<id>#<version>/.conformance/integrity.json` (outside `package/`, where other FHIR tools never look).
`check()` runs on every load from the cache and costs one `stat` per file: a file that is missing
or has another size (a truncated download, a disk that filled up, an edited definition) makes
the load a `PackageError` that names the package, the file and the command that reinstalls it
(exit 2) — never "unknown resource type" blamed on the user's input. `verify()` compares every
hash (`conformance packages verify`). Packages installed by other tools carry no record; for
them, a definition that cannot be read is reported the same way when the package is indexed.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from conformance.packages.errors import PackageError

RECORD_DIR = ".conformance"
RECORD_NAME = "integrity.json"
FORMAT = 1


def _files(content: Path) -> list[tuple[str, Path]]:
    """Every file of `content` (the `package/` folder), hidden ones included, as (posix name, path)."""
    found = []
    for folder, dirs, names in os.walk(content):
        dirs.sort()
        for name in sorted(names):
            path = Path(folder) / name
            found.append((path.relative_to(content).as_posix(), path))
    return found


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def record(content: Path, source: str) -> None:
    """Write the record for the prepared `content` folder (`.../package`); `source` is what reinstalls it."""
    files = {name: [path.stat().st_size, _digest(path)] for name, path in _files(content)}
    folder = content.parent / RECORD_DIR
    folder.mkdir(parents=True, exist_ok=True)
    data = {"format": FORMAT, "source": source, "files": files}
    (folder / RECORD_NAME).write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")


def read_record(content: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((content.parent / RECORD_DIR / RECORD_NAME).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("files"), dict):
        return None
    return data


def reinstall_command(label: str, content: Path) -> str:
    data = read_record(content)
    source = data.get("source") if data else None
    spec = source if isinstance(source, str) and source and source != label else label
    return f"conformance packages install {_quote(spec)} --reinstall"


def damaged(label: str, content: Path, what: str) -> PackageError:
    return PackageError(f"the package {label} in {content.parent.parent} is damaged: {what}; reinstall it with: "
                        f"{reinstall_command(label, content)}")


def check(label: str, content: Path) -> None:
    """Cheap: every recorded file is there with its recorded size. PackageError naming the damage."""
    data = read_record(content)
    if data is None:
        return
    for name, (size, _sha) in data["files"].items():
        try:
            actual = (content / name).stat().st_size
        except OSError:
            raise damaged(label, content, f"{name} is missing") from None
        if actual != size:
            raise damaged(label, content, f"{name} has {actual:,} bytes, {size:,} when it was installed")


def verify(label: str, content: Path) -> list[str]:
    """Every recorded file hashed again: what differs ([] when whole, or when there is no record)."""
    data = read_record(content)
    if data is None:
        return []
    problems = []
    for name, (size, sha) in data["files"].items():
        path = content / name
        try:
            if path.stat().st_size != size:
                problems.append(f"{name} has another size than when it was installed")
            elif _digest(path) != sha:
                problems.append(f"{name} has another SHA-256 than when it was installed")
        except OSError:
            problems.append(f"{name} is missing")
    return problems


def _quote(text: str) -> str:
    return text if all(c.isalnum() or c in "._-#/~:" for c in text) else "'" + text.replace("'", "'\\''") + "'"
