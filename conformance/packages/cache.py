"""The standard FHIR package cache: `<root>/<id>#<version>/package/...`.

The root is the one the rest of the FHIR tool world shares (`~/.fhir/packages`), so a package
installed by the HL7 Java validator or Firely is used as is, and ours are usable by them. The root
can be moved with `--package-cache` or `FHIR_PACKAGE_CACHE` (option > environment > default).
Packages appear in the cache only whole: `place()` renames a fully prepared folder into position.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from conformance.packages import versions
from conformance.packages.errors import PackageError

CACHE_ENV = "FHIR_PACKAGE_CACHE"
DEFAULT_ROOT = Path("~/.fhir/packages")
_TEMP_PREFIX = ".tmp-conformance-"


class PackageCache:
    """One package cache folder; cheap to create, reads the disk only when asked."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).expanduser()

    @classmethod
    def default(cls, override: str | Path | None = None) -> PackageCache:
        """The cache named by `override`, else by $FHIR_PACKAGE_CACHE, else `~/.fhir/packages`."""
        chosen = override or os.environ.get(CACHE_ENV) or DEFAULT_ROOT
        return cls(Path(chosen).expanduser().absolute())

    def __repr__(self) -> str:
        return f"PackageCache({str(self.root)!r})"

    def installed(self) -> list[tuple[str, str]]:
        """Every complete package in the cache as (id, version), sorted by id then version order."""
        found: list[tuple[str, str]] = []
        if not self.root.is_dir():
            return found
        for child in self.root.iterdir():
            package_id, sep, version = child.name.partition("#")
            complete = (child / "package" / "package.json").is_file()
            if sep and package_id and version and not child.name.startswith(".") and complete:
                found.append((package_id, version))
        return sorted(found, key=lambda item: (item[0], versions.sort_key(item[1])))

    def versions_of(self, package_id: str) -> list[str]:
        return [v for i, v in self.installed() if i == package_id]

    def package_dir(self, package_id: str, version: str) -> Path | None:
        """The `.../<id>#<version>/package` folder, or None when that package is not installed."""
        folder = self.root / f"{package_id}#{version}" / "package"
        return folder if (folder / "package.json").is_file() else None

    def select(self, package_id: str, wanted: str | None) -> str | None:
        """The installed version that `wanted` selects (None/tag/range -> highest matching)."""
        return versions.best_match(wanted or "latest", self.versions_of(package_id))

    @contextlib.contextmanager
    def staging(self) -> Iterator[Path]:
        """A temporary folder inside the cache root (same file system, so `place` is a rename).

        It is removed afterwards whatever happens, so an interrupted install leaves nothing.
        """
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            folder = Path(tempfile.mkdtemp(prefix=_TEMP_PREFIX, dir=self.root))
        except OSError as exc:
            raise PackageError(f"cannot write to the package cache {self.root}: {exc.strerror or exc}") from exc
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def remove(self, package_id: str, version: str) -> None:
        """Take a package out of the cache: renamed away first (so it vanishes at once), then deleted."""
        target = self.root / f"{package_id}#{version}"
        if not target.exists():
            return
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            trash = Path(tempfile.mkdtemp(prefix=_TEMP_PREFIX, dir=self.root))
            os.replace(target, trash / "removed")
        except OSError as exc:
            raise PackageError(f"cannot remove {target} from the package cache: {exc.strerror or exc}") from exc
        shutil.rmtree(trash, ignore_errors=True)

    def place(self, prepared: Path, package_id: str, version: str) -> Path:
        """Move a prepared `<something>/package/...` folder into the cache in one rename.

        `prepared` must be inside `staging()`. If another process installed the same package
        meanwhile, theirs is kept (packages are immutable) and ours is discarded.
        """
        target = self.root / f"{package_id}#{version}"
        try:
            os.replace(prepared, target)
        except OSError as exc:
            if self.package_dir(package_id, version) is None:
                raise PackageError(
                    f"cannot install {package_id}#{version}: {target} is in the way ({exc.strerror or exc}); "
                    "remove it and try again"
                ) from exc
        return target / "package"
