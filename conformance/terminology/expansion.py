"""Local ValueSet expansion from loaded packages.

An expansion is either a set of (system, code) pairs or `None` when it cannot be computed
offline (an unknown CodeSystem, a fragment, a filter we do not evaluate, a missing imported
ValueSet). `None` is never treated as "not in the set": a binding we cannot expand is never a
false error.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from conformance.definitions.registry import Definitions, split_canonical


@dataclass(frozen=True, slots=True)
class Expansion:
    """The codes of a ValueSet: (system, code) pairs, and the codes alone for `code` elements."""

    url: str
    pairs: frozenset[tuple[str, str]]
    codes: frozenset[str]

    def contains(self, system: str | None, code: str) -> bool:
        if system is None:
            return code in self.codes
        return (system, code) in self.pairs


class Expander:
    """Expands ValueSets once each and remembers the answer (including 'cannot')."""

    def __init__(self, definitions: Definitions) -> None:
        self.definitions = definitions
        self._cache: dict[str, Expansion | None] = {}
        self._in_progress: set[str] = set()

    def expand(self, url: str) -> Expansion | None:
        if url in self._cache:
            return self._cache[url]
        if url in self._in_progress:  # a cycle of imports cannot be expanded
            return None
        self._in_progress.add(url)
        try:
            result = self._expand(url)
        finally:
            self._in_progress.discard(url)
        self._cache[url] = result
        return result

    def _expand(self, url: str) -> Expansion | None:
        vs = self.definitions.value_set(url)
        if vs is None:
            return None
        pairs = self._from_compose(vs.get("compose"))
        if pairs is None:
            pairs = self._from_expansion(vs.get("expansion"))
        if pairs is None:
            return None
        return Expansion(url, frozenset(pairs), frozenset(code for _, code in pairs))

    @staticmethod
    def _from_expansion(expansion: dict[str, Any] | None) -> set[tuple[str, str]] | None:
        if not expansion or "contains" not in expansion:
            return None
        found: set[tuple[str, str]] = set()
        stack = list(expansion["contains"])
        while stack:
            item = stack.pop()
            if "code" in item and "system" in item and not item.get("abstract"):
                found.add((item["system"], item["code"]))
            stack.extend(item.get("contains", ()))
        return found

    def _from_compose(self, compose: dict[str, Any] | None) -> set[tuple[str, str]] | None:
        if not compose or not compose.get("include"):
            return None
        included: set[tuple[str, str]] = set()
        for inc in compose["include"]:
            part = self._include(inc)
            if part is None:
                return None
            included |= part
        for exc in compose.get("exclude", ()):
            part = self._include(exc)
            if part is None:
                return None
            included -= part
        return included

    def _include(self, inc: dict[str, Any]) -> set[tuple[str, str]] | None:
        system = inc.get("system")
        result: set[tuple[str, str]] | None = None
        if system is not None:
            if inc.get("filter"):
                return None  # filters are evaluated by the full terminology module
            if inc.get("concept"):
                result = {(system, c["code"]) for c in inc["concept"] if "code" in c}
            else:
                result = self._whole_system(system, inc.get("version"))
                if result is None:
                    return None
        for vs_url in inc.get("valueSet", ()):
            imported = self.expand(split_canonical(vs_url)[0])
            if imported is None:
                return None
            result = set(imported.pairs) if result is None else result & imported.pairs
        return result

    def _whole_system(self, system: str, version: str | None) -> set[tuple[str, str]] | None:
        cs = self.definitions.code_system(system if version is None else f"{system}|{version}")
        if cs is None or cs.get("content") not in (None, "complete"):
            return None
        return {(system, code) for code in _concept_codes(cs.get("concept", ()))}


def _concept_codes(concepts: Iterable[dict[str, Any]]) -> Iterator[str]:
    stack = list(concepts)
    while stack:
        c = stack.pop()
        if "code" in c and not _is_abstract(c):
            yield c["code"]
        stack.extend(c.get("concept", ()))


def _is_abstract(concept: dict[str, Any]) -> bool:
    for prop in concept.get("property", ()):
        if prop.get("code") in ("notSelectable", "abstract") and prop.get("valueBoolean") is True:
            return True
    return False
