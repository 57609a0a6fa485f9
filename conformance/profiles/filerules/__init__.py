"""The registry of file-rule types: every module of this package defines one (`RULE_TYPE`).

To add a type, add a module here with a docstring (its documentation), a frozen `RuleParams`
dataclass and `RULE_TYPE = FileRuleType(...)`; add its behaviour to the files layer
(`conformance.files.rules` for per-resource checks, `conformance.files.crossfile` for export-wide
ones); then regenerate the schema and docs with `python -m conformance.profiles.filerules`.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from conformance.profiles.filerules.base import FileRuleType, RuleParams

__all__ = ["FileRuleType", "RuleParams", "rule_type", "rule_types"]

_NOT_TYPES = {"base", "generate"}


@cache
def rule_types() -> dict[str, FileRuleType]:
    """Every registered type by name, in the order of their modules' names."""
    found: dict[str, FileRuleType] = {}
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name not in _NOT_TYPES
                         and not m.name.startswith("_")):
        loaded = importlib.import_module(f"{__name__}.{module}")
        rt = getattr(loaded, "RULE_TYPE", None)
        if not isinstance(rt, FileRuleType):
            raise TypeError(f"conformance.profiles.filerules.{module} defines no RULE_TYPE")
        found[rt.name] = rt
    return found


def rule_type(name: str) -> FileRuleType:
    return rule_types()[name]
