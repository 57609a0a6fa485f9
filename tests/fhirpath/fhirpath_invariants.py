"""Test helpers: the constraints of the R4 core definitions, and which apply to a node.

This is a small stand-in for the validator's plan (which the validator builds properly): a
node gets the constraints of the element definition that defines it, plus those on the root
of its own type (Period's per-1, Quantity's qty-3...), plus its resource's root constraints.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from conformance.fhir.tree import Node
from conformance.fhirpath.context import Env
from conformance.fhirpath.model import StructureDefinitionModel


@dataclass(frozen=True)
class Constraint:
    sd: str
    path: str
    key: str
    severity: str
    expression: str


def all_core_constraints(folder: Path) -> Iterator[Constraint]:
    for file in sorted(folder.glob("StructureDefinition-*.json")):
        sd = json.loads(file.read_text(encoding="utf-8"))
        for e in (sd.get("snapshot") or {}).get("element", []):
            for c in e.get("constraint", []):
                if c.get("expression"):
                    yield Constraint(sd["id"], e["path"], c["key"], c.get("severity", "error"), c["expression"])


@cache
def _elements(model: StructureDefinitionModel, type_name: str) -> tuple[str, dict[str, dict[str, Any]]]:
    sd = model.definition(type_name) or {}
    return sd.get("type", type_name), {e["path"]: e for e in (sd.get("snapshot") or {}).get("element", [])}


def _root_constraints(model: StructureDefinitionModel, type_name: str) -> list[dict[str, Any]]:
    root, elements = _elements(model, type_name)
    return list((elements.get(root) or {}).get("constraint", []))


def constraints_for(node: Node, env: Env, model: StructureDefinitionModel) -> list[dict[str, Any]]:
    if node.resource_type is not None:
        return _root_constraints(model, node.resource_type)
    if node.parent is None:
        return []
    parent_key = env.type_key(node.parent)
    info = model.child(parent_key, node.name) if parent_key else None
    if info is None:
        return []
    root = parent_key.split(".")[0]
    base, elements = _elements(model, root)
    name = info.name + ("[x]" if info.concrete_of or info.choice else "")
    found = list((elements.get(base + parent_key[len(root):] + "." + name) or {}).get("constraint", []))
    own = env.type_key(node)
    if own and "." not in own and not model.is_primitive(own):
        found += [c for c in _root_constraints(model, own) if c["key"] != "ele-1"]
    return found
