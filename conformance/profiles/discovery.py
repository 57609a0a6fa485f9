"""Where profiles are found: folders the user names first, then the ones that ship with the tool.

Search order (the first profile of a given id wins, so a user's copy shadows a built-in one):
1. `--profiles-dir DIR` (repeatable), in the order given;
2. `CONFORMANCE_PROFILES_PATH` (folders separated by os.pathsep);
3. the built-in profiles: the top-level `profiles/` folder next to the `conformance` package (a
   source checkout or an editable install), else `<prefix>/share/conformance/profiles` where a
   wheel installs them as data files.

A PROFILE argument may also be a path to a profile folder or to its profile.yaml.
"""

from __future__ import annotations

import os
import sysconfig
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from conformance.profiles.errors import LocatedError, ProfileError
from conformance.profiles.loader import MANIFEST

ENV_VAR = "CONFORMANCE_PROFILES_PATH"
_PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # .../conformance


def builtin_roots() -> list[Path]:
    """The folders holding the profiles that come with the tool (those that exist)."""
    candidates = [_PACKAGE_ROOT.parent / "profiles",
                  Path(sysconfig.get_paths()["data"]) / "share" / "conformance" / "profiles"]
    return [c for c in candidates if c.is_dir()][:1]


def profile_roots(extra: Sequence[Path] = (), environ: Mapping[str, str] | None = None) -> list[Path]:
    env = os.environ if environ is None else environ
    roots = [Path(p).expanduser() for p in extra]
    roots += [Path(p).expanduser() for p in env.get(ENV_VAR, "").split(os.pathsep) if p.strip()]
    roots += builtin_roots()
    unique: list[Path] = []
    for root in roots:
        if root not in unique:
            unique.append(root)
    return unique


def list_profiles(roots: Sequence[Path]) -> list[Path]:
    """Profile folders (holding a profile.yaml) under the roots; the first of each folder name wins."""
    found: dict[str, Path] = {}
    for root in roots:
        if (root / MANIFEST).is_file():  # a root that is itself a profile
            found.setdefault(root.name, root)
            continue
        try:
            children = sorted(p for p in root.iterdir() if (p / MANIFEST).is_file())
        except OSError:
            continue
        for child in children:
            found.setdefault(child.name, child)
    return list(found.values())


def find_profile(name: str, roots: Sequence[Path]) -> Path:
    """The folder of the profile `name` (an id, or a path); ProfileError saying where it looked."""
    as_path = Path(name).expanduser()
    if as_path.is_dir() and (as_path / MANIFEST).is_file():
        return as_path
    if as_path.is_file() and as_path.suffix in (".yaml", ".yml"):
        return as_path
    folders = list_profiles(roots)
    for folder in folders:
        if folder.name == name:
            return folder
    for folder in folders:
        if _declared_id(folder) == name:
            return folder
    for folder in folders:
        if name in _declared_aliases(folder):
            return folder
    known = ", ".join(sorted(f.name for f in folders)) or "none"
    searched = ", ".join(str(r) for r in roots) or "nowhere (no profile folders exist)"
    raise ProfileError([LocatedError(name, f"no profile '{name}'; searched {searched}; available: {known}")],
                       f"no profile '{name}'")


def _manifest_data(folder: Path) -> dict[str, object]:
    try:
        data = yaml.safe_load((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def _declared_id(folder: Path) -> str | None:
    value = _manifest_data(folder).get("id")
    return value if isinstance(value, str) else None


def _declared_aliases(folder: Path) -> list[str]:
    """The other ids a profile answers to (`aliases:`), e.g. the id of the profile it replaces."""
    value = _manifest_data(folder).get("aliases")
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
