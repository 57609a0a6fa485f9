"""What a run's verdict is judged against: the environment, attestations, a partial selection, --require-all.

The runners (`scenarios`, `files`) roll evidence up as if every requirement applied; `scoped()`
then applies the facts that only the command knows — which environment was selected (so some
requirements are "not applicable" with the profile's reason), which manual requirements an
assessor attested, whether the user restricted the run — and records them on the `RunResult`
so that every report can state them and the verdict can be decided again from the document.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from conformance.results.attestations import Attestation
from conformance.results.requirements import OutOfScope, requirement_results
from conformance.results.run import RunResult


@dataclass(frozen=True)
class Scope:
    environment: OutOfScope | None = None
    attestations: Mapping[str, Attestation] = field(default_factory=dict)
    attestations_file: str = ""
    partial: str = ""  # e.g. "--scenario read"; empty for a full run
    require_all: bool = False


def scoped(result: RunResult, scope: Scope, *, unreachable: str = "", interrupted: str = "") -> RunResult:
    """`result` with its requirements rolled up again under `scope`, and the facts recorded."""
    requirements = requirement_results([r.requirement for r in result.requirements], result.groups,
                                       environment=scope.environment, attestations=scope.attestations,
                                       partial=scope.partial)
    return replace(result, requirements=requirements,
                   environment=scope.environment.id if scope.environment is not None else "",
                   partial=scope.partial, require_all=scope.require_all, attestations=scope.attestations_file,
                   unreachable=unreachable, interrupted=interrupted if result.incomplete else "")
