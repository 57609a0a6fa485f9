"""A scenario as loaded: immutable steps, each one request, its captures and its expectations.

The YAML format is documented by `conformance/profiles/schema/scenario.schema.json`; these classes
are its checked, typed form. Every step remembers its file and line for messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from conformance.profiles import InputDecl, Profile


@dataclass(frozen=True, slots=True)
class Condition:
    """`skip_unless` item: the server declares an interaction, or an input has a value."""

    capability_resource: str | None = None
    interaction: str | None = None
    search_param: str | None = None
    input: str | None = None

    def describe(self) -> str:
        if self.input is not None:
            return f"input {self.input} has a value"
        what = f"{self.capability_resource}"
        if self.interaction:
            what += f" {self.interaction}"
        if self.search_param:
            what += f" with search parameter {self.search_param}"
        return f"the CapabilityStatement declares {what}"


@dataclass(frozen=True, slots=True)
class Body:
    kind: Literal["json", "file", "text"]
    value: Any  # the JSON data, the file's text, or the text
    content_type: str


@dataclass(frozen=True, slots=True)
class RequestSpec:
    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    body: Body | None = None


@dataclass(frozen=True, slots=True)
class HeaderExpectation:
    name: str
    equals: str | None = None
    matches: str | None = None
    present: bool | None = None


@dataclass(frozen=True, slots=True)
class Assertion:
    expression: str
    message: str


@dataclass(frozen=True, slots=True)
class Count:
    min: int | None = None
    max: int | None = None

    def holds(self, n: int) -> bool:
        return (self.min is None or n >= self.min) and (self.max is None or n <= self.max)

    def describe(self) -> str:
        if self.min == self.max and self.min is not None:
            return str(self.min)
        if self.max is None:
            return f"at least {self.min}"
        if self.min is None:
            return f"at most {self.max}"
        return f"{self.min} to {self.max}"


@dataclass(frozen=True, slots=True)
class BundleExpectation:
    type: str | None = None
    total: Count | None = None
    entries: Count | None = None
    entry_types: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Expectations:
    """A step's `expect`: (type name, typed parameters) pairs, each type one of
    `conformance.scenarios.expectations.REGISTRY`, in the order they are checked."""

    items: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, **params: Any) -> Expectations:
        """Expectations given as `name=parameters` (e.g. `Expectations.of(status=(200,))`), in that order."""
        return cls(tuple(params.items()))

    def get(self, name: str) -> Any:
        """The parameters of the named type, or None when the step does not state it."""
        return next((p for n, p in self.items if n == name), None)


@dataclass(frozen=True, slots=True)
class Capture:
    name: str
    fhirpath: str | None = None
    header: str | None = None


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    title: str
    request: RequestSpec
    expect: Expectations = Expectations()
    captures: tuple[Capture, ...] = ()
    requirements: tuple[str, ...] = ()
    skip_unless: tuple[Condition, ...] = ()
    requires_package: str | None = None
    auth: Literal["default", "none"] = "default"  # none: send no credentials
    line: int = 0


@dataclass(frozen=True, slots=True)
class Scenario:
    id: str
    title: str
    steps: tuple[Step, ...]
    file: Path
    display: str  # the file as named in messages
    description: str = ""
    requirements: tuple[str, ...] = ()
    skip_unless: tuple[Condition, ...] = ()
    requires_package: str | None = None
    inputs: tuple[InputDecl, ...] = ()


@dataclass(frozen=True, slots=True)
class Suite:
    """A profile with its scenarios loaded and cross-checked: what a run executes."""

    profile: Profile
    scenarios: tuple[Scenario, ...]
    inputs: tuple[InputDecl, ...] = field(default=())  # the profile's and the scenarios' declared inputs
