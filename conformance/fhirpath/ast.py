"""The FHIRPath syntax tree: small immutable nodes that the compiler turns into closures.

Every node keeps the offset of its first character so that compile-time errors (an unknown
function, a wrong number of arguments) can point at a column just as syntax errors do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Expr:
    offset: int


@dataclass(frozen=True, slots=True)
class Literal(Expr):
    """A literal value (bool, int, Decimal, str, date/time, Quantity); `empty` for `{}`."""

    value: Any
    empty: bool = False


@dataclass(frozen=True, slots=True)
class Member(Expr):
    """An identifier in a path: `name`, `Patient`, `` `given` ``."""

    name: str
    delimited: bool = False


@dataclass(frozen=True, slots=True)
class Call(Expr):
    """A function invocation `name(args...)`."""

    name: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Special(Expr):
    """`$this`, `$index` or `$total`."""

    name: str


@dataclass(frozen=True, slots=True)
class Variable(Expr):
    """An environment variable `%name` / `%'name'` / ``%`name` ``."""

    name: str


@dataclass(frozen=True, slots=True)
class Invoke(Expr):
    """`target.member` or `target.call(...)`: the right side is evaluated on the left's result."""

    target: Expr
    member: Expr  # Member | Call | Special


@dataclass(frozen=True, slots=True)
class Indexer(Expr):
    target: Expr
    index: Expr


@dataclass(frozen=True, slots=True)
class Unary(Expr):
    op: str  # '+' or '-'
    operand: Expr


@dataclass(frozen=True, slots=True)
class Binary(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """A type specifier: `Quantity`, `FHIR.string`, `System.Integer` (namespace None = unqualified)."""

    namespace: str | None
    name: str

    def __str__(self) -> str:
        return f"{self.namespace}.{self.name}" if self.namespace else self.name


@dataclass(frozen=True, slots=True)
class TypeOp(Expr):
    """`expr is Type` / `expr as Type`."""

    op: str
    operand: Expr
    type: TypeSpec
