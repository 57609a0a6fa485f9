"""A snapshot as a tree: elements with their children and their slices, and back to a list.

Snapshot generation edits a structure, not a list: a differential element is placed by walking
names and slice names from the root, children of a data type are added when a path walks into
it, and a new slice goes after the slices already there. The tree keeps that simple, and the
FHIR ordering rules fall out of `flatten`: an element, then its children, then its slices (each
followed by its own children and re-slices). Paths and ids are computed from the tree, so they
always follow the FHIR id rules (`Patient.identifier:nhsNumber.system`, `…:a/b` for re-slices).

Nodes share their element dicts with the definitions they came from until one is changed
(copy-on-write): callers replace values, never mutate nested ones in place.
"""

from __future__ import annotations

from typing import Any

Element = dict[str, Any]


class ElementNode:
    """One element definition in a snapshot under construction (or in a loaded snapshot)."""

    __slots__ = ("name", "slice_name", "elem", "base", "children", "base_children", "slices", "owner",
                 "type_slicing", "children_from_type", "_slice_index", "_indexed")

    def __init__(self, name: str, elem: Element, *, slice_name: str | None = None,
                 base_children: list[ElementNode] | None = None, owner: Any = None) -> None:
        self.name = name  # the last path segment: `identifier`, `value[x]`
        self.slice_name = slice_name  # the full slice name for slices (`a`, or `a/b` for a re-slice)
        self.elem = elem  # the definition as it stands (shared with `base` until changed)
        self.base = elem  # the definition as inherited, before this profile changed it
        self.children: list[ElementNode] | None = None  # None: not expanded (yet)
        self.base_children = base_children  # children as inherited, for fresh copies (None: from the type)
        self.slices: list[ElementNode] = []  # only ever appended to once a node is built (see find_slice)
        self.owner = owner  # the definition the content came from (to resolve `contentReference`)
        self.type_slicing = False  # slicing by type added here for a renamed choice (`valueQuantity`)
        self.children_from_type = False  # children expanded from a type or profile, not inherited inline
        self._slice_index: dict[str | None, ElementNode] = {}  # slice name -> first slice of that name
        self._indexed = 0  # how many of `slices` the index holds

    def __repr__(self) -> str:
        label = f"{self.name}:{self.slice_name}" if self.slice_name else self.name
        return f"<ElementNode {label}>"

    def writable(self) -> Element:
        """The element dict, copied on first write so inherited definitions are never changed."""
        if self.elem is self.base:
            self.elem = dict(self.base)
        return self.elem

    def clone(self) -> ElementNode:
        """A fresh node with this node's content; children are copied when first needed."""
        made = ElementNode(self.name, self.elem, slice_name=self.slice_name, owner=self.owner,
                           base_children=self.children if self.children is not None else self.base_children)
        made.slices = [s.clone() for s in self.slices]
        made.type_slicing = self.type_slicing
        made.children_from_type = self.children_from_type
        return made

    def detached(self) -> ElementNode:
        """This node as it stands now, as a template no later change on either side reaches.

        A node under construction writes its own dict in place once it has copied it, and
        expands or slices its children later on, so the expanded part is copied (element dicts
        included); the unexpanded part keeps sharing inherited nodes, which never change. The
        copy is only ever cloned from (`base_children`), never written.
        """
        made = ElementNode(self.name, dict(self.elem), slice_name=self.slice_name, owner=self.owner,
                           base_children=[c.detached() for c in self.children] if self.children is not None
                           else self.base_children)
        made.slices = [s.detached() for s in self.slices]
        made.type_slicing = self.type_slicing
        made.children_from_type = self.children_from_type
        return made

    def known_children(self) -> list[ElementNode]:
        """Children as they stand: expanded ones, else the inherited ones, else none."""
        if self.children is not None:
            return self.children
        return self.base_children or []

    def find_slice(self, slice_name: str) -> ElementNode | None:
        """The first slice called `slice_name`, by an index that takes in slices appended since the last call.

        Scanning the list each time made a differential with n slices of one element cost O(n²) (20,000
        slices: 25 s). Slices are only appended, so the index only needs the new tail.
        """
        slices = self.slices
        if self._indexed > len(slices):  # the list was replaced by a shorter one: index it anew
            self._slice_index, self._indexed = {}, 0
        if self._indexed < len(slices):
            for s in slices[self._indexed:]:
                self._slice_index.setdefault(s.slice_name, s)
            self._indexed = len(slices)
        return self._slice_index.get(slice_name)


