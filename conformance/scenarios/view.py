"""A response as expectations see it: its body read as FHIR JSON on first need."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from conformance.fhir.document import ParseResult
from conformance.fhir.json_reader import read_json
from conformance.fhir.tree import Node
from conformance.scenarios.http import Response


class ResponseView:
    """A response with its body read as FHIR JSON on first need (whatever the Content-Type says)."""

    def __init__(self, response: Response) -> None:
        self.response = response

    @cached_property
    def parsed(self) -> ParseResult | None:
        if not self.response.body.strip():
            return None
        return read_json(self.response.body)

    @property
    def resource(self) -> Node | None:
        parsed = self.parsed
        return parsed.root if parsed is not None else None

    def why_no_resource(self) -> str:
        if self.parsed is None:
            return "the response has no body"
        problems = [i for i in self.parsed.issues if i.severity.is_error]
        if problems:
            first = problems[0]
            return f"the body is not FHIR JSON: {first.message} (line {first.line}, column {first.column})"
        return "the body is not a FHIR resource"


def resource_of_type(view: ResponseView, resource_type: str) -> tuple[Node | None, str]:
    """The body when it is a resource of this type, else (None, why not)."""
    root = view.resource
    if root is None:
        return None, view.why_no_resource()
    if root.resource_type != resource_type:
        return None, f"body is a {root.resource_type}"
    return root, ""



def entry_resources(bundle: Node) -> list[Node]:
    found = []
    for entry in bundle.children_named("entry"):
        resource = entry.child("resource")
        if resource is not None:
            found.append(resource)
    return found


def show(result: list[Any]) -> str:
    """A FHIRPath result, briefly, for messages."""
    if not result:
        return "nothing (empty)"
    shown = [repr(item.value) if isinstance(item, Node) and item.value is not None
             else (item.name if isinstance(item, Node) else repr(item)) for item in result[:5]]
    return "[" + ", ".join(shown) + (", ..." if len(result) > 5 else "") + "]"
