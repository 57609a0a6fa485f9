"""The Personal Demographics Service (PDS) FHIR API as the reference server plays it (`reference: {api: pds}`).

Read from NHSDigital/personal-demographics-service-api at commit f57f5839b956fedb708555227ef2f9aefcc0cc37
(`specification/personal-demographics.yaml`): base path `/personal-demographics/FHIR/R4`; search
(`GET /Patient`), read (`GET /Patient/{id}`), update by JSON Patch with versioning (`PATCH
/Patient/{id}`), related people (`GET /Patient/{id}/RelatedPerson`), creating a patient (`POST
/Patient`) and EHIC coverage (`GET`/`POST /Coverage`). One module per job: routing (`service`), the
request checks every interaction shares (`incoming`), the records and their states (`records`),
what each answer shows (`views`), the search parameters (`criteria`), matching and scoring
(`matching`), the search (`searching`), JSON Patch (`jsonpatch`), the update rules (`updating`) and the
per-field rules of an update (`fieldrules`),
related people (`related`), creating (`creating`), coverage (`coverage`), the error shapes
(`outcomes`) and the faults (`faults`).

The seed is built from the specification's examples: 9000000009 (Jane Smith, with a previous name
Taylor, two related people and EHIC details), 9000000017 (Jayne Smyth, with a temporary address),
9000000025 (Janet Smythe, restricted), 9000000033 (minimal data), the create examples' matches
(9000000076 McMatch-Single; 9000000084 and 9000000092 McMatch-Multiple); and three records the examples do not show:
9000000041, superseded by 9000000017, 9000000068, invalidated and not superseded, and 9000000106 (Alan
Michael Smith, the `given` parameter's example of a first and a middle name). 9111231130 is
not known (the sandbox's "patient does not exist").
"""

from pathlib import Path

from conformance.reference.apis.base import ApiBehaviour
from conformance.reference.apis.pds.faults import FAULTS
from conformance.reference.apis.pds.records import seed_problem
from conformance.reference.apis.pds.service import PdsService

BEHAVIOUR = ApiBehaviour(
    name="pds",
    title="Personal Demographics Service FHIR API",
    base_path="/personal-demographics/FHIR/R4",
    seed=Path(__file__).resolve().parent / "seed",
    service=PdsService,
    faults=FAULTS,
    seed_problem=seed_problem,
)

__all__ = ["BEHAVIOUR"]