def last_segment(path: str) -> str:
    return path.rpartition(".")[2]


def build_tree(elements: list[Element], owner: Any = None) -> ElementNode | None:
    """A snapshot's element list → its tree, by paths and slice names (ids may be unreliable).

    Elements whose parent is missing are dropped: a snapshot that breaks its own nesting cannot
    be repaired here, and dropping keeps the rest usable.
    """
    elements = [e for e in elements if isinstance(e, dict)]
    if not elements:
        return None
    first = elements[0]
    root = ElementNode(str(first.get("path", "")), first, owner=owner)
    root.children = []
    # the open elements, deepest last: (path, node)
    stack: list[tuple[str, ElementNode]] = [(root.name, root)]
    for elem in elements[1:]:
        path = str(elem.get("path", ""))
        slice_name = elem.get("sliceName")
        while stack and not (path == stack[-1][0] or path.startswith(stack[-1][0] + ".")):
            stack.pop()
        if not stack:
            continue
        top_path, top = stack[-1]
        if path == top_path:
            if not slice_name:
                continue  # the same element twice: keep the first
            # a slice (or re-slice) of the element this path was first opened with
            group = _group_root(stack, path)
            node = ElementNode(last_segment(path), elem, slice_name=str(slice_name), owner=owner)
            node.children = []
            holder = group
            if slice_name and "/" in str(slice_name):
                holder = _find_slice_path(group, str(slice_name).rsplit("/", 1)[0]) or group
            holder.slices.append(node)
            # replace the open slice at this path with the new one
            while stack and stack[-1][0] == path:
                stack.pop()
            stack.append((path, group))
            stack.append((path, node))
            continue
        if path.count(".") != top_path.count(".") + 1:
            continue  # a grandchild without its parent
        node = ElementNode(last_segment(path), elem, slice_name=str(slice_name) if slice_name else None,
                           owner=owner)
        node.children = []
        if top.children is None:
            top.children = []
        top.children.append(node)
        stack.append((path, node))
    _close(root)
    return root


def _group_root(stack: list[tuple[str, ElementNode]], path: str) -> ElementNode:
    """The unsliced element of `path`: the first node opened at that path."""
    for p, node in stack:
        if p == path:
            return node
    return stack[-1][1]


def _find_slice_path(group: ElementNode, slice_name: str) -> ElementNode | None:
    """The slice (or re-slice) called `slice_name` anywhere under `group`'s slices."""
    for s in group.slices:
        if s.slice_name == slice_name:
            return s
        found = _find_slice_path(s, slice_name)
        if found is not None:
            return found
    return None


def _close(node: ElementNode) -> None:
    """Elements without children in a snapshot get None: their children come from their type."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n.children is not None and not n.children and n is not node:
            n.children = None
        n.base_children = n.children
        stack.extend(n.children or ())
        stack.extend(n.slices)


def flatten(root: ElementNode, root_path: str | None = None) -> list[Element]:
    """The tree as snapshot elements, with `id` and `path` set by the FHIR rules, in FHIR order."""
    out: list[Element] = []
    top = root_path or root.name
    _emit(root, top, top, out)
    for child in root.known_children():
        _walk(child, top, top, out)
    for s in root.slices:  # slicing the root never happens in valid content; keep whatever is there
        _walk(s, top, top, out)
    return out


def _walk(node: ElementNode, parent_path: str, parent_id: str, out: list[Element]) -> None:
    # (node, its path, its id without its own slice name)
    stack: list[tuple[ElementNode, str, str]] = [(node, f"{parent_path}.{node.name}", f"{parent_id}.{node.name}")]
    while stack:
        n, path, unsliced_id = stack.pop()
        ident = f"{unsliced_id}:{n.slice_name}" if n.slice_name else unsliced_id
        _emit(n, path, ident, out)
        pending = [(child, f"{path}.{child.name}", f"{ident}.{child.name}") for child in n.known_children()]
        pending.extend((s, path, unsliced_id) for s in n.slices)
        stack.extend(reversed(pending))


def _emit(node: ElementNode, path: str, ident: str, out: list[Element]) -> None:
    elem = node.elem
    made: Element = {"id": ident, "path": path}
    for key, value in elem.items():
        if key not in ("id", "path"):
            made[key] = value
    if node.slice_name:
        made["sliceName"] = node.slice_name
    out.append(made)
