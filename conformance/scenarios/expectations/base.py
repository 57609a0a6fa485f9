"""What an expectation type is: a YAML key under a step's `expect`, its typed parameters and its check.

Each type is one module of this package with one `ExpectationType` subclass; its class docstring is
its documentation (`docs/scenario-expectations.md` and the scenario JSON Schema's `expect` are
generated from the registry). `parse` reads the YAML value into the type's parameters (the JSON
Schema has already checked its shape); `check` turns one response into findings, never raising for
anything the server sent.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from conformance.profiles.located import PathItem
from conformance.results import Finding, Outcome
from conformance.scenarios.view import ResponseView
from conformance.validation import Validator

P = TypeVar("P")


class ParseContext(Protocol):
    """What the loader lends a type while it reads one step's `expect`."""

    def use(self, text: str, *at: PathItem) -> str:
        """Declare `text` (at `expect.<at...>`) as a template checked for unknown `${names}`; returns it."""

    def fhirpath(self, expression: str, *at: PathItem) -> None:
        """Report (located) an expression that does not parse."""


@dataclass(frozen=True, slots=True)
class CheckContext:
    view: ResponseView
    values: Mapping[str, str]  # inputs, built-ins and captures, for `${name}` in parameters
    validator: Validator


class ExpectationType(ABC, Generic[P]):
    """One kind of expectation. Subclasses set `name`, `schema`, `code` and a docstring."""

    name: ClassVar[str]  # the key under `expect`
    schema: ClassVar[dict[str, Any]]  # JSON Schema of its value (may $ref the scenario schema's $defs)
    code: ClassVar[str]  # the issue code a failing finding carries (conformance/issues.py)

    @abstractmethod
    def parse(self, raw: Any, ctx: ParseContext) -> P:
        """The typed parameters of the YAML value `raw`."""

    @abstractmethod
    def check(self, params: P, ctx: CheckContext) -> list[Finding]:
        """The findings (pass and fail) for one response."""

    def templates(self, params: P) -> list[str]:
        """Texts of the parameters that may hold `${name}` (the runner resolves them before the check)."""
        return []

    # -- findings ----------------------------------------------------------------------------------
    def ok(self, check: str, message: str = "") -> Finding:
        return Finding(check, Outcome.PASS, message)

    def bad(self, check: str, message: str, **where: Any) -> Finding:
        where.setdefault("code", self.code)
        return Finding(check, Outcome.FAIL, message, **where)
