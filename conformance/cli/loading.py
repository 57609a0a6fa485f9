"""Profiles as commands name them: a profile id or folder, searched in `--profiles-dir` first.

`run`, `check`, `profiles` and `serve --profile` all load a profile by name; they share these helpers from here, so no
command module imports another one (which would load that whole command). A `ProfileError` (every located
problem) goes up to the root group, which prints it and exits 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from conformance.profiles import Profile, find_profile, load_profile, profile_roots

if TYPE_CHECKING:
    from conformance.scenarios.model import Suite


def load_named_profile(name: str, profiles_dir: list[Path] | None = None) -> Profile:
    """The profile `name` (an id or a folder); ProfileError with every located problem."""
    return load_profile(find_profile(name, profile_roots(profiles_dir or [])))


def load_named_suite(name: str, profiles_dir: list[Path] | None = None) -> Suite:
    """The profile found by name (or folder) and its scenarios; ProfileError with every located problem."""
    from conformance.scenarios import (
        load_suite,  # the scenario runner's package: only for the commands that use it
    )

    return load_suite(load_named_profile(name, profiles_dir))
