"""The Summary Care Record (SCR) FHIR API as the reference server plays it (`reference: {api: scr}`).

Read from NHSDigital/summary-care-record-api at commit 91bdd2813350613b5fe8f5383532954c4a5c80fd
(`specification/summary-care-record.yaml`): base path `/summary-care-record/FHIR/R4`; get a
patient's latest SCR id (`GET /DocumentReference`), get the SCR (`GET /Bundle`), upload an SCR
(`POST /Bundle`), set the patient's permission on the Spine ACS (`POST /$setPermission`) and send
a privacy alert (`POST /AuditEvent`). One module per operation (`documents`, `retrieval`,
`upload`, `permissions`, `alerts`), the request checks every operation shares (`incoming`), the
records kept (`records`), the error shapes (`outcomes`) and the faults (`faults`).

The seed has the specification's sandbox patients: 9000000009 (an SCR, with an out-of-date one
before it, permission Ask), 9000000033 (no SCR). 9111231130 is not known: no consent to store an
SCR, and no permission can be set.
"""

from pathlib import Path

from conformance.reference.apis.base import ApiBehaviour
from conformance.reference.apis.scr.faults import FAULTS
from conformance.reference.apis.scr.records import seed_problem
from conformance.reference.apis.scr.service import ScrService

BEHAVIOUR = ApiBehaviour(
    name="scr",
    title="Summary Care Record FHIR API",
    base_path="/summary-care-record/FHIR/R4",
    seed=Path(__file__).resolve().parent / "seed",
    service=ScrService,
    faults=FAULTS,
    seed_problem=seed_problem,
)

__all__ = ["BEHAVIOUR"]
