"""The function table: each FHIRPath function is a small Python function registered by name.

Kinds say how arguments reach the implementation:
- `eager`: each argument is evaluated once, against the caller's context, before the call;
  the implementation receives `(input, env, *argument_collections)`.
- `lazy`: the implementation receives the compiled argument closures and evaluates them
  itself, usually once per input item with `$this`/`$index` bound (where, select, all, ...).
- `type`: the single argument is a type specifier, resolved at compile time.
- `special`: the implementation receives the argument syntax trees and the compile function,
  and returns the closure (sort's descending keys, iif's explicit input).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    name: str
    impl: Callable[..., Any]
    min_args: int
    max_args: int
    kind: str


REGISTRY: dict[str, FunctionSpec] = {}


def function(name: str, min_args: int = 0, max_args: int | None = None, kind: str = "eager") -> Callable[..., Any]:
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        REGISTRY[name] = FunctionSpec(name, fn, min_args, min_args if max_args is None else max_args, kind)
        return fn

    return register
