"""The terminology service the validator asks: is this code valid, and is it in this value set?

`Terminology.validate_code(valueset, system, code, display)` answers a `CodeCheck` whose `outcome` is:

- `ok` — the code is in the value set (or, with no value set, exists in its local code system);
- `not-in-valueset` — the value set is known well enough to say the code is not in it;
- `unknown-code` — the code does not exist at all: its system is a local CodeSystem with complete
  content that does not list it, or it breaks the system's identifier syntax (SNOMED CT and dm+d
  Verhoeff check digit and partition, LOINC check digit, mime type and language tag grammars; see
  `syntax.py`). A bare `code` takes the system of its value set when all the set's codes come from one;
- `not-validated` — it cannot be decided offline: SNOMED CT / LOINC / dm+d membership, a code
  system or value set not in the packages, a filter we cannot evaluate. `message` says why.

and, separately, `display_message` when the display differs from every display and designation of
the code in its local CodeSystem (and in the value set's own concept list), ignoring case and
repeated white space.

How the validator applies it (binding strength × outcome):

| outcome | required | extensible | preferred / example |
|---|---|---|---|
| ok | — | — | — |
| not-in-valueset | error `binding.required` | warning `binding.extensible` | — |
| unknown-code | error `binding.required` | warning `binding.extensible` | — |
| not-validated | information `binding.not-expandable` | information `binding.not-expandable` | — |

`message` explains the verdict (for `unknown-code`: that the code does not exist). A Coding outside
any binding can be checked with `validate_code(None, system, code, display)`: `unknown-code` there
is the error `terminology.unknown-code` when `source == "local"` (a code its local code system does
not define); with `source == "syntax"` the national checks (`snomed.identifier.*`) already say it.
A display mismatch is an error (`terminology.display-mismatch`) whatever the strength: R4 Coding.display
is "a representation of the meaning of the code in the system, following the rules of the system", and
`$validate-code` answers `result: false` for a wrong display (the HL7 validator's "Wrong Display Name"). A
display the bound value set gives the code (its concept display or designations, or its expansion's) is
valid too; the validator asks with the value set for that;
`server_warning` (set on one check only, when the `--tx` server is found unreachable) is one warning
`terminology.server-unavailable` for the run. Never an error from `not-validated`: a code we cannot
check is never a false error. For a CodeableConcept, check each coding and combine with
`binding_outcome` (any `ok` satisfies the binding).

Local knowledge is used first; the optional server (`server.py`) is asked only what stays
`not-validated`, through its answer cache.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from conformance.definitions.registry import Definitions
from conformance.terminology.codesystem import CodeSystems, ConceptEntry
from conformance.terminology.expansion import ANY, Expander, Expansion, Member
from conformance.terminology.server import TxCache, TxClient
from conformance.terminology.syntax import EXTERNAL_SYSTEMS, syntax_problem

Outcome = Literal["ok", "not-in-valueset", "unknown-code", "not-validated"]

_MEMO_LIMIT = 100_000  # local verdicts remembered per run (a Bundle repeats the same codes)
_RANK: dict[str, int] = {"ok": 0, "not-validated": 1, "not-in-valueset": 2, "unknown-code": 3}


@dataclass(frozen=True, slots=True)
class CodeCheck:
    """The verdict on one code: an outcome, why, and an optional display warning."""

    outcome: Outcome
    message: str = ""
    display_message: str | None = None
    source: str = "local"  # local, syntax, server, cache or dated-copy (a code a dated external copy lacks)
    server_warning: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


def binding_outcome(checks: Iterable[CodeCheck]) -> Outcome:
    """The verdict on several codings of one element: the best of them (`ok` if any is ok)."""
    best: Outcome | None = None
    for check in checks:
        if best is None or _RANK[check.outcome] < _RANK[best]:
            best = check.outcome
    return best or "not-validated"


def normalise_display(text: str) -> str:
    return " ".join(text.split()).casefold()


class Terminology:
    """Answers code questions from the loaded packages, then (optionally) a terminology server."""

    def __init__(self, definitions: Definitions, *, tx: TxClient | None = None,
                 expander: Expander | None = None) -> None:
        self.definitions = definitions
        self.expander = expander or Expander(definitions)
        self.code_systems: CodeSystems = self.expander.code_systems
        self.tx = tx
        self._answers: dict[tuple[str | None, str | None, str, str | None], CodeCheck] = {}

    def validate_code(self, valueset: str | None, system: str | None, code: str,
                      display: str | None = None) -> CodeCheck:
        """Check `system#code` (and `display`) against `valueset` (None: against its code system only)."""
        key = (valueset, system, code, display)
        local = self._answers.get(key)
        if local is None:
            if len(self._answers) >= _MEMO_LIMIT:
                self._answers.clear()
            local = self._answers[key] = self._local(valueset, system, code, display)
        if local.outcome != "not-validated" or self.tx is None or not code or (valueset is None and system is None):
            return local
        return self._ask_server(local, valueset, system, code, display)

    def expansion(self, valueset: str) -> Expansion | None:
        """What is known of a value set (partial allowed; None when it is not loaded)."""
        return self.expander.expansion(valueset)

    # -- local knowledge -------------------------------------------------------------------------
    def _local(self, valueset: str | None, system: str | None, code: str, display: str | None) -> CodeCheck:
        if not code:
            return CodeCheck("not-validated", "there is no code to check")
        cs = self.code_systems.local(system) if system else None
        entry = cs.find(code) if cs is not None else None
        expansion = self.expander.expansion(valueset) if valueset is not None else None
        canonical = entry.code if entry is not None else code
        verdict = expansion.membership(system, canonical) if expansion is not None else None
        member = expansion.member(system, canonical) if expansion is not None and system else None
        display_message = _display_message(system, entry, member, display)
        if verdict is True:  # a value set may pin a version of the system other than the one loaded first
            return CodeCheck("ok", display_message=display_message)
        if cs is not None and entry is None and cs.dated_copy is None:
            return CodeCheck("unknown-code", f"'{code}' is not a code of {system}")
        if cs is not None and entry is None and verdict is not False:
            return CodeCheck("not-validated", f"'{code}' is not in {cs.dated_copy}, so it was not checked",
                             display_message, source="dated-copy")
        implied = system or (_single_system(expansion) if expansion is not None else None)
        if implied and cs is None:
            problem = syntax_problem(implied, code)
            if problem is not None:
                return CodeCheck("unknown-code", problem, source="syntax")
        if valueset is None:
            if entry is not None:
                return CodeCheck("ok", display_message=display_message)
            return CodeCheck("not-validated", self._why_system(system))
        if expansion is None:
            return CodeCheck("not-validated", f"the value set {valueset} is not in the loaded packages",
                             display_message)
        if verdict is False:
            return CodeCheck("not-in-valueset", f"{_label(system, code)} is not in the value set {valueset}",
                             display_message)
        return CodeCheck("not-validated", _why_undecided(expansion, system), display_message)

    def _why_system(self, system: str | None) -> str:
        if system is None:
            return "a code without a system cannot be checked without a value set"
        if system in EXTERNAL_SYSTEMS:
            return f"{system} is not available offline; the code is well-formed"
        cs = self.code_systems.get(system)
        if cs is not None:
            return f"the code system {system} in the loaded packages is not complete (content: {cs.content})"
        return f"the code system {system} is not in the loaded packages"

    # -- the server ---------------------------------------------------------------------------------
    def _ask_server(self, local: CodeCheck, valueset: str | None, system: str | None, code: str,
                    display: str | None) -> CodeCheck:
        assert self.tx is not None
        reply = self.tx.validate_code(valueset, system, code, display)
        if reply.answer is None:
            return replace(local, message=f"{local.message}; {reply.reason}" if reply.reason else local.message,
                           server_warning=reply.unreachable)
        answer = reply.answer
        if not answer.result and display is not None:
            # some servers say "false" for a wrong display alone: ask about the code without it
            again = self.tx.validate_code(valueset, system, code, None)
            if again.answer is not None and again.answer.result:
                expected = f"; expected '{again.answer.display}'" if again.answer.display else ""
                return CodeCheck("ok", again.answer.message,
                                 answer.message or f"'{display}' is not a display of {_label(system, code)}{expected}",
                                 source=reply.source)
        if answer.result:
            mismatch = None
            if display is not None and answer.display and normalise_display(display) != normalise_display(answer.display):
                mismatch = f"'{display}' is not the display of {_label(system, code)}; expected '{answer.display}'"
            return CodeCheck("ok", answer.message, mismatch, source=reply.source)
        outcome: Outcome = "not-in-valueset" if valueset is not None else "unknown-code"
        default = (f"{_label(system, code)} is not in the value set {valueset}" if valueset is not None
                   else f"'{code}' is not a code of {system}")
        return CodeCheck(outcome, answer.message or default, source=reply.source)


def _single_system(expansion: Expansion) -> str | None:
    """The one code system all of a value set's codes come from, or None. A bare `code` bound to such a set
    (R4 Attachment.contentType to `mimetypes`, `language` to `all-languages`) is a code of that system, so its
    syntax applies (R4 terminologies.html: the system of a `code` is implied by the binding)."""
    systems = set(expansion.unknown) | {s for s, _ in expansion.pairs}
    return systems.pop() if len(systems) == 1 and ANY not in systems else None


def _label(system: str | None, code: str) -> str:
    return f"{system}#{code}" if system else f"'{code}'"


def _display_message(system: str | None, entry: ConceptEntry | None, member: Member | None,
                     display: str | None) -> str | None:
    """A warning text when `display` names the concept by none of its local displays, else None."""
    if display is None or entry is None or system is None:
        return None
    texts = entry.displays + (member.displays if member is not None else ())
    if not texts:
        return None
    wanted = normalise_display(display)
    if any(normalise_display(t) == wanted for t in texts):
        return None
    expected = entry.display or texts[0]
    others = " (or one of its designations)" if len(set(texts)) > 1 else ""
    return f"'{display}' is not a display of {system}#{entry.code}; expected '{expected}'{others}"


def _why_undecided(expansion: Expansion, system: str | None) -> str:
    if system is not None and ANY not in expansion.unknown:
        relevant = [r for r in expansion.reasons if system in r]
        if relevant:
            return "; ".join(relevant)
    return "; ".join(expansion.reasons) or f"the value set {expansion.url} cannot be expanded offline"


def create_terminology(definitions: Definitions, tx: str | None = None, tx_cache: str | Path | None = None,
                       *, connect_timeout: float = 5.0, read_timeout: float = 30.0) -> Terminology:
    """The run's terminology service: local packages, plus `--tx URL` and `--tx-cache DIR` when given."""
    client = None
    if tx is not None or tx_cache is not None:
        cache = TxCache(Path(tx_cache)) if tx_cache is not None else None
        client = TxClient(tx, cache, connect_timeout=connect_timeout, read_timeout=read_timeout)
    return Terminology(definitions, tx=client)
