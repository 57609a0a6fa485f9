"""`GET /Patient` (search-patient): the matching patients, best match first, or TOO_MANY_MATCHES.

The answer is a searchset Bundle (`type`, `timestamp`, `total`) whose entries have the patient's
`fullUrl`, `search.score` and the search view of the patient (`views.search_view`), sorted by
descending score. `_exact-match=true` keeps only scores of 1.0. Invalidated records are never
returned and superseded ones are found through the record that replaced them; restricted patients
are left out when the search names a postcode or a practice. More matches than `_max-results`
(default 50) is status 200 with an OperationOutcome coded TOO_MANY_MATCHES.
"""

from __future__ import annotations

from typing import Any

from conformance.reference.apis.pds.criteria import Criteria
from conformance.reference.apis.pds.matching import score
from conformance.reference.apis.pds.outcomes import too_many_matches
from conformance.reference.apis.pds.records import Patients, is_restricted
from conformance.reference.apis.pds.views import search_view
from conformance.reference.store import now_instant


def search(criteria: Criteria, patients: Patients, base_url: str, withhold: bool = True, trim: bool = True,
           best_first: bool = True, limit: bool = True, with_invalidated: bool = False,
           first_given_only: bool = True) -> dict[str, Any]:
    """The search answer; the keyword switches exist for the faults that break each rule."""
    matches: list[tuple[float, dict[str, Any]]] = []
    for record in patients.current(with_invalidated):
        patient = record.resource
        if withhold and criteria.hides_restricted and is_restricted(patient):
            continue
        found = score(patient, criteria, first_given_only)
        if found is not None and (not criteria.exact or found == 1.0):
            matches.append((found, patient))
    matches.sort(key=lambda m: (-m[0] if best_first else m[0], m[1]["id"]))
    if limit and len(matches) > criteria.max_results:
        return too_many_matches()
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "timestamp": now_instant(),
                              "total": len(matches)}
    if matches:  # FHIR JSON has no empty arrays
        bundle["entry"] = [{"fullUrl": f"{base_url}/Patient/{p['id']}", "search": {"score": s},
                            "resource": search_view(p, withhold=withhold, trim=trim)} for s, p in matches]
    return bundle
