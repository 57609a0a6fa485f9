"""What a file-rule type is: a name, typed parameters, the issue codes it reports and its documentation.

A rule of a profile's `file_checks.rules` is a `FileRule`: the common fields every rule has (id,
type, title, requirements) and the `params` of its type, one small frozen dataclass per type. The
dataclasses hold only strings, numbers and tuples, so a rule pickles small when it is sent to a
worker process. The profile JSON Schema's rule definitions and `docs/file-rules.md` are generated
from the types (`python -m conformance.profiles.filerules`); a test fails when they drift.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

RESOURCE_TYPE = {"type": "string", "pattern": "^[A-Z][A-Za-z]+$", "x-message": "a FHIR resource type name, e.g. Patient"}
TYPE_COUNTS = {"type": "object", "minProperties": 1, "propertyNames": {"pattern": "^[A-Z][A-Za-z]+$"},
               "additionalProperties": {"type": "integer", "minimum": 0}}


@dataclass(frozen=True, slots=True)
class RuleParams:
    """The parameters of one rule type (a subclass per type; this one has none)."""


@dataclass(frozen=True, slots=True)
class FileRuleType:
    """One type of file rule.

    `properties` is the JSON Schema of the type's own keys in `profile.yaml` (the common keys id,
    type, title, description and requirements are added for every type); `required` names those
    that must be given; `params` is the dataclass they are read into (a mapping becomes sorted
    (key, value) pairs, a list a tuple); `codes` are the issue codes its findings carry; `doc` is
    the documentation (the defining module's docstring).
    """

    name: str
    params: type[RuleParams]
    properties: Mapping[str, Any]
    codes: tuple[str, ...]
    doc: str
    required: tuple[str, ...] = ()

    def read(self, data: Mapping[str, Any]) -> RuleParams:
        """The type's parameters from a schema-checked rule mapping."""
        values: dict[str, Any] = {}
        for f in dataclasses.fields(self.params):
            if f.name not in data:
                continue
            value = data[f.name]
            if isinstance(value, Mapping):
                value = tuple(sorted(value.items()))
            elif isinstance(value, list):
                value = tuple(value)
            values[f.name] = value
        return self.params(**values)

    @property
    def summary(self) -> str:
        """The first line of the documentation (for tables)."""
        return self.doc.strip().splitlines()[0] if self.doc.strip() else ""


P = TypeVar("P", bound=RuleParams)


def typed(params: RuleParams, kind: type[P]) -> P:
    """A rule's parameters as its type's dataclass (the loader built them from this registry)."""
    if not isinstance(params, kind):
        raise TypeError(f"{type(params).__qualname__} given where {kind.__qualname__} is needed")
    return params
