"""Resolving references inside the resource being validated (contained) and its Bundle.

A `ResolutionScope` is built once per resource or Bundle in linear time: contained resources by
`#id`, Bundle entries by `fullUrl` and by `Type/id` relative to each entry's base. References
resolve in O(1) — no quadratic scan over entries, whatever the Bundle's size.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from conformance.fhir.tree import Node

# RESTful reference: [base/]Type/id[/_history/version]
_RELATIVE = re.compile(r"^(?:(?P<base>.*)/)?(?P<type>[A-Z][A-Za-z]+)/(?P<id>[A-Za-z0-9\-.]{1,64})(?:/_history/[A-Za-z0-9\-.]{1,64})?$")


class ParsedReference(NamedTuple):
    """A reference's parts. A named tuple, not a frozen dataclass: one is made per reference of every
    resource, and a frozen dataclass's `__init__` (one `object.__setattr__` per field) cost five times more."""

    kind: Literal["contained", "relative", "absolute", "urn", "other"]
    resource_type: str | None
    id: str | None
    base: str | None


@functools.lru_cache(maxsize=4096)
def parse_reference(text: str) -> ParsedReference:
    """A reference's parts. Cached (bounded): the same references recur across an export's resources
    (`Organization/gp-1`, `Patient/p-1` from each of its Observations), and the parts are immutable."""
    if text.startswith("#"):
        return ParsedReference("contained", None, text[1:] or None, None)
    if text.startswith(("urn:uuid:", "urn:oid:")):
        return ParsedReference("urn", None, None, None)
    m = _RELATIVE.match(text)
    if m:
        base = m.group("base")
        return ParsedReference("absolute" if base and "://" in base else "relative", m.group("type"), m.group("id"),
                               base)
    return ParsedReference("other", None, None, None)


@dataclass(slots=True)
class ResolutionScope:
    """What references can resolve to: a resource's contained resources, a Bundle's entries."""

    contained: dict[str, Node] = field(default_factory=dict)
    by_full_url: dict[str, Node] = field(default_factory=dict)
    by_relative: dict[str, Node] = field(default_factory=dict)  # "Type/id" for entries with a RESTful fullUrl
    bundle_type: str | None = None
    parent: ResolutionScope | None = None
    entry_base: str | None = None  # the base of the current entry's fullUrl

    @classmethod
    def for_resource(cls, resource: Node, parent: ResolutionScope | None) -> ResolutionScope:
        scope = cls(parent=parent)
        for c in resource.children:
            if c.name == "contained":
                id_node = c.child("id")
                if id_node is not None and id_node.value:
                    scope.contained[id_node.value] = c
        return scope

    @classmethod
    def for_bundle(cls, bundle: Node, parent: ResolutionScope | None) -> ResolutionScope:
        scope = cls(parent=parent)
        type_node = bundle.child("type")
        scope.bundle_type = type_node.value if type_node is not None else None
        for entry in bundle.children_named("entry"):
            full_url = entry.child("fullUrl")
            resource = entry.child("resource")
            if full_url is None or not full_url.value or resource is None:
                continue
            scope.by_full_url.setdefault(full_url.value, resource)
            parsed = parse_reference(full_url.value)
            if parsed.resource_type and parsed.id:
                scope.by_relative.setdefault(f"{parsed.resource_type}/{parsed.id}", resource)
        return scope

    def resolve(self, text: str, host: Node | None = None, parsed: ParsedReference | None = None) -> Node | None:
        """The resource a reference points at, if it is inside this scope (or an enclosing one); `parsed` is
        `parse_reference(text)` when the caller has it already."""
        if parsed is None:
            parsed = parse_reference(text)
        scope: ResolutionScope | None = self
        while scope is not None:
            found = scope._resolve_here(text, parsed)
            if found is not None:
                return found
            scope = scope.parent
        return None

    def _resolve_here(self, text: str, parsed: ParsedReference) -> Node | None:
        if parsed.kind == "contained":
            if parsed.id is None:
                return None
            return self.contained.get(parsed.id)
        hit = self.by_full_url.get(text)
        if hit is not None:
            return hit
        if parsed.kind == "relative" and parsed.resource_type and parsed.id:
            key = f"{parsed.resource_type}/{parsed.id}"
            if self.entry_base:
                hit = self.by_full_url.get(f"{self.entry_base}/{key}")
                if hit is not None:
                    return hit
            return self.by_relative.get(key)
        return None

    @property
    def in_bundle(self) -> ResolutionScope | None:
        scope: ResolutionScope | None = self
        while scope is not None:
            if scope.bundle_type is not None:
                return scope
            scope = scope.parent
        return None
