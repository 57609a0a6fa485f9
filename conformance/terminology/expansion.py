"""Local ValueSet expansion from loaded packages, knowing where its knowledge ends.

An `Expansion` holds the codes known to be in a ValueSet (with their displays and designations)
and the code systems for which membership could not be decided offline (`unknown`; `ANY` when an
imported ValueSet is missing, so nothing outside the known codes can be ruled out). Membership is
three-valued: in, out, or undecided. Undecided is never treated as "not in the set": a binding we
cannot expand is never a false error.

What is evaluated: `compose.include`/`exclude` by concept list, whole system and filters (see
`filters.py`) on local CodeSystems (complete content), `system` + `version`, nested `valueSet`
imports (`url|version`; intersected with the system part of the same include, united across
includes), excludes, and cycles of imports (undecided). A ValueSet's own `expansion` is used when
its `compose` is absent, and as a fallback when the compose cannot be fully evaluated: its codes
count as members, but its silence is trusted only for local code systems (an expansion stored in an
IG is a snapshot of, say, a SNOMED CT release; a newer code is not an error offline).

Abstract concepts (`notSelectable`) chosen by a whole system or a filter are not members (they are
there to navigate, not to be recorded); an abstract code listed by name is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.definitions.registry import Definitions, split_canonical
from conformance.terminology.codesystem import CodeSystems, LocalCodeSystem
from conformance.terminology.filters import select
from conformance.terminology.syntax import EXTERNAL_SYSTEMS

ANY = "*"  # in `Expansion.unknown`: membership is undecided for every system

Pair = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Member:
    """A code in an expansion, with the texts that name it (for display checks)."""

    display: str | None = None
    designations: tuple[str, ...] = ()

    @property
    def displays(self) -> tuple[str, ...]:
        return ((self.display,) if self.display else ()) + self.designations


class Expansion:
    """The codes of a ValueSet that are known, and the systems where knowledge runs out."""

    __slots__ = ("url", "version", "members", "unknown", "reasons", "case_insensitive", "pairs", "codes",
                 "_folded")

    def __init__(self, url: str, members: Mapping[Pair, Member], *, unknown: Iterable[str] = (),
                 reasons: Iterable[str] = (), case_insensitive: Iterable[str] = (), version: str | None = None) -> None:
        self.url = url
        self.version = version
        self.members: Mapping[Pair, Member] = dict(members)
        self.unknown = frozenset(unknown)
        self.reasons = tuple(dict.fromkeys(reasons))
        self.case_insensitive = frozenset(case_insensitive)
        self.pairs = frozenset(self.members)
        self.codes = frozenset(code for _, code in self.pairs)
        self._folded = frozenset((s, c.casefold()) for s, c in self.pairs if s in self.case_insensitive)

    def __repr__(self) -> str:
        return f"<Expansion {self.url} {len(self.pairs)} codes{' (partial)' if self.unknown else ''}>"

    @property
    def complete(self) -> bool:
        """True when every code's membership can be decided."""
        return not self.unknown

    def undecided(self, system: str | None) -> bool:
        """True when codes of `system` outside the known members may still be in the set."""
        return bool(self.unknown) if system is None else (ANY in self.unknown or system in self.unknown)

    def membership(self, system: str | None, code: str) -> bool | None:
        """True (in), False (out) or None (cannot be decided offline). `system` None: a bare `code`."""
        if system is None:
            if code in self.codes:
                return True
        elif (system, code) in self.members or (
                system in self.case_insensitive and (system, code.casefold()) in self._folded):
            return True
        return None if self.undecided(system) else False

    def contains(self, system: str | None, code: str) -> bool:
        """True only when `code` is known to be in the set."""
        return self.membership(system, code) is True

    def member(self, system: str, code: str) -> Member | None:
        return self.members.get((system, code))


@dataclass
class _Part:
    """A partial result while composing: known members, undecided systems, and why."""

    members: dict[Pair, Member] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)
    reasons: list[str] = field(default_factory=list)
    ci: set[str] = field(default_factory=set)

    @classmethod
    def undecided(cls, system: str, reason: str) -> _Part:
        return cls(unknown={system}, reasons=[reason])

    @classmethod
    def of(cls, expansion: Expansion) -> _Part:
        return cls(dict(expansion.members), set(expansion.unknown), list(expansion.reasons),
                   set(expansion.case_insensitive))

    def undecided_for(self, system: str) -> bool:
        return ANY in self.unknown or system in self.unknown

    def systems(self) -> set[str]:
        return {s for s, _ in self.members}


