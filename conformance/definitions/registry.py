"""Definitions by canonical URL and by type name, from a loaded package set.

This is the one place that knows how FHIR names map to StructureDefinitions: a type name
(`Patient`, `HumanName`, `string`) is the core URL `http://hl7.org/fhir/StructureDefinition/<name>`;
profiles are found by their own canonical URL (optionally `|version`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from conformance.definitions.snapshot import SnapshotGenerator, element_list
from conformance.definitions.xml_json import make_xml_to_json

if TYPE_CHECKING:
    from conformance.issues import Issue
    from conformance.packages import PackageCache, PackageSet

CORE_SD_PREFIX = "http://hl7.org/fhir/StructureDefinition/"


def split_canonical(url: str) -> tuple[str, str | None]:
    """`url|version` → (url, version); a `#fragment` is kept as part of the url."""
    if "|" in url:
        base, _, version = url.partition("|")
        return base, version or None
    return url, None


class Definitions:
    """StructureDefinitions, ValueSets and CodeSystems available to a run."""

    def __init__(self, packages: PackageSet) -> None:
        self.packages = packages
        self._by_url: dict[tuple[str, str | None], dict[str, Any] | None] = {}
        self._with_snapshot: dict[str, dict[str, Any] | None] = {}
        self.snapshots = SnapshotGenerator(self.resolve)

    @classmethod
    def load(cls, specs: Sequence[str], cache: PackageCache) -> Definitions:
        """Load packages (core included) so that XML conformance resources convert on first use.

        The converter needs the core definitions, which come from the very package set being
        loaded; it runs lazily, so it can be handed over before the set exists.
        """
        from conformance.packages import load_packages

        holder: list[PackageSet] = []
        convert = make_xml_to_json(lambda name: holder[0].resolve(CORE_SD_PREFIX + name) if holder else None)
        packages = load_packages(list(specs), cache, xml_to_json=convert)
        holder.append(packages)
        return cls(packages)

    @property
    def issues(self) -> list[Issue]:
        """Problems met while generating snapshots (each missing definition once)."""
        return list(self.snapshots.issues)

    def resolve(self, url: str, version: str | None = None) -> dict[str, Any] | None:
        """Any conformance resource by canonical URL (memoised, None when absent)."""
        if version is None:
            url, version = split_canonical(url)
        key = (url, version)
        if key not in self._by_url:
            self._by_url[key] = self.packages.resolve(url, version)
        return self._by_url[key]

    def structure_definition(self, url_or_type: str) -> dict[str, Any] | None:
        """A StructureDefinition with its snapshot (generated from the differential when absent)."""
        if url_or_type in self._with_snapshot:
            return self._with_snapshot[url_or_type]
        url = url_or_type if ("/" in url_or_type or ":" in url_or_type) else CORE_SD_PREFIX + url_or_type
        sd = self.resolve(url)
        if sd is not None and sd.get("resourceType") != "StructureDefinition":
            sd = None
        if sd is not None and not element_list(sd, "snapshot"):
            sd = self.snapshots.snapshot_of(url) or sd  # "url|version" keeps its version
        self._with_snapshot[url_or_type] = sd
        return sd

    @cached_property
    def _type_entries(self) -> dict[str, Any]:
        """Type name → index entry of its base definition (derivation specialization)."""
        types: dict[str, Any] = {}
        for _package, entry in self.packages.entries_of_type("StructureDefinition"):
            derivation = getattr(entry, "derivation", None)
            if derivation == "constraint":
                continue
            name = getattr(entry, "type", None)
            url = getattr(entry, "url", None) or ""
            if name and url == CORE_SD_PREFIX + name and name not in types:
                types[name] = entry
        return types

    @cached_property
    def resource_types(self) -> frozenset[str]:
        """Concrete and abstract resource type names the loaded packages define."""
        return frozenset(n for n, e in self._type_entries.items() if getattr(e, "kind", None) == "resource")

    def is_abstract(self, type_name: str) -> bool:
        entry = self._type_entries.get(type_name)
        return bool(entry is not None and getattr(entry, "abstract", False))

    def value_set(self, url: str) -> dict[str, Any] | None:
        """A ValueSet by canonical URL; `owner#id` is the ValueSet contained in the resource `owner`
        (a profile's binding to its own contained value set, see validation/plan.py)."""
        vs = self.resolve(url)
        if vs is None and "#" in url:
            vs = self._contained(*url.split("#", 1))
        return vs if vs is not None and vs.get("resourceType") == "ValueSet" else None

    def _contained(self, owner: str, local_id: str) -> dict[str, Any] | None:
        container = self.resolve(owner)
        for resource in (container or {}).get("contained") or ():
            if isinstance(resource, dict) and resource.get("id") == local_id:
                return resource
        return None

    def code_system(self, url: str) -> dict[str, Any] | None:
        cs = self.resolve(url)
        return cs if cs is not None and cs.get("resourceType") == "CodeSystem" else None
