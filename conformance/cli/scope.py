"""The options that decide what a run's verdict is judged against: environment, attestations, selection."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from conformance.cli.errors import fail
from conformance.profiles import Profile
from conformance.results import Scope, load_attestations

if TYPE_CHECKING:  # a name only: importing the scenarios package brings the HTTP runner (requests, cryptography)
    from conformance.scenarios.model import Suite


def run_scope(profile: Profile, environment: str | None, attestations: Path | None, partial: str,
              require_all: bool) -> Scope:
    """The Scope of a run; exit 2 (before any work) for an unknown environment or a bad attestations file."""
    chosen = None
    if environment is not None and not profile.environments:
        fail(f"--environment {environment}: profile {profile.id} names no environments")
    if profile.environments:
        chosen = profile.environment(environment)
        if chosen is None:
            fail(f"--environment {environment}: profile {profile.id} has no such environment",
                 "its environments: " + ", ".join(e.id for e in profile.environments))
    attested = {}
    if attestations is not None:
        attested = load_attestations(attestations, profile_ids={profile.id, *profile.aliases},
                                     manual={r.id for r in profile.requirements if r.manual},
                                     known={r.id for r in profile.requirements})
    return Scope(chosen, attested, str(attestations) if attestations is not None else "", partial, require_all)


def select_scenarios(suite: Suite, scenarios: Sequence[str], requirements: Sequence[str]) -> tuple[list[str], str]:
    """The scenario ids to run and, for a restricted run, how it was restricted ("" for a full run)."""
    known = {s.id for s in suite.scenarios}
    unknown = sorted(set(scenarios) - known)
    if unknown:
        fail("no scenario " + ", ".join(unknown) + f" in {suite.profile.id}",
             "its scenarios: " + ", ".join(s.id for s in suite.scenarios))
    ids = {r.id for r in suite.profile.requirements}
    missing = sorted(set(requirements) - ids)
    if missing:
        fail("no requirement " + ", ".join(missing) + f" in {suite.profile.id}",
             f"see `conformance profiles requirements {suite.profile.id}`")
    selected = list(scenarios)
    for s in suite.scenarios:
        evidenced = set(s.requirements) | {r for step in s.steps for r in step.requirements}
        if set(requirements) & evidenced and s.id not in selected:
            selected.append(s.id)
    if requirements and not selected:
        fail("no scenario evidences " + ", ".join(requirements),
             "a manual requirement is attested with --attestations; others may be covered by file checks")
    words = [f"--scenario {s}" for s in scenarios] + [f"--requirement {r}" for r in requirements]
    return selected, " ".join(words)
