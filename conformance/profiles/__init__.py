"""Conformance profiles: manifests (`profile.yaml`), requirement catalogues and where to find them.

A profile is data in a folder: `profile.yaml` (checked against `schema/profile.schema.json`), a
`requirements.csv`, scenario YAML files (loaded by `conformance.scenarios`) and any FHIR
definitions it carries. Every problem in a user's profile is a `LocatedError` with file and line.
"""

from conformance.profiles.discovery import ENV_VAR, builtin_roots, find_profile, list_profiles, profile_roots
from conformance.profiles.errors import LocatedError, ProfileError
from conformance.profiles.loader import MANIFEST, load_profile
from conformance.profiles.model import AUTH_MODES, InputDecl, PackageRef, Profile, ReferenceSettings
from conformance.profiles.requirements import COLUMNS, LEVELS, parse_requirements, read_requirements, to_csv

__all__ = [
    "AUTH_MODES",
    "COLUMNS",
    "ENV_VAR",
    "LEVELS",
    "MANIFEST",
    "InputDecl",
    "LocatedError",
    "PackageRef",
    "Profile",
    "ProfileError",
    "ReferenceSettings",
    "builtin_roots",
    "find_profile",
    "list_profiles",
    "load_profile",
    "parse_requirements",
    "profile_roots",
    "read_requirements",
    "to_csv",
]
