"""`GET /Bundle` (get-scr): a patient's most recent SCR, by its UUID and the patient's NHS number.

Both parameters are required: `composition.identifier` (the SCR UUID from GET /DocumentReference)
and `composition.subject:Patient.identifier` (`https://fhir.nhs.uk/Id/nhs-number|<NHS number>`).
"If you specify an out-of-date UUID, this endpoint returns a Bundle with 0 entries"; malformed
values are 400 ("Invalid results ... HTTP Status 400 - Invalid Request"). The SCR is answered as
a searchset Bundle (`identifier` in `https://tools.ietf.org/html/rfc4122`, `timestamp`, `total`)
holding the entries of the uploaded document, the Composition first.
"""

from __future__ import annotations

import uuid
from typing import Any

from conformance.reference.apis.scr.incoming import nhs_number_token, single
from conformance.reference.apis.scr.outcomes import invalid
from conformance.reference.apis.scr.records import ScrRecords
from conformance.reference.apis.shared import UUID
from conformance.reference.service import Request
from conformance.reference.store import now_instant

RFC4122 = "https://tools.ietf.org/html/rfc4122"
SUBJECT = "composition.subject:Patient.identifier"


def retrieve(request: Request, records: ScrRecords, serve_stale: bool = False) -> dict[str, Any]:
    wanted = single(request, "composition.identifier")
    if not wanted:
        raise invalid("Missing required query parameter 'composition.identifier'")
    nhs_number = nhs_number_token(single(request, SUBJECT), SUBJECT)
    if not UUID.fullmatch(wanted):
        raise invalid(f"Invalid value - '{wanted}' in field 'composition.identifier': an SCR identifier is a UUID")
    scrs = records.scrs(nhs_number)  # latest first
    matching = [s for s in scrs if s.uuid.lower() == wanted.lower()]
    # only the latest is answered: an out-of-date (or unknown) UUID gives a Bundle with 0 entries
    found = matching[0] if matching and (serve_stale or matching[0] is scrs[0]) else None
    entries = [e for e in found.bundle.get("entry") or [] if isinstance(e, dict)] if found else []
    entries.sort(key=lambda e: (e.get("resource") or {}).get("resourceType") != "Composition")
    bundle: dict[str, Any] = {"resourceType": "Bundle", "id": str(uuid.uuid4()),
                              "identifier": {"system": RFC4122, "value": str(uuid.uuid4()).upper()},
                              "type": "searchset", "timestamp": now_instant(), "total": len(entries)}
    if entries:
        bundle["entry"] = [{k: v for k, v in e.items() if k in ("fullUrl", "resource")} for e in entries]
    return bundle
