"""StructureDefinition snapshots generated from differentials.

UK Core and many national profiles are published as differentials only; validation needs the
snapshot: every element of the type, as constrained. A snapshot is built the way the FHIR R4
profiling rules (and the HL7 reference generator) define it:

1. start from the base definition's snapshot (generated first when the base has none);
2. place each differential element by its id (or, without one, by its path in the context of
   the elements before it): names walk into children, expanding a data type's children (from
   the type's definition, or from the profile named by `type.profile`, as for an extension
   slice) or a `contentReference` only when a path needs them; `:name` selects or creates a
   slice after the existing ones (a re-slice `a/b` lives under slice `a`); a new slice is the
   element as inherited with the children as the slicing entry constrains them (the entry
   applies to all its slices, child slices and fixed values included); a renamed choice
   (`valueQuantity` for `value[x]`) is a type slice of the choice, except inside a slice's own
   inherited content, where (as the HL7 generator does) it constrains the choice to that type;
3. merge the differential element into the one it constrains (`conformance.definitions.merge`);
4. write the tree back as a list: an element, its children, then its slices.

Generated snapshots share nested values (types, bindings, constraints) with the definitions they
came from: treat them as read-only, like everything a package set returns.

Nothing here raises for a bad or incomplete definition. A definition that is not loaded (a
base, a type profile, an extension definition) is reported once as `definition.unresolved`
and the snapshot is built without it; a differential element that matches nothing is reported
as `definition.unplaced-element` and skipped.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from conformance.definitions.element_tree import Element, ElementNode, build_tree, flatten
from conformance.definitions.merge import (
    REFERENCE_TYPES,
    apply_profile_root,
    extension_documentation,
    merge_element,
    parse_max,
)
from conformance.definitions.xml_json import type_code
from conformance.issues import Issue, make_issue

CORE_SD_PREFIX = "http://hl7.org/fhir/StructureDefinition/"
Resolver = Callable[[str], "dict[str, Any] | None"]

EXTENSION_SLICING: dict[str, Any] = {"discriminator": [{"type": "value", "path": "url"}], "ordered": False,
                                     "rules": "open"}
TYPE_SLICING: dict[str, Any] = {"discriminator": [{"type": "type", "path": "$this"}], "ordered": False,
                                "rules": "closed"}
_EXTENSION_NAMES = frozenset({"extension", "modifierExtension"})

UNRESOLVED = "definition.unresolved"
UNPLACED = "definition.unplaced-element"
CIRCULAR = "definition.circular"
INVALID = "definition.invalid-differential"


def element_list(sd: dict[str, Any], part: str) -> list[Element]:
    """`sd[part].element` (part: "snapshot" or "differential"), keeping only objects; [] when malformed."""
    holder = sd.get(part)
    elements = holder.get("element") if isinstance(holder, dict) else None
    return [e for e in elements if isinstance(e, dict)] if isinstance(elements, list) else []


class _Definition:
    """A StructureDefinition with a snapshot, as a tree of pristine (never changed) nodes."""

    def __init__(self, url: str, sd: dict[str, Any]) -> None:
        self.url = url
        self.sd = sd
        root = build_tree(element_list(sd, "snapshot"), owner=self)
        self.root = root if root is not None else ElementNode(str(sd.get("type", "")), {}, owner=self)
        if self.root.children is None:
            self.root.children = []
        self._by_path: dict[str, ElementNode] | None = None

    def element(self, reference: str) -> ElementNode | None:
        """The unsliced element a `contentReference` (`#Questionnaire.item`) names."""
        if self._by_path is None:
            self._by_path = {}
            stack = [(self.root, self.root.name)]
            while stack:
                node, path = stack.pop()
                self._by_path.setdefault(path, node)
                stack.extend((c, f"{path}.{c.name}") for c in node.known_children())
        return self._by_path.get(reference.partition("#")[2] or reference)


class _Run:
    """The state of generating one snapshot: the profile, where its issues go."""

    def __init__(self, sd: dict[str, Any], url: str) -> None:
        self.url = url
        self.index = -1  # the differential element being applied (-1: still resolving the base)
        self.element_id = ""
        self.specialization = sd.get("derivation") == "specialization"
        self.history: list[tuple[str, list[tuple[str, str | None]]]] = []  # (path, segments) placed so far
        self.problems: list[tuple[int, str, str]] = []  # (differential index, issue code, reason) of this profile

    @property
    def location(self) -> str:
        if self.index < 0:
            return "StructureDefinition.baseDefinition"
        return f"StructureDefinition.differential.element[{self.index}]"


class SnapshotGenerator:
    """Generates snapshots against one set of definitions, caching trees and results by URL.

    `resolve(url)` returns any StructureDefinition by canonical URL (with or without `|version`),
    or None. One generator should serve a whole run: bases and types are compiled once, and a
    missing definition is reported once.
    """

    def __init__(self, resolve: Resolver) -> None:
        self._resolve = resolve
        self._definitions: dict[str, _Definition | None] = {}
        self._generated: dict[str, dict[str, Any]] = {}
        self._in_progress: list[str] = []
        self._reported: set[str] = set()
        self._issues: list[Issue] = []
        self._runs: list[_Run] = []

    # -- public ------------------------------------------------------------------------------------
    def generate(self, sd: dict[str, Any]) -> tuple[dict[str, Any], list[Issue]]:
        """`sd` with a snapshot generated from its differential, and the issues met doing it.

        The input is not changed. The issues include those of definitions generated on the way
        (a base or an extension definition without a snapshot), each reported once per generator.
        """
        start = len(self._issues)
        result = self._generate(sd)
        return result, self._issues[start:]

    def apply_differential(self, sd: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[int, str, str]]]:
        """`sd` with a snapshot generated afresh (neither taken from nor put in the cache), and
        (differential index, issue code, reason) for each element of its own differential that cannot be
        applied to its base as written (problems of definitions generated on the way are not included)."""
        problems: list[tuple[int, str, str]] = []
        result = self._generate(sd, fresh=problems)
        return result, problems

    def snapshot_of(self, url: str) -> dict[str, Any] | None:
        """The StructureDefinition at `url` with a snapshot: its own, else a generated one."""
        definition = self._definition(url)
        return definition.sd if definition is not None else None

    @property
    def issues(self) -> list[Issue]:
        """Every issue reported so far by this generator."""
        return list(self._issues)

    # -- definitions ---------------------------------------------------------------------------------
    def _lookup(self, url: str) -> dict[str, Any] | None:
        sd = self._resolve(url)
        if sd is None and "|" in url:
            sd = self._resolve(url.partition("|")[0])
        if isinstance(sd, dict) and sd.get("resourceType") == "StructureDefinition":
            return sd
        return None

    def _definition(self, url: str) -> _Definition | None:
        """The definition at `url` with a snapshot (generated when missing); None when unavailable."""
        if url in self._definitions:
            return self._definitions[url]
        sd = self._lookup(url)
        if sd is None:
            self._definitions[url] = None
            return None
        if not element_list(sd, "snapshot"):
            if str(sd.get("url", url)) in self._in_progress:
                self._circular(str(sd.get("url", url)))
                return None
            sd = self._generate(sd)
            if not element_list(sd, "snapshot"):
                self._definitions[url] = None
                return None
        definition = _Definition(str(sd.get("url", url)), sd)
        self._definitions[url] = definition
        return definition

    def _unresolved(self, what: str, url: str, effect: str, location: str | None = None) -> None:
        if url in self._reported:
            return
        self._reported.add(url)
        run = self._runs[-1] if self._runs else None
        if location is None:
            location = run.location if run is not None else ""
        self._issues.append(make_issue(UNRESOLVED, location=location, what=what, url=url,
                                       profile=run.url if run is not None else "?", effect=effect))

    def _circular(self, url: str) -> None:
        key = "circular:" + url
        if key in self._reported:
            return
        self._reported.add(key)
        chain = " → ".join(self._in_progress[self._in_progress.index(url):] + [url])
        run = self._runs[-1] if self._runs else None
        self._issues.append(make_issue(CIRCULAR, location=run.location if run else "", url=url,
                                       chain=chain, effect="it is used without a snapshot through the cycle"))

    def _problem(self, code: str, reason: str) -> None:
        run = self._runs[-1]
        run.problems.append((run.index, code, reason))
        self._issues.append(make_issue(code, location=run.location, element=run.element_id, profile=run.url,
                                       reason=reason))

    # -- generation -------------------------------------------------------------------------------------
    def _generate(self, sd: dict[str, Any], fresh: list[tuple[int, str, str]] | None = None) -> dict[str, Any]:
        url = str(sd.get("url") or sd.get("id") or "")
        key = f"{url}|{sd['version']}" if url and isinstance(sd.get("version"), str) else url  # versions differ
        if fresh is not None:
            key = ""  # neither read from nor written to the cache
        if key and key in self._generated:
            return self._generated[key]
        base_url = sd.get("baseDefinition")
        if not isinstance(base_url, str) or not base_url:
            return sd  # Base, Element and logical roots: nothing to generate from
        if url in self._in_progress:
            return sd
        self._in_progress.append(url)
        run = _Run(sd, url)
        self._runs.append(run)
        try:
            base = self._definition(base_url)
            if base is None:
                if self._lookup(base_url) is None:
                    self._unresolved("the base definition", base_url, "it gets no snapshot")
                return sd
            root = self._working_root(base, sd, run)
            differential = sd.get("differential")
            elements = differential.get("element") if isinstance(differential, dict) else None
            for index, diff in enumerate(elements if isinstance(elements, list) else []):
                run.index = index
                if isinstance(diff, dict):
                    self._apply(root, diff, run)
                else:
                    run.element_id = repr(diff)[:40]
                    self._problem(UNPLACED, "it is not an element definition")
            _finish_type_slicing(root)
            elements = flatten(root)
        finally:
            self._runs.pop()
            self._in_progress.pop()
            if fresh is not None:
                fresh.extend(run.problems)
        result = dict(sd)
        result["snapshot"] = {"element": elements}
        if key:
            self._generated[key] = result
        return result

    def _working_root(self, base: _Definition, sd: dict[str, Any], run: _Run) -> ElementNode:
        root = base.root.clone()
        root.children = [c.clone() for c in base.root.known_children()]
        if run.specialization:
            diff = element_list(sd, "differential")
            first = diff[0].get("path") if diff else None
            root.name = str(first).partition(".")[0] if first else str(sd.get("type", root.name))
        return root

    def _apply(self, root: ElementNode, diff: Element, run: _Run) -> None:
        segments = self._segments(diff, run)
        run.element_id = str(diff.get("id") or diff.get("path") or "")
        if not segments:
            self._problem(UNPLACED, "it has no path")
            return
        node = self._locate(root, segments, diff, run)
        if node is None:
            return
        self._merge(node, diff, run, is_root=node is root)
        self._check_type_profiles(diff)

    # -- placing a differential element ---------------------------------------------------------------
    def _segments(self, diff: Element, run: _Run) -> list[tuple[str, str | None]]:
        """(name, slice name) from the root down, from the id when it agrees with the path."""
        path = diff.get("path")
        if not isinstance(path, str) or not path:
            return []
        slice_name = diff.get("sliceName") if isinstance(diff.get("sliceName"), str) else None
        ident = diff.get("id")
        segments = split_id(ident, path) if isinstance(ident, str) else None
        if segments is None:
            segments = self._from_context(path, run)
        if slice_name and segments[-1][1] is None:
            segments[-1] = (segments[-1][0], slice_name)
        run.history.append((path, segments))
        return segments

    @staticmethod
    def _from_context(path: str, run: _Run) -> list[tuple[str, str | None]]:
        """Without a usable id, an element belongs to the nearest element before it that contains it."""
        for prev_path, prev in reversed(run.history):
            if path.startswith(prev_path + "."):
                return list(prev) + [(name, None) for name in path[len(prev_path) + 1:].split(".")]
        return [(name, None) for name in path.split(".")]

    def _locate(self, root: ElementNode, segments: list[tuple[str, str | None]], diff: Element,
                run: _Run) -> ElementNode | None:
        node = root
        if segments[0][1]:
            self._problem(UNPLACED, "the root element cannot be sliced")
            return None
        last = len(segments) - 1
        expanded: list[tuple[ElementNode, bool]] = []  # expanded on the way (undone if the path fails)
        # inside a slice's own (inherited, inline) content: a renamed choice constrains the
        # choice's type instead of slicing it, as the reference generator does
        in_slice = False
        for depth, (name, slice_name) in enumerate(segments[1:], start=1):
            if node.children is None:
                expanded.append((node, node.children_from_type))
            kids = self._children(node)
            if node.children_from_type:
                in_slice = False
            child = next((k for k in kids if k.name == name), None)
            if child is None:
                child = self._renamed_choice(kids, name, restrict=in_slice)
            if child is None:
                if run.specialization and depth == last:  # a new element of a new type
                    elem = dict(diff)
                    elem.setdefault("base", {"path": diff.get("path"), "min": diff.get("min", 0),
                                             "max": diff.get("max", "*")})
                    child = ElementNode(name, elem, owner=None)  # children: from its type, when walked into
                    kids.append(child)
                    return child
                where = ".".join(n for n, _ in segments[:depth])
                self._problem(UNPLACED, f"'{where}' has no element '{name}'")
                for undo, from_type in expanded:
                    undo.children = None
                    undo.children_from_type = from_type
                return None
            if slice_name:
                child = self._slice(child, slice_name)
            if child.slice_name:
                in_slice = True
            node = child
        return node

    def _renamed_choice(self, kids: list[ElementNode], name: str, *, restrict: bool) -> ElementNode | None:
        """`valueQuantity` for `value[x]`: the type slice of the choice for that type.

        With `restrict`, the choice itself, constrained to that type (no slice).
        """
        for kid in kids:
            stem = kid.name[:-3]
            suffix = name[len(stem):]
            if kid.name.endswith("[x]") and name.startswith(stem) and suffix[:1].isupper():
                codes = [type_code(t) for t in kid.elem.get("type", ()) if isinstance(t, dict)]
                code = next((c for c in codes if c[:1].upper() + c[1:] == suffix), None)
                if code is None:
                    code = next((c for c in (suffix, suffix[:1].lower() + suffix[1:])
                                 if self._lookup(CORE_SD_PREFIX + c)), None)
                    if code is None:
                        continue  # `amountType` next to `amount[x]` is another element, not a type
                    self._problem(INVALID,
                                  f"{code} is not one of the types of {kid.name} ({', '.join(codes)})")
                if restrict and kid.find_slice(name) is None:
                    types = [t for t in kid.elem.get("type", ()) if isinstance(t, dict) and type_code(t) == code]
                    kid.writable()["type"] = types or [{"code": code}]
                    return kid
                return self._type_slice(kid, name, code)
        return None

    def _type_slice(self, choice: ElementNode, slice_name: str, code: str) -> ElementNode:
        if "slicing" not in choice.elem:
            choice.writable()["slicing"] = copy.deepcopy(TYPE_SLICING)
            choice.type_slicing = True
        found = choice.find_slice(slice_name)
        if found is None:
            found = self._new_slice(choice, slice_name)
            types = [t for t in choice.base.get("type", ()) if isinstance(t, dict) and type_code(t) == code]
            found.writable()["type"] = types or [{"code": code}]
        return found

    def _slice(self, group: ElementNode, slice_name: str) -> ElementNode:
        """The slice (or re-slice `a/b`) called `slice_name` of `group`, created after the others if new."""
        parts = slice_name.split("/")
        holder = group
        for i in range(1, len(parts) + 1):
            name = "/".join(parts[:i])
            found = holder.find_slice(name)
            if found is None:
                self._ensure_slicing(holder, name)
                found = self._new_slice(holder, name)
            holder = found
        return holder

    def _ensure_slicing(self, holder: ElementNode, name: str) -> None:
        if "slicing" in holder.elem:
            return
        if holder.name in _EXTENSION_NAMES:
            holder.elem = extension_documentation(holder.elem)
            holder.writable()["slicing"] = copy.deepcopy(EXTENSION_SLICING)
        elif holder.name.endswith("[x]"):
            holder.writable()["slicing"] = copy.deepcopy(TYPE_SLICING)
            holder.type_slicing = True
        else:
            self._problem(INVALID,
                          f"slice '{name}' is defined but '{holder.name}' has no slicing")
        if not holder.name.endswith("[x]") and parse_max(holder.elem.get("max")) == 1 and holder.slice_name is None:
            self._problem(INVALID,
                          f"'{holder.name}' does not repeat (max 1), so it cannot be sliced into '{name}'")

    @staticmethod
    def _new_slice(holder: ElementNode, name: str) -> ElementNode:
        """A new slice: the element as inherited, its children as the slicing entry constrains them.

        The slicing entry "is the definition that applies to all the slices [...] This may
        include the common constraints on the children of the element" (R4 ElementDefinition.
        slicing), so a slice's children start from the entry's as they stand, with the child
        slices and fixed values this profile gave them (`component.code.coding:loinc.system`
        under every `component` slice). The element itself starts as inherited: its
        cardinality, documentation and flags are the slice's own, not the entry's. Extension
        and type slices take their children from their definition or type instead.
        """
        template = dict(holder.base)
        template.pop("slicing", None)
        template["sliceName"] = name
        constrained = holder.children is not None and holder.name not in _EXTENSION_NAMES \
            and not holder.name.endswith("[x]")
        children = [c.detached() for c in holder.children or ()] if constrained else holder.base_children
        made = ElementNode(holder.name, template, slice_name=name, base_children=children, owner=holder.owner)
        made.children_from_type = constrained and holder.children_from_type
        holder.slices.append(made)
        return made

    # -- children -----------------------------------------------------------------------------------------
    def _children(self, node: ElementNode) -> list[ElementNode]:
        """The node's children, expanding them from its inheritance, content reference or type."""
        if node.children is not None:
            return node.children
        if node.base_children is not None:
            node.children = [c.clone() for c in node.base_children]
            return node.children
        reference = node.elem.get("contentReference")
        if isinstance(reference, str) and isinstance(node.owner, _Definition):
            target = node.owner.element(reference)
            if target is not None:
                node.children = [c.clone() for c in self._pristine_children(target)]
                node.children_from_type = True
                elem = node.writable()
                del elem["contentReference"]
                if "type" in target.elem:
                    elem["type"] = target.elem["type"]
                return node.children
        definition = self._type_definition(node)
        node.children = [c.clone() for c in definition.root.known_children()] if definition else []
        node.children_from_type = True
        return node.children

    def _pristine_children(self, node: ElementNode) -> list[ElementNode]:
        if node.children is not None:
            return node.children
        definition = self._type_definition(node)
        return definition.root.known_children() if definition else []

    def _type_definition(self, node: ElementNode) -> _Definition | None:
        """Where a node's children come from: its type profile, else its type, else `Element`."""
        types = [t for t in node.elem.get("type", ()) if isinstance(t, dict)]
        codes = {type_code(t) for t in types}
        profile = _single_profile(types)
        if profile is not None:
            url = profile
            definition = self._definition(url)
            if definition is not None:
                return definition
            if self._lookup(url) is None:
                self._unresolved(_profile_kind(types[0]), url,
                                 f"its content is taken from the base type {type_code(types[0])}")
        if len(codes) == 1:
            return self._definition(CORE_SD_PREFIX + codes.pop())
        if len(codes) > 1:
            return self._definition(CORE_SD_PREFIX + "Element")
        return None

    # -- merging -----------------------------------------------------------------------------------------------
    def _merge(self, node: ElementNode, diff: Element, run: _Run, *, is_root: bool) -> None:
        source = node.owner.url if isinstance(node.owner, _Definition) else run.url
        if is_root and "type" in diff:
            diff = {k: v for k, v in diff.items() if k != "type"}
        is_extension = node.name in _EXTENSION_NAMES or (is_root and node.name == "Extension")
        if node.name in _EXTENSION_NAMES:
            node.elem = extension_documentation(node.elem)
        profile = _single_profile(diff.get("type")) or (
            _single_profile(node.elem.get("type")) if node.slice_name else None)
        if profile is not None:
            definition = self._definition(profile)
            if definition is not None and definition.root.elem:
                node.elem = apply_profile_root(node.elem, definition.root.elem, source)
        merged, problems = merge_element(node.elem, diff, inherited=node.base, is_slice=node.slice_name is not None,
                                         is_extension=is_extension, profile_url=run.url, inherited_source=source)
        if is_root:
            merged.pop("requirements", None)  # sdf-9: no requirements on the root
            merged.pop("type", None)
        node.elem = merged
        for problem in problems:
            self._problem(INVALID, problem)

    def _check_type_profiles(self, diff: Element) -> None:
        """Report the definitions a differential names that are not loaded (once each)."""
        for t in diff.get("type", ()) if isinstance(diff.get("type"), list) else ():
            if not isinstance(t, dict):
                continue
            code = type_code(t)
            if code not in REFERENCE_TYPES:
                for url in t.get("profile", ()) if isinstance(t.get("profile"), list) else ():
                    if isinstance(url, str) and url not in self._reported and self._lookup(url) is None:
                        self._unresolved(_profile_kind(t), url, "elements of that type are not checked against it")
            for url in t.get("targetProfile", ()) if isinstance(t.get("targetProfile"), list) else ():
                if isinstance(url, str) and url not in self._reported and self._lookup(url) is None:
                    self._unresolved("the target profile", url, "referenced resources are not checked against it")


