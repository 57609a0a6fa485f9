"""RFC 6902 JSON Patch over a JSON document: add, remove, replace and test, all or nothing.

Only the four operations PDS supports. `apply` works on a deep copy and returns it, or raises
PatchError naming the operation that failed, so a failing operation leaves nothing applied.
"""

from __future__ import annotations

import copy
from typing import Any


class PatchError(Exception):
    """An operation that cannot be applied (its index in the list and why)."""


def tokens(path: str) -> list[str]:
    """The reference tokens of a JSON pointer (RFC 6901: `~1` is `/`, then `~0` is `~`)."""
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"'{path}' is not a JSON pointer")
    return [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]


def _index(container: list[Any], token: str, adding: bool) -> int:
    if adding and token == "-":
        return len(container)
    if not token.isdigit() or (token != "0" and token.startswith("0")):
        raise PatchError(f"'{token}' is not an array index")
    index = int(token)
    if index > len(container) or (index == len(container) and not adding):
        raise PatchError(f"index {index} is out of range")
    return index


def _parent(document: Any, path: str) -> tuple[Any, str]:
    parts = tokens(path)
    if not parts:
        raise PatchError("the whole document cannot be patched")
    node = document
    for token in parts[:-1]:
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list):
            node = node[_index(node, token, adding=False)]
        else:
            raise PatchError(f"'{path}' does not exist")
    return node, parts[-1]


def get(document: Any, path: str) -> Any:
    parent, last = _parent(document, path)
    if isinstance(parent, dict) and last in parent:
        return parent[last]
    if isinstance(parent, list):
        return parent[_index(parent, last, adding=False)]
    raise PatchError(f"'{path}' does not exist")


def _apply_one(document: Any, op: str, path: str, value: Any) -> None:
    if op == "test":
        if get(document, path) != value:
            raise PatchError(f"the value at '{path}' is not the value tested")
        return
    parent, last = _parent(document, path)
    if isinstance(parent, list):
        index = _index(parent, last, adding=op == "add")
        if op == "add":
            parent.insert(index, value)
        elif op == "remove":
            del parent[index]
        else:
            parent[index] = value
    elif isinstance(parent, dict):
        if op != "add" and last not in parent:
            raise PatchError(f"'{path}' does not exist")
        if op == "remove":
            del parent[last]
        else:
            parent[last] = value
    else:
        raise PatchError(f"'{path}' does not exist")


def apply(document: Any, operations: list[dict[str, Any]]) -> Any:
    patched = copy.deepcopy(document)
    for number, operation in enumerate(operations):
        try:
            _apply_one(patched, operation["op"], operation["path"], copy.deepcopy(operation.get("value")))
        except PatchError as exc:
            raise PatchError(f"patch {number} ({operation['op']} {operation['path']}): {exc}") from None
    return patched
