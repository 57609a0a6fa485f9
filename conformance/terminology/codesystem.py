"""CodeSystems from the loaded packages, indexed once for lookup, hierarchy and filters.

Only a CodeSystem whose `content` is `complete` (or unstated) is *local*: it lists every code, so
"not in it" is a fact. Fragments, examples, supplements and systems held elsewhere (SNOMED CT, LOINC,
dm+d, even when a package carries a fragment of them) are not, and their codes are never judged
from a package.

The hierarchy is the union of what R4 allows: nested `concept`s, the `parent` (and R5 `subsumedBy`)
properties and the `child` property (poly-hierarchies, as the v3 code systems use).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from conformance.definitions.registry import Definitions
from conformance.terminology.syntax import EXTERNAL_SYSTEMS

_PARENT_PROPERTIES = ("parent", "subsumedBy")

# Complete copies, in the core package, of terminologies another body maintains and extends edition by
# edition. A code found in one is a code; a code missing may belong to a later edition, so its absence proves
# nothing (the HL7 validator asks a terminology server holding the current edition). Keyed by url and version.
DATED_COPIES: Mapping[tuple[str, str], str] = {
    ("http://dicom.nema.org/resources/ontology/DCM", "01"):
        "R4's copy of DICOM PS3.16 (version 01, 2015); later DICOM editions add codes",
}
_ABSTRACT_PROPERTIES = ("notSelectable", "abstract")


@dataclass(frozen=True, slots=True)
class ConceptEntry:
    """One code of a CodeSystem: its display, designations and properties (as lexical strings)."""

    code: str
    display: str | None
    designations: tuple[str, ...]
    properties: Mapping[str, tuple[str, ...]]
    abstract: bool

    @property
    def displays(self) -> tuple[str, ...]:
        """Every text that names this concept: the display, then the designations."""
        return ((self.display,) if self.display else ()) + self.designations


class LocalCodeSystem:
    """A CodeSystem resource indexed by code, with its hierarchy in both directions."""

    def __init__(self, resource: Mapping[str, Any]) -> None:
        self.url: str = resource.get("url", "")
        self.version: str | None = resource.get("version")
        self.content: str | None = resource.get("content")
        self.case_sensitive = resource.get("caseSensitive") is not False
        # set for a dated copy of an external terminology (DATED_COPIES): codes it lacks are not known to be wrong
        self.dated_copy: str | None = DATED_COPIES.get((self.url, self.version or ""))
        self.declared_properties = frozenset(p.get("code") for p in resource.get("property", ()) if p.get("code"))
        self.concepts: dict[str, ConceptEntry] = {}
        self.children: dict[str, set[str]] = {}
        self.parents: dict[str, set[str]] = {}
        self._folded: dict[str, str] = {}
        self._index(resource.get("concept", ()))

    @property
    def complete(self) -> bool:
        return self.content in (None, "complete") and self.url not in EXTERNAL_SYSTEMS

    def __contains__(self, code: str) -> bool:
        return self.find(code) is not None

    def __iter__(self) -> Iterator[ConceptEntry]:
        return iter(self.concepts.values())

    def find(self, code: str) -> ConceptEntry | None:
        """The concept for `code` (case-insensitively when the system says so)."""
        entry = self.concepts.get(code)
        if entry is None and not self.case_sensitive:
            canonical = self._folded.get(code.casefold())
            entry = self.concepts.get(canonical) if canonical is not None else None
        return entry

    def canonical(self, code: str) -> str | None:
        entry = self.find(code)
        return entry.code if entry is not None else None

    def descendants(self, code: str) -> set[str]:
        """Every code below `code` (not itself), safe against cycles."""
        return self._closure(code, self.children)

    def ancestors(self, code: str) -> set[str]:
        return self._closure(code, self.parents)

    @staticmethod
    def _closure(code: str, edges: Mapping[str, set[str]]) -> set[str]:
        found: set[str] = set()
        stack = list(edges.get(code, ()))
        while stack:
            c = stack.pop()
            if c not in found and c != code:
                found.add(c)
                stack.extend(edges.get(c, ()))
        return found

    # -- building --------------------------------------------------------------------------------
    def _index(self, top: Iterable[Mapping[str, Any]]) -> None:
        stack: list[tuple[Mapping[str, Any], str | None]] = [(c, None) for c in top]
        while stack:
            raw, parent = stack.pop()
            code = raw.get("code")
            if not isinstance(code, str) or not code:
                continue
            properties = _properties(raw.get("property", ()))
            designations = tuple(d["value"] for d in raw.get("designation", ()) if isinstance(d.get("value"), str))
            abstract = any(properties.get(p) == ("true",) for p in _ABSTRACT_PROPERTIES)
            display = raw.get("display") if isinstance(raw.get("display"), str) else None
            if code not in self.concepts:
                self.concepts[code] = ConceptEntry(code, display, designations, properties, abstract)
                self._folded.setdefault(code.casefold(), code)
            if parent is not None:
                self._link(parent, code)
            for name in _PARENT_PROPERTIES:
                for value in properties.get(name, ()):
                    self._link(value, code)
            for value in properties.get("child", ()):
                self._link(code, value)
            stack.extend((c, code) for c in raw.get("concept", ()))

    def _link(self, parent: str, child: str) -> None:
        self.children.setdefault(parent, set()).add(child)
        self.parents.setdefault(child, set()).add(parent)


def _properties(raw: Iterable[Mapping[str, Any]]) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for prop in raw:
        name = prop.get("code")
        if not isinstance(name, str):
            continue
        value = lexical_value(prop)
        if value is not None:
            found.setdefault(name, []).append(value)
    return {k: tuple(v) for k, v in found.items()}


def lexical_value(element: Mapping[str, Any]) -> str | None:
    """The `value[x]` of a property as the string a filter value is compared with."""
    for key, value in element.items():
        if not key.startswith("value"):
            continue
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (str, int, float)):
            return str(value)
        if isinstance(value, dict) and isinstance(value.get("code"), str):  # valueCoding
            return value["code"]
    return None


class CodeSystems:
    """Indexes CodeSystems on first use and keeps them for the run."""

    def __init__(self, definitions: Definitions) -> None:
        self.definitions = definitions
        self._cache: dict[tuple[str, str | None], LocalCodeSystem | None] = {}

    def get(self, system: str, version: str | None = None) -> LocalCodeSystem | None:
        """The CodeSystem `system` (of `version`), complete or not; None when no package has it."""
        key = (system, version)
        if key not in self._cache:
            resource = self.definitions.code_system(system if version is None else f"{system}|{version}")
            self._cache[key] = LocalCodeSystem(resource) if resource is not None else None
        return self._cache[key]

    def local(self, system: str, version: str | None = None) -> LocalCodeSystem | None:
        """The CodeSystem only when it is complete, so that its codes can be judged."""
        cs = self.get(system, version)
        return cs if cs is not None and cs.complete else None