def _profile_kind(type_ref: dict[str, Any]) -> str:
    return "the extension definition" if type_code(type_ref) == "Extension" else "the type profile"


def _single_profile(types: Any) -> str | None:
    """The profile of a single, non-reference type (an extension slice's definition), if any."""
    if not isinstance(types, list) or len(types) != 1 or not isinstance(types[0], dict):
        return None
    profiles = types[0].get("profile")
    if type_code(types[0]) in REFERENCE_TYPES or not isinstance(profiles, list) or not profiles:
        return None
    return profiles[0] if isinstance(profiles[0], str) else None


def _finish_type_slicing(root: ElementNode) -> None:
    """A choice sliced by type here allows the types of its slices (in slice order)."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type_slicing and node.slices:
            types: list[Any] = []
            seen: set[str] = set()
            for s in node.slices:
                for t in s.elem.get("type", ()):
                    if isinstance(t, dict) and type_code(t) not in seen:
                        seen.add(type_code(t))
                        types.append(t)
            if types:
                node.writable()["type"] = types
        stack.extend(node.children or ())
        stack.extend(node.slices)


def _same_name(id_name: str, path_name: str) -> bool:
    if id_name == path_name:
        return True
    if path_name.endswith("[x]") and id_name.startswith(path_name[:-3]):
        return True
    return id_name.endswith("[x]") and path_name.startswith(id_name[:-3])


def split_id(ident: str, path: str) -> list[tuple[str, str | None]] | None:
    """An element id → (name, slice name) per path segment; None when the id does not fit the path.

    `Patient.identifier:nhsNumber.system` with path `Patient.identifier.system` →
    [("Patient", None), ("identifier", "nhsNumber"), ("system", None)]. Of a choice, the more
    specific name wins (`valueQuantity` over `value[x]`). A slice name may contain dots.
    """
    names = path.split(".")
    parts = ident.split(".")
    segments: list[tuple[str, str | None]] = []
    pos = 0
    for i, name in enumerate(names):
        if pos >= len(parts):
            return None
        head, sep, slice_name = parts[pos].partition(":")
        pos += 1
        if not _same_name(head, name):
            return None
        if sep:
            more = len(names) - i - 1  # path segments still to come
            while len(parts) - pos > more:
                slice_name += "." + parts[pos]
                pos += 1
        chosen = head if name.endswith("[x]") and not head.endswith("[x]") else name
        segments.append((chosen, slice_name if sep else None))
    if pos != len(parts):
        return None
    return segments


def generate_snapshot(sd: dict[str, Any], resolve: Resolver) -> tuple[dict[str, Any], list[Issue]]:
    """`sd` with a snapshot generated from its differential (a one-off generator; prefer
    `SnapshotGenerator` for many definitions, which shares its caches)."""
    return SnapshotGenerator(resolve).generate(sd)