def _union(a: _Part, b: _Part) -> _Part:
    return _Part({**b.members, **a.members}, a.unknown | b.unknown, a.reasons + b.reasons, a.ci | b.ci)


def _intersect(a: _Part, b: _Part) -> _Part:
    """Codes in both; undecided wherever either side is undecided and the other does not rule out."""
    members = {k: v for k, v in a.members.items() if k in b.members}
    if ANY in a.unknown and ANY in b.unknown:
        unknown = {ANY}
    else:
        in_a, in_b = a.systems(), b.systems()
        candidates = (a.unknown | b.unknown | in_a | in_b) - {ANY}
        unknown = {s for s in candidates
                   if (a.undecided_for(s) and (b.undecided_for(s) or s in in_b))
                   or (b.undecided_for(s) and s in in_a)}
    return _Part(members, unknown, a.reasons + b.reasons, a.ci | b.ci)


def _subtract(a: _Part, b: _Part) -> _Part:
    """Codes of `a` not in `b`; a code `b` might exclude becomes undecided."""
    members: dict[Pair, Member] = {}
    unknown = set(a.unknown)
    for key, value in a.members.items():
        if key in b.members:
            continue
        if b.undecided_for(key[0]):
            unknown.add(key[0])
        else:
            members[key] = value
    reasons = a.reasons + (b.reasons if unknown != a.unknown else [])
    return _Part(members, unknown, reasons, a.ci)


