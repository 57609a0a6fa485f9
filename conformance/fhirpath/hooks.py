"""Ready-made hooks for callers without a validator behind them (the CLI, tests).

`CoreProfileConformance` answers `conformsTo()` for the base definitions of the loaded model
only (`http://hl7.org/fhir/StructureDefinition/Patient`): an instance conforms when its type is
that type or derives from it. Any other URL is an error: without the validator nobody can say.
"""

from __future__ import annotations

from conformance.fhir.tree import Node
from conformance.fhirpath.errors import FhirPathError
from conformance.fhirpath.model import SD_PREFIX, ModelInfo


class CoreProfileConformance:
    def __init__(self, model: ModelInfo) -> None:
        self.model = model

    def conforms_to(self, item: Node, profile: str) -> bool | None:
        name = profile[len(SD_PREFIX):] if profile.startswith(SD_PREFIX) else ""
        if not name or "/" in name or not self.model.has_type(name):
            raise FhirPathError(f"conformsTo(): the profile {profile} is not known here")
        own = item.resource_type
        if own is None:
            return False
        return own == name or self.model.is_subtype(own, name)
