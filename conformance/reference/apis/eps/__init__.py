"""The Electronic Prescription Service (EPS) FHIR API as the reference server plays it (`reference: {api: eps}`).

Read from NHSDigital/electronic-prescription-service-api at commit 77e80e11f58013e89c6b4f1c3d767373faa8c29d
(`packages/specification/electronic-prescription-service-api.yaml`): base path
`/electronic-prescriptions/FHIR/R4`; `$prepare`, `$process-message` (prescription-order,
prescription-order-update, dispense-notification), `Task/$release`, `Task` (return, withdraw) and
`Claim`. One module per job: routing (`service`), the request checks every operation shares
(`incoming`), the message verification errors (`messages`), the prescriptions held and their
states (`prescriptions`), the prescribing and dispensing operations (`prescribing`, `dispensing`),
the error shapes (`outcomes`) and the faults (`faults`).

The seed holds three prescriptions: 4D6F2C-A83008-A3E7D3, released to another pharmacy (FA565), and
two nominated to the pharmacy FCG71 and waiting to be dispensed (for a nominated release).
"""

from pathlib import Path

from conformance.reference.apis.base import ApiBehaviour
from conformance.reference.apis.eps.faults import FAULTS
from conformance.reference.apis.eps.prescriptions import seed_problem
from conformance.reference.apis.eps.service import EpsService

BEHAVIOUR = ApiBehaviour(
    name="eps",
    title="Electronic Prescription Service FHIR API",
    base_path="/electronic-prescriptions/FHIR/R4",
    seed=Path(__file__).resolve().parent / "seed",
    service=EpsService,
    faults=FAULTS,
    seed_problem=seed_problem,
)

__all__ = ["BEHAVIOUR"]
