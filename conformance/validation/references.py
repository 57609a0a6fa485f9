"""Resolving references inside the resource being validated (contained) and its Bundle.

A `ResolutionScope` is built once per resource or Bundle in linear time: contained resources by
`#id`, Bundle entries by `fullUrl` and by `Type/id` relative to each entry's base. References
resolve in O(1) — no quadratic scan over entries, whatever the Bundle's size.

R4 bundle.html, "Resolving references in Bundles": an absolute reference (`http:`, `urn:uuid:`, ...)
matches an entry's fullUrl; a relative `Type/id` is resolved against the [root] of the fullUrl of the entry
that holds it when that fullUrl is a RESTful URL (references.html#regex), "else no resolution is possible
and the reference has no defined meaning"; a version-specific reference loses its version for the fullUrl
match and then matches `Resource.meta.versionId`. A scope built with `strict=True` (the validator's) follows
exactly that; the default also accepts a relative reference that matches any entry with a RESTful fullUrl
ending in the same `Type/id` whatever its base (the export rules' older, looser reading). A reference that
is not version-specific and matches several entries (the same fullUrl with different `meta.versionId`, as
bdl-7 allows) is `ambiguous`: it names no one resource (except in a history Bundle, whose entries are the
versions of one resource: a version-independent reference names that resource). The HL7 validator reports
such a reference as an error too, in history Bundles also.
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
    # (fullUrl, meta.versionId) of the entries that have a version, for version-specific references
    by_version: dict[tuple[str, str], Node] = field(default_factory=dict)
    ambiguous: set[str] = field(default_factory=set)  # fullUrls that more than one entry has
    strict: bool = False  # R4's rules only: no `Type/id` match across bases (see the module's docstring)
    is_entry: bool = False  # the scope of an entry's resource: its `entry_base` (None for a URN) applies
    # the `id`s of contained resources whose id an earlier contained resource has (`#id` names the first)
    duplicate_contained: list[Node] = field(default_factory=list)

    @classmethod
    def for_resource(cls, resource: Node, parent: ResolutionScope | None) -> ResolutionScope:
        scope = cls(parent=parent)
        for c in resource.children:
            if c.name == "contained":
                id_node = c.child("id")
                if id_node is not None and id_node.value and scope.contained.setdefault(id_node.value, c) is not c:
                    scope.duplicate_contained.append(id_node)
        return scope

    @classmethod
    def for_bundle(cls, bundle: Node, parent: ResolutionScope | None, strict: bool = False) -> ResolutionScope:
        scope = cls(parent=parent, strict=strict)
        type_node = bundle.child("type")
        scope.bundle_type = type_node.value if type_node is not None else None
        for entry in bundle.children_named("entry"):
            full_url = entry.child("fullUrl")
            resource = entry.child("resource")
            if full_url is None or not full_url.value or resource is None:
                continue
            if scope.by_full_url.setdefault(full_url.value, resource) is not resource:
                scope.ambiguous.add(full_url.value)
            meta = resource.child("meta")
            version = meta.child("versionId") if meta is not None else None
            if version is not None and version.value:
                scope.by_version.setdefault((full_url.value, version.value), resource)
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
        base: str | None = None
        based = False  # the base of the innermost entry is found: an outer entry's does not apply
        while scope is not None:
            if not based and (scope.is_entry or scope.entry_base is not None):
                base, based = scope.entry_base, True
            found = scope._resolve_here(text, parsed, base)
            if found is not None:
                return found
            scope = scope.parent
        return None

    def full_url_of(self, text: str, parsed: ParsedReference | None = None) -> str | None:
        """The fullUrl `text` names by R4's rules (absolute, or relative to the innermost entry's RESTful
        fullUrl), without any version; None when it names none."""
        if parsed is None:
            parsed = parse_reference(text)
        if parsed.kind == "contained":
            return None
        if parsed.kind == "relative":
            scope: ResolutionScope | None = self
            while scope is not None:
                if scope.is_entry or scope.entry_base is not None:
                    return f"{scope.entry_base}/{parsed.resource_type}/{parsed.id}" if scope.entry_base else None
                scope = scope.parent
            return None
        return text.partition("/_history/")[0]

    def is_ambiguous(self, text: str, parsed: ParsedReference | None = None) -> bool:
        """Whether `text`, not version-specific, names a fullUrl that several entries of the Bundle have."""
        if "/_history/" in text:
            return False
        bundle = self.in_bundle
        if bundle is None or not bundle.ambiguous or bundle.bundle_type == "history":
            return False  # a history holds versions of one resource: a version-independent reference names it
        url = self.full_url_of(text, parsed)
        return url is not None and url in bundle.ambiguous

    def _resolve_here(self, text: str, parsed: ParsedReference, base: str | None = None) -> Node | None:
        if parsed.kind == "contained":
            if parsed.id is None:
                return None
            return self.contained.get(parsed.id)
        if not (self.by_full_url or self.by_relative):
            return None
        hit = self.by_full_url.get(text)
        if hit is not None:
            return hit
        if self.strict:
            return self._resolve_strictly(text, parsed, base)
        if parsed.kind == "relative" and parsed.resource_type and parsed.id:
            key = f"{parsed.resource_type}/{parsed.id}"
            if base:
                hit = self.by_full_url.get(f"{base}/{key}")
                if hit is not None:
                    return hit
            return self.by_relative.get(key)
        return None

    def _resolve_strictly(self, text: str, parsed: ParsedReference, base: str | None) -> Node | None:
        """R4 bundle.html's resolution, once the exact fullUrl match failed."""
        url, history, version = text.partition("/_history/")
        if parsed.kind == "relative":
            if not base or not parsed.resource_type or not parsed.id:
                return None  # "no resolution is possible"
            url = f"{base}/{parsed.resource_type}/{parsed.id}"
            if not history:
                return self.by_full_url.get(url)
        if history:
            return self.by_version.get((url, version))
        return None

    @property
    def in_bundle(self) -> ResolutionScope | None:
        scope: ResolutionScope | None = self
        while scope is not None:
            if scope.bundle_type is not None:
                return scope
            scope = scope.parent
        return None
