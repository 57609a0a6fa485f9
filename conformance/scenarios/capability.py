"""The target's CapabilityStatement, fetched once per run, and `skip_unless` conditions against it.

A scenario whose interaction the server does not declare is skipped with the reason, not failed:
the requirement it evidences is then reported skipped, never passed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.fhir.json_reader import read_json
from conformance.fhir.tree import Node
from conformance.scenarios.http import HttpClient, TransportError
from conformance.scenarios.model import Condition


@dataclass(slots=True)
class Capabilities:
    """What the server declares: (resource type) -> interactions and search parameters."""

    resources: dict[str, tuple[set[str], set[str]]] = field(default_factory=dict)
    problem: str = ""  # why the statement could not be read ("" when it was)

    def declares(self, c: Condition) -> bool:
        held = self.resources.get(c.capability_resource or "")
        if held is None:
            return False
        interactions, params = held
        if c.interaction and c.interaction not in interactions:
            return False
        return not (c.search_param and c.search_param not in params)


def parse_capabilities(root: Node | None) -> Capabilities:
    if root is None or root.resource_type != "CapabilityStatement":
        what = "not a resource" if root is None else f"a {root.resource_type}"
        return Capabilities(problem=f"GET /metadata returned {what}, not a CapabilityStatement")
    found: dict[str, tuple[set[str], set[str]]] = {}
    for rest in root.children_named("rest"):
        mode = rest.child("mode")
        if mode is not None and mode.value != "server":
            continue
        for resource in rest.children_named("resource"):
            type_node = resource.child("type")
            if type_node is None or not type_node.value:
                continue
            interactions, params = found.setdefault(type_node.value, (set(), set()))
            for i in resource.children_named("interaction"):
                code = i.child("code")
                if code is not None and code.value:
                    interactions.add(code.value)
            for p in resource.children_named("searchParam"):
                name = p.child("name")
                if name is not None and name.value:
                    params.add(name.value)
    return Capabilities(found)


class CapabilityCache:
    """Fetches `[base]/metadata` the first time a condition needs it."""

    def __init__(self, client: HttpClient, metadata_url: str,
                 headers: Callable[[list[dict[str, Any]]], Mapping[str, str]]) -> None:
        self._client = client
        self._url = metadata_url
        self._headers = headers
        self._value: Capabilities | None = None

    def get(self, record: list[dict[str, Any]]) -> Capabilities:
        """The statement (raises TransportError when the target cannot be reached)."""
        if self._value is None:
            headers = {"Accept": "application/fhir+json", **self._headers(record)}
            response = self._client.send("GET", self._url, headers=headers, body=None, record=record,
                                         role="capabilities")
            if response.status != 200:
                self._value = Capabilities(problem=f"GET /metadata answered {response.status}")
            else:
                self._value = parse_capabilities(read_json(response.body).root if response.body.strip() else None)
        return self._value


def unmet(conditions: tuple[Condition, ...], inputs: Mapping[str, str], capabilities: Callable[[], Capabilities]) -> str:
    """Why the conditions do not hold ("" when they all do); may raise TransportError."""
    for c in conditions:
        if c.input is not None:
            if not inputs.get(c.input):
                return f"skipped: input {c.input} has no value"
            continue
        caps = capabilities()
        if caps.problem:
            return f"skipped: the server's CapabilityStatement could not be read ({caps.problem}); needs {c.describe()}"
        if not caps.declares(c):
            return f"skipped: the server's CapabilityStatement does not declare {c.describe().removeprefix('the CapabilityStatement declares ')}"
    return ""


__all__ = ["Capabilities", "CapabilityCache", "TransportError", "parse_capabilities", "unmet"]
