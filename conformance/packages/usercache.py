"""Where conformance keeps its own derived files (indexes of folders, unpacked .tgz files).

Kept apart from the FHIR package cache, which other tools share: `$CONFORMANCE_CACHE_DIR`, else
`$XDG_CACHE_HOME/conformance`, else `~/.cache/conformance`.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

ENV = "CONFORMANCE_CACHE_DIR"


def user_cache_dir() -> Path:
    if os.environ.get(ENV):
        return Path(os.environ[ENV]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path("~/.cache").expanduser()
    return base / "conformance"


def keyed(kind: str, key: str, suffix: str = "") -> Path:
    """A stable path under the user cache for `key` (an absolute path or a content hash)."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
    return user_cache_dir() / kind / f"{digest}{suffix}"
