"""The positioned element tree that every reader produces and every checker walks.

JSON and XML readers both build `Node`s, so validation and FHIRPath never know which format
they read. A node is one occurrence of one element: a resource, a complex element, or a
primitive (whose `value` is its lexical form as written, and whose `id`/`extension` are
ordinary children). Positions are exact but may be resolved lazily: parsing stays at C speed
and line/column are computed only for nodes that end up in an issue.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Literal

JsonKind = Literal["string", "number", "boolean"]

PositionResolver = Callable[["Node"], tuple[int, int]]

# above this many children, lookups by name use the node's name index instead of a scan
INDEX_THRESHOLD = 16


class Node:
    """One element occurrence in a FHIR instance.

    - `name`: the element name as the specification spells it (`birthDate`, `valueQuantity`);
      for a resource root it is the resource type, for a resource held in `contained`,
      `entry.resource` or `parameter.resource` it is that property's name.
    - `value`: the primitive's lexical form (`"1.50"` stays `"1.50"`), or None.
    - `json_kind`: the JSON type the value was written as; None when read from XML.
    - `resource_type`: set on nodes that are resources (roots and nested resources).
    - `index`: position among same-named siblings (0-based).
    - `repeating`: whether the location shows `[index]`. JSON sets it from array syntax; the
      validator sets it from the definition's max cardinality so XML and JSON agree.
    - the narrative `div` is a primitive whose value is its XHTML text, in both formats.
    """

    __slots__ = (
        "name",
        "value",
        "json_kind",
        "children",
        "parent",
        "index",
        "repeating",
        "in_json_array",
        "resource_type",
        "_pos",
        "_resolver",
        "_by_name",
        "__weakref__",
    )

    def __init__(
        self,
        name: str,
        value: str | None = None,
        json_kind: JsonKind | None = None,
        parent: Node | None = None,
        index: int = 0,
        repeating: bool = False,
        in_json_array: bool | None = None,
        resource_type: str | None = None,
        pos: tuple[int, int] | None = None,
    ) -> None:
        self.name = name
        self.value = value
        self.json_kind = json_kind
        self.children: list[Node] = []
        self.parent = parent
        self.index = index
        self.repeating = repeating
        self.in_json_array = in_json_array
        self.resource_type = resource_type
        # `_pos`, `_resolver` and `_by_name` are left unset unless known (read with getattr and a default): a
        # reader makes a node per element of every resource, and three stores fewer is a tenth of the making.
        # `json_node` makes the same node without this method: a slot set here must be set there too
        if pos is not None:
            self._pos = pos

    # -- navigation -------------------------------------------------------------------------
    def child(self, name: str) -> Node | None:
        """The first child with this name, or None."""
        if len(self.children) > INDEX_THRESHOLD:
            found = self.by_name().get(name)
            return found[0] if found else None
        for c in self.children:
            if c.name == name:
                return c
        return None

    def child_value(self, name: str) -> str | None:
        """The value of the first child with this name (a primitive's lexical form), or None."""
        found = self.child(name)
        return found.value if found is not None else None

    def children_named(self, name: str) -> list[Node]:
        if len(self.children) > INDEX_THRESHOLD:
            return list(self.by_name().get(name, ()))
        return [c for c in self.children if c.name == name]

    def by_name(self) -> dict[str, list[Node]]:
        """Children grouped by name, in document order: built once per node and reused.

        Navigation by name over a node with many children (a Bundle's 100,000 `entry`s) would
        otherwise scan every child per step, which makes `%resource.type` inside `entry.all()`
        quadratic. The index is rebuilt if children were added since it was built."""
        cached: tuple[int, dict[str, list[Node]]] | None = getattr(self, "_by_name", None)
        children = self.children
        if cached is not None and cached[0] == len(children):
            return cached[1]
        index: dict[str, list[Node]] = {}
        for c in children:
            group = index.get(c.name)
            if group is None:
                index[c.name] = [c]
            else:
                group.append(c)
        self._by_name = (len(children), index)
        return index

    def iter_tree(self) -> Iterator[Node]:
        """This node and every descendant, depth first, in document order."""
        stack = [self]
        while stack:
            n = stack.pop()
            yield n
            stack.extend(reversed(n.children))

    @property
    def is_resource(self) -> bool:
        return self.resource_type is not None

    @property
    def has_value(self) -> bool:
        return self.value is not None

    def root(self) -> Node:
        n = self
        while n.parent is not None:
            n = n.parent
        return n

    def enclosing_resource(self) -> Node:
        """The nearest resource node at or above this one."""
        n: Node | None = self
        while n is not None:
            if n.resource_type is not None:
                return n
            n = n.parent
        return self.root()

    # -- location ---------------------------------------------------------------------------
    @property
    def location(self) -> str:
        """FHIRPath-style location, e.g. `Bundle.entry[2].resource.name[0].given[1]`.

        The root shows its resource type. Nested resources (contained, entry.resource) show
        the property name, as the HL7 validator does, so a location is always a path.
        """
        parts: list[str] = []
        n: Node | None = self
        while n is not None:
            if n.parent is None:
                parts.append(n.resource_type or n.name)
            else:
                parts.append(f"{n.name}[{n.index}]" if n.repeating else n.name)
            n = n.parent
        return ".".join(reversed(parts))

    @property
    def position(self) -> tuple[int, int]:
        """(line, column), 1-based; (0, 0) when the reader could not know."""
        pos: tuple[int, int] | None = getattr(self, "_pos", None)
        if pos is None:
            resolver = self._find_resolver()
            pos = self._pos = resolver(self) if resolver is not None else (0, 0)
        return pos

    @property
    def line(self) -> int:
        return self.position[0]

    @property
    def column(self) -> int:
        return self.position[1]

    def set_resolver(self, resolver: PositionResolver) -> None:
        """Install the lazy position resolver (readers call this on the root)."""
        self._resolver = resolver

    def _find_resolver(self) -> PositionResolver | None:
        n: Node | None = self
        while n is not None:
            resolver: PositionResolver | None = getattr(n, "_resolver", None)
            if resolver is not None:
                return resolver
            n = n.parent
        return None

    def release(self) -> None:
        """Unlink this tree's parent pointers, for a caller that is done with the whole document.

        Every node points at its parent, so a tree is a web of reference cycles that only Python's
        cyclic collector can free: it re-traverses each finished document's nodes, which cost about
        8 % of a validation's CPU time. Without the back links the tree is freed by reference
        counting the moment its last holder lets go, and the collector has nothing left to find.
        Navigation upwards (`parent`, `location`, `root()`) is meaningless afterwards."""
        stack = [self]
        pop, push = stack.pop, stack.append
        while stack:
            for c in pop().children:
                c.parent = None
                if c.children:
                    push(c)

    def add(self, child: Node) -> Node:
        child.parent = self
        self.children.append(child)
        return child

    def __repr__(self) -> str:
        v = f"={self.value!r}" if self.value is not None else ""
        return f"<Node {self.location}{v} ({len(self.children)} children)>"


_new = object.__new__


def json_node(name: str, value: str | None, json_kind: JsonKind | None, parent: Node, index: int,
              in_array: bool) -> Node:
    """`Node(name, value, json_kind, parent, index, in_array, in_array)`, made a quarter cheaper.

    Calling the class passes through `type.__call__` and `__init__` with its defaults; a plain function that
    fills the slots of `object.__new__(Node)` is a Python-to-Python call. The JSON reader makes a node per
    element of every resource this way (10,000 NDJSON resources: read 6 % faster)."""
    node = _new(Node)
    node.name = name
    node.value = value
    node.json_kind = json_kind
    node.children = []
    node.parent = parent
    node.index = index
    node.repeating = in_array
    node.in_json_array = in_array
    node.resource_type = None
    return node
