"""What an evaluation can see: the model, the resources, variables and the injectable hooks.

`EvaluationContext` is built by the caller (the validator builds one per resource and reuses it
for every constraint, so node type lookups are cached across expressions). `Env` is the small
mutable state of one evaluation ($index, $total, the fixed `now`), created per call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from conformance.fhir.tree import Node
from conformance.fhirpath.errors import FhirPathError
from conformance.fhirpath.model import ModelInfo, default_model


class TerminologyHook(Protocol):
    """Answers `memberOf()`: True/False, or None when it cannot tell (the result is then empty)."""

    def member_of(self, item: Any, valueset: str) -> bool | None: ...


class ConformanceHook(Protocol):
    """Answers `conformsTo()`: True/False, or None when it cannot tell. Raise FhirPathError for a bad URL."""

    def conforms_to(self, item: Node, profile: str) -> bool | None: ...


class ReferenceResolver(Protocol):
    """Resolves a reference that is neither contained nor in the enclosing Bundle (may return None)."""

    def resolve(self, reference: str, source: Node) -> Node | None: ...


TraceSink = Callable[[str, list[Any]], None]

_TYPE_CACHE_LIMIT = 200_000


@dataclass
class EvaluationContext:
    """Everything an expression may refer to besides its focus.

    - `model`: FHIR type information (defaults to the R4 core package in the package cache).
    - `resource` / `root_resource`: `%resource` / `%rootResource`; by default the resource that
      contains the focus and, for a contained resource, its container.
    - `variables`: user variables (`%name`); a value may be one item or a list.
    - `terminology`, `conformance`, `resolver`: hooks for memberOf(), conformsTo(), resolve().
    - `now`: the instant now()/today() report (fixed per evaluation; defaults to the clock).
    - `strict`: report names that the model says do not exist as errors, and treat a single
      non-boolean where a boolean is required as an error (the suite's strict mode); the
      expression is also checked statically against the focus type (see semantic.py).
    - `check_ordered_functions`: in strict mode, order-dependent functions applied to the
      unordered output of children()/descendants() are errors.
    - `enforce_as_singleton`: `as()` on several items is an error (FHIRPath 2.0). The R4 core
      invariant dom-3 applies `as()` to `descendants()`; the validator sets this False for it,
      as the HL7 validator does, making `as()` filter like `ofType()`.
    - `trace`: receives `trace(name)` output (default: discarded).

    A context caches the FHIR type of every node it has seen, so reuse one per resource (and do
    not change its model afterwards).
    """

    model: ModelInfo | None = None
    resource: Node | None = None
    root_resource: Node | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    terminology: TerminologyHook | None = None
    conformance: ConformanceHook | None = None
    resolver: ReferenceResolver | None = None
    now: datetime | None = None
    strict: bool = False
    check_ordered_functions: bool = False
    enforce_as_singleton: bool = True
    trace: TraceSink | None = None
    _types: dict[Node, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def get_model(self) -> ModelInfo:
        if self.model is None:
            self.model = default_model()
        return self.model


class Env:
    """Per-evaluation state shared by every closure of one expression."""

    __slots__ = ("ctx", "model", "types", "index", "total", "focus", "memo", "_now", "_vars")

    def __init__(self, ctx: EvaluationContext, focus: list[Any]) -> None:
        self.ctx = ctx
        self.model = ctx.get_model()
        types = ctx._types
        if len(types) > _TYPE_CACHE_LIMIT:
            types.clear()
        self.types = types
        self.index: int | None = None
        self.total: list[Any] | None = None
        self.focus = focus
        self._now: datetime | None = ctx.now
        self._vars: dict[str, list[Any]] | None = None
        # results of focus-independent sub-expressions (`%resource.type`), computed once per evaluation
        self.memo: dict[object, list[Any]] | None = None

    # -- node types ----------------------------------------------------------------------------
    def type_key(self, node: Node) -> str:
        """The model key of a node's type ('' when the model cannot tell)."""
        key = self.types.get(node)
        if key is not None:
            return key
        chain: list[Node] = []
        n: Node | None = node
        key = ""
        while n is not None:
            if n.resource_type is not None:
                key = n.resource_type
                break
            cached = self.types.get(n)
            if cached is not None:
                key = cached
                break
            chain.append(n)
            n = n.parent
        model = self.model
        types = self.types
        if n is not None:
            types[n] = key
        for child in reversed(chain):
            if key:
                info = model.child(key, child.name)
                key = (info.type_key or "") if info is not None else ""
            types[child] = key
        return key

    def type_name(self, node: Node) -> str:
        key = self.type_key(node)
        return self.model.type_name(key) if "." in key else key

    # -- the clock -----------------------------------------------------------------------------
    @property
    def now(self) -> datetime:
        if self._now is None:
            self._now = datetime.now().astimezone()
        return self._now

    # -- variables -----------------------------------------------------------------------------
    def variable(self, name: str) -> list[Any]:
        if self._vars is None:
            self._vars = self._build_vars()
        found = self._vars.get(name)
        if found is not None:
            return found
        if name.startswith("vs-"):
            return ["http://hl7.org/fhir/ValueSet/" + name[3:]]
        if name.startswith("ext-"):
            return ["http://hl7.org/fhir/StructureDefinition/" + name[4:]]
        raise FhirPathError(f"unknown variable %{name}")

    def _build_vars(self) -> dict[str, list[Any]]:
        ctx = self.ctx
        out: dict[str, list[Any]] = {
            "ucum": ["http://unitsofmeasure.org"],
            "sct": ["http://snomed.info/sct"],
            "loinc": ["http://loinc.org"],
            "context": self.focus,
        }
        resource = ctx.resource
        first = self.focus[0] if self.focus else None
        if resource is None and isinstance(first, Node):
            resource = first.enclosing_resource()
        out["resource"] = [resource] if resource is not None else []
        root = ctx.root_resource
        if root is None and resource is not None:
            root = resource
            if resource.name == "contained" and resource.parent is not None:
                root = resource.parent.enclosing_resource()
        out["rootResource"] = [root] if root is not None else []
        for name, value in ctx.variables.items():
            out[name] = value if isinstance(value, list) else [value]
        return out
