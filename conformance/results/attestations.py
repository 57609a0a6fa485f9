"""Attestations: an assessor's signed-off word on a requirement that only witness testing can show.

NHS assurance witnesses some behaviour by hand (a clinical safety sign-off, a demonstration of a
user interface). A profile marks such a requirement `manual` (the `verification` column of
`requirements.csv`); it is satisfied only by an attestation given with `--attestations FILE.yaml`:

    version: 1
    profile: personal-demographics          # optional; another profile's file is refused
    attestations:
      - requirement: PDS-SAFETY-001
        outcome: pass                       # pass | fail
        assessor: Jane Smith, NHS England Solution Assurance
        date: 2026-11-30                    # when it was witnessed (not in the future)
        note: witnessed in the integration environment, session 14

The file is checked before any work starts; every problem is reported with its line. Every
report shows an attested requirement as attested, by whom and when — never as tested.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, cast

from conformance.errors import ConformanceError

if TYPE_CHECKING:
    import yaml

AttestedOutcome: TypeAlias = Literal["pass", "fail"]
OUTCOMES = ("pass", "fail")
_TOP_KEYS = {"version", "profile", "attestations"}
_ENTRY_KEYS = {"requirement", "outcome", "assessor", "date", "note"}


class AttestationError(ConformanceError):
    """An attestations file that cannot be used; every problem with its file and line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if len(problems) == 1 else f"{len(problems)} problems in the attestations file",
                         hint="fix the attestations file; see `conformance run --help` (--attestations)")
        self.problems = problems

    def lines(self) -> list[str]:
        return self.problems if len(self.problems) > 1 else [str(self)]


@dataclass(frozen=True, slots=True)
class Attestation:
    requirement: str
    outcome: AttestedOutcome
    assessor: str
    date: str  # YYYY-MM-DD
    note: str = ""
    file: str = ""
    line: int = 0

    @property
    def passed(self) -> bool:
        return self.outcome == "pass"

    def describe(self) -> str:
        text = f"attested {self.outcome} by {self.assessor} on {self.date}"
        return text + (f": {self.note}" if self.note else "")

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"outcome": self.outcome, "assessor": self.assessor, "date": self.date}
        if self.note:
            data["note"] = self.note
        if self.file:
            data["file"] = self.file
            data["line"] = self.line
        return data

    @classmethod
    def from_json(cls, requirement: str, data: dict[str, Any]) -> Attestation:
        return cls(requirement, cast(AttestedOutcome, str(data["outcome"])), str(data["assessor"]), str(data["date"]),
                   str(data.get("note", "")), str(data.get("file", "")), int(data.get("line", 0)))


def load_attestations(path: Path, *, profile_ids: set[str], manual: set[str], known: set[str],
                      today: date | None = None) -> dict[str, Attestation]:
    """The attestations by requirement id; AttestationError listing every problem with file:line."""
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AttestationError([f"{shown}: cannot read the attestations file: {exc.strerror or exc}"]) from exc
    import yaml  # here, not at the top: every command imports this module, few read attestations (13 ms)

    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f":{mark.line + 1}" if mark is not None else ""
        raise AttestationError([f"{shown}{at}: not valid YAML: {getattr(exc, 'problem', None) or exc}"]) from exc
    if not isinstance(data, dict) or not isinstance(data.get("attestations"), list):
        raise AttestationError([f"{shown}:1: expected a mapping with an `attestations` list"])
    problems: list[str] = []
    for key in sorted(set(data) - _TOP_KEYS):
        problems.append(f"{shown}:1: unknown key '{key}' (the keys are: {', '.join(sorted(_TOP_KEYS))})")
    profile = data.get("profile")
    if profile is not None and str(profile) not in profile_ids:
        problems.append(f"{shown}:1: the attestations are for profile '{profile}', not "
                        + " / ".join(sorted(profile_ids)))
    lines = _item_lines(root, len(data["attestations"]))
    today = today or date.today()
    found: dict[str, Attestation] = {}
    for item, line in zip(data["attestations"], lines, strict=True):
        where = f"{shown}:{line}"
        attestation = _attestation(item, where, shown, line, manual, known, today, problems)
        if attestation is None:
            continue
        if attestation.requirement in found:
            problems.append(f"{where}: {attestation.requirement} is attested twice "
                            f"(first at line {found[attestation.requirement].line})")
            continue
        found[attestation.requirement] = attestation
    if problems:
        raise AttestationError(problems)
    return found


def _attestation(item: Any, where: str, file: str, line: int, manual: set[str], known: set[str], today: date,
                 problems: list[str]) -> Attestation | None:
    if not isinstance(item, dict):
        problems.append(f"{where}: an attestation is a mapping with requirement, outcome, assessor and date")
        return None
    before = len(problems)
    for key in sorted(set(item) - _ENTRY_KEYS):
        problems.append(f"{where}: unknown key '{key}' (the keys are: {', '.join(sorted(_ENTRY_KEYS))})")
    for key in ("requirement", "outcome", "assessor", "date"):
        if not str(item.get(key) or "").strip():
            problems.append(f"{where}: '{key}' is missing")
    requirement = str(item.get("requirement") or "")
    if requirement and requirement not in known:
        problems.append(f"{where}: requirement {requirement} is not in the profile")
    elif requirement and requirement not in manual:
        problems.append(f"{where}: requirement {requirement} is automated: its verdict comes from the tests, "
                        "not from an attestation")
    outcome = str(item.get("outcome") or "")
    if outcome and outcome not in OUTCOMES:
        problems.append(f"{where}: outcome '{outcome}' is not one of {', '.join(OUTCOMES)}")
    when = _date(item.get("date"))
    if item.get("date") and when is None:
        problems.append(f"{where}: date '{item.get('date')}' is not a date (YYYY-MM-DD)")
    elif when is not None and when > today:
        problems.append(f"{where}: date {when.isoformat()} is in the future")
    if len(problems) > before or when is None:
        return None
    return Attestation(requirement, cast(AttestedOutcome, outcome), str(item["assessor"]).strip(), when.isoformat(),
                       str(item.get("note") or "").strip(), file, line)


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _item_lines(root: yaml.Node | None, count: int) -> list[int]:
    """The line of each item of `attestations` (1-based), from the composed YAML tree."""
    import yaml
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if getattr(key, "value", None) == "attestations" and isinstance(value, yaml.SequenceNode):
                return [item.start_mark.line + 1 for item in value.value][:count]
    return [1] * count
