"""YAML read with its positions: the data, plus a way back from any path in it to a line.

jsonschema reports where a document is wrong as a path (`steps`, 2, `request`); a person needs a
line. We compose the YAML node graph once, construct the data from it, and keep the graph so a
path can be walked back to the node's start mark. Dates stay strings (a birth date in a query is
text, not a `datetime.date`), and duplicate keys — silently dropped by PyYAML — are reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from conformance.profiles.errors import LocatedError

PathItem = str | int


_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ten times faster


class _Loader(_Base):
    """SafeLoader without the timestamp resolver: `2000-01-01` stays the string it looks like."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(slots=True)
class LocatedDocument:
    """A YAML document's data and node graph (None for an empty document)."""

    path: str
    data: Any
    root: yaml.Node | None
    problems: list[LocatedError] = field(default_factory=list)  # e.g. duplicate keys

    def node_at(self, where: Sequence[PathItem]) -> yaml.Node | None:
        """The deepest node along `where` (the nearest existing ancestor when the path goes further)."""
        node = self.root
        for item in where:
            child = _child(node, item)
            if child is None:
                break
            node = child
        return node

    def key_node(self, where: Sequence[PathItem], key: str) -> yaml.Node | None:
        """The node of a mapping key (to point at an unexpected property itself)."""
        node = self.node_at(where)
        if isinstance(node, yaml.MappingNode):
            for k, _v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == key:
                    return k
        return None

    def error(self, message: str, where: Sequence[PathItem] = (), node: yaml.Node | None = None) -> LocatedError:
        """A problem located at `node`, else at the node `where` leads to."""
        target = node if node is not None else self.node_at(where)
        line, column = (target.start_mark.line + 1, target.start_mark.column + 1) if target is not None else (0, 0)
        return LocatedError(self.path, message, line, column, format_path(where))


def format_path(where: Sequence[PathItem]) -> str:
    """`steps[2].request.path` from ('steps', 2, 'request', 'path')."""
    text = ""
    for item in where:
        text += f"[{item}]" if isinstance(item, int) else (f".{item}" if text else str(item))
    return text


def _child(node: yaml.Node | None, item: PathItem) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode) and isinstance(item, str):
        found = None
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == item:
                found = v  # the last one wins, as in the constructed data
        return found
    if isinstance(node, yaml.SequenceNode) and isinstance(item, int) and 0 <= item < len(node.value):
        return node.value[item]
    return None


def load_yaml(path: Path, display: str | None = None) -> LocatedDocument:
    """Read one YAML document; unreadable or malformed YAML raises `ProfileError` with its location."""
    from conformance.profiles.errors import ProfileError

    shown = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProfileError([LocatedError(shown, "no such file")], f"cannot read {shown}") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ProfileError([LocatedError(shown, f"cannot read the file: {reason}")], f"cannot read {shown}") from None
    return parse_yaml(text, shown)


def parse_yaml(text: str, display: str) -> LocatedDocument:
    from conformance.profiles.errors import ProfileError

    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        reason = " ".join(p for p in (exc.context, exc.problem) if p) or "malformed YAML"
        raise ProfileError([LocatedError(display, f"not valid YAML: {reason}", line, column)],
                           f"{display} is not valid YAML") from None
    except yaml.YAMLError as exc:
        raise ProfileError([LocatedError(display, f"not valid YAML: {exc}")], f"{display} is not valid YAML") from None
    finally:
        loader.dispose()
    document = LocatedDocument(display, data, root)
    if root is not None:
        _find_duplicates(document, root, [], set())
    return document


def _find_duplicates(document: LocatedDocument, node: yaml.Node, where: list[PathItem], seen: set[int]) -> None:
    if id(node) in seen:  # aliases share nodes
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        keys: set[str] = set()
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode):
                if k.value in keys and k.value != "<<":
                    document.problems.append(document.error(f"duplicate key '{k.value}'", where, node=k))
                keys.add(k.value)
                _find_duplicates(document, v, [*where, k.value], seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _find_duplicates(document, item, [*where, i], seen)