class Expander:
    """Expands ValueSets once each per run and remembers the answer (including 'cannot')."""

    def __init__(self, definitions: Definitions, code_systems: CodeSystems | None = None) -> None:
        self.definitions = definitions
        self.code_systems = code_systems or CodeSystems(definitions)
        self._cache: dict[tuple[str, str | None], Expansion | None] = {}
        self._in_progress: set[tuple[str, str | None]] = set()

    def expand(self, url: str) -> Expansion | None:
        """The complete expansion of `url` (`url|version` allowed), or None when any part is undecided."""
        expansion = self.expansion(url)
        return expansion if expansion is not None and expansion.complete else None

    def expansion(self, url: str, version: str | None = None) -> Expansion | None:
        """What is known of `url`: possibly partial; None only when no loaded package has the ValueSet."""
        if version is None:
            url, version = split_canonical(url)
        key = (url, version)
        if key in self._cache:
            return self._cache[key]
        if key in self._in_progress:
            return Expansion(url, {}, unknown={ANY}, reasons=[f"the value set {url} imports itself"], version=version)
        self._in_progress.add(key)
        try:
            result = self._build(url, version)
        finally:
            self._in_progress.discard(key)
        self._cache[key] = result
        return result

    # -- building ----------------------------------------------------------------------------------
    def _build(self, url: str, version: str | None) -> Expansion | None:
        vs = self.definitions.value_set(url if version is None else f"{url}|{version}")
        if vs is None:
            return None
        compose = vs.get("compose")
        stored = self._stored(url, vs.get("expansion"))
        part: _Part | None = None
        if isinstance(compose, dict) and compose.get("include"):
            part = self._compose(compose)
        if part is None:
            part = stored if stored is not None else _Part(
                unknown={ANY}, reasons=[f"the value set {url} has neither a compose nor an expansion"])
        elif part.unknown and stored is not None:
            part = self._with_stored(part, stored)
        return Expansion(url, part.members, unknown=part.unknown, reasons=part.reasons, case_insensitive=part.ci,
                         version=version)

    def _compose(self, compose: Mapping[str, Any]) -> _Part:
        result = _Part()
        for inc in compose.get("include", ()):
            if isinstance(inc, dict):
                result = _union(result, self._include(inc))
        for exc in compose.get("exclude", ()):
            if isinstance(exc, dict):
                result = _subtract(result, self._include(exc))
        return result

    def _include(self, inc: Mapping[str, Any]) -> _Part:
        parts: list[_Part] = []
        system = inc.get("system")
        if isinstance(system, str) and system:
            version = inc.get("version") if isinstance(inc.get("version"), str) else None
            parts.append(self._system_part(system, version, inc))
        for ref in inc.get("valueSet", ()):
            if isinstance(ref, str):
                parts.append(self._import(ref))
        if not parts:
            return _Part()
        result = parts[0]
        for part in parts[1:]:
            result = _intersect(result, part)
        return result

    def _import(self, ref: str) -> _Part:
        expansion = self.expansion(ref)
        if expansion is None:
            return _Part(unknown={ANY}, reasons=[f"the value set {ref} is not in the loaded packages"])
        return _Part.of(expansion)

    def _system_part(self, system: str, version: str | None, inc: Mapping[str, Any]) -> _Part:
        concepts = [c for c in inc.get("concept", ()) if isinstance(c, dict) and isinstance(c.get("code"), str)]
        filters = [f for f in inc.get("filter", ()) if isinstance(f, dict)]
        cs = self.code_systems.local(system, version) if system not in EXTERNAL_SYSTEMS else None
        ci = {system} if cs is not None and not cs.case_sensitive else set()
        if concepts and not filters:
            return _Part(_listed(system, concepts, cs), ci=ci)
        if cs is None:
            return _Part.undecided(system, self._why_not_local(system, version))
        codes: set[str] = set(cs.concepts)
        for flt in filters:
            selected = select(cs, flt)
            if selected is None:
                label = f"{flt.get('property')} {flt.get('op')} {flt.get('value')}"
                return _Part.undecided(system, f"the filter '{label}' on {system} cannot be evaluated offline")
            codes &= selected
        if concepts:
            codes &= {c for c in (cs.canonical(raw["code"]) for raw in concepts) if c is not None}
        members: dict[Pair, Member] = {}
        for code in codes:
            entry = cs.concepts[code]
            if not entry.abstract:
                members[(system, code)] = Member(entry.display, entry.designations)
        return _Part(members, ci=ci)

    def _why_not_local(self, system: str, version: str | None) -> str:
        if system in EXTERNAL_SYSTEMS:
            return f"{system} cannot be expanded offline"
        cs = self.code_systems.get(system, version)
        if cs is not None:
            return f"the code system {system} in the loaded packages is not complete (content: {cs.content})"
        if version is not None:
            return f"version {version} of the code system {system} is not in the loaded packages"
        return f"the code system {system} is not in the loaded packages"

    def _with_stored(self, part: _Part, stored: _Part) -> _Part:
        """Compose knowledge plus a stored expansion: its codes are in; its silence counts for local systems."""
        members = {**stored.members, **part.members}
        if ANY in part.unknown:
            unknown = set(part.unknown)
        else:
            unknown = {s for s in part.unknown if self.code_systems.local(s) is None or s in EXTERNAL_SYSTEMS}
        return _Part(members, unknown, part.reasons, part.ci | stored.ci)

    @staticmethod
    def _stored(url: str, expansion: Any) -> _Part | None:
        """The ValueSet's own `expansion`, when it has one (partial when paged or truncated)."""
        if not isinstance(expansion, dict):
            return None
        total = expansion.get("total")
        if "contains" not in expansion and total != 0:
            return None
        members: dict[Pair, Member] = {}
        seen = 0
        stack = list(expansion.get("contains", ()))
        while stack:
            item = stack.pop()
            if not isinstance(item, dict):
                continue
            stack.extend(item.get("contains", ()))
            system, code = item.get("system"), item.get("code")
            if not isinstance(system, str) or not isinstance(code, str):
                continue
            seen += 1
            if item.get("abstract") is not True:
                designations = tuple(d["value"] for d in item.get("designation", ())
                                     if isinstance(d, dict) and isinstance(d.get("value"), str))
                members[(system, code)] = Member(item.get("display"), designations)
        offset = expansion.get("offset")
        if (isinstance(total, int) and total > seen) or (isinstance(offset, int) and offset > 0):
            return _Part(members, {ANY}, [f"the stored expansion of {url} holds only part of the value set"])
        return _Part(members)


def _listed(system: str, concepts: Iterable[Mapping[str, Any]], cs: LocalCodeSystem | None) -> dict[Pair, Member]:
    """Members named one by one; the ValueSet's own display and designations kept with the CodeSystem's."""
    members: dict[Pair, Member] = {}
    for raw in concepts:
        entry = cs.find(raw["code"]) if cs is not None else None
        designations = tuple(d["value"] for d in raw.get("designation", ())
                             if isinstance(d, dict) and isinstance(d.get("value"), str))
        display = raw.get("display") if isinstance(raw.get("display"), str) else None
        if entry is not None:
            designations += tuple(t for t in entry.displays if t != display)
            display = display or entry.display
        members[(system, entry.code if entry is not None else raw["code"])] = Member(display, designations)
    return members
