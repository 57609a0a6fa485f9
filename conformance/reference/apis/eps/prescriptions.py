"""The prescriptions the EPS behaviour holds, and where each is in its life.

A prescription is its prescription-order message and a state: `to-be-dispensed` (created, or
returned), `with-dispenser` (released to a dispenser, named by ODS code), `dispensed` (a dispense
notification was accepted), `claimed` or `cancelled`. The seed holds prescription-order messages
whose `meta.tag` (system `STATE_SYSTEM`) gives their state and, for those with a dispenser, its ODS
code (system `DISPENSER_SYSTEM`). Changes are kept in memory for the life of the server.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from conformance.reference.apis.eps.messages import event, prescription_id, resources

STATE_SYSTEM = "https://conformance.invalid/eps/prescription-state"
DISPENSER_SYSTEM = "https://conformance.invalid/eps/dispenser"
STATES = ("to-be-dispensed", "with-dispenser", "dispensed", "claimed", "cancelled")


@dataclass
class Prescription:
    short_id: str
    message: dict[str, Any]  # the prescription-order message as created
    state: str = "to-be-dispensed"
    dispenser: str | None = None  # ODS code of the dispenser it is with

    @property
    def nominated(self) -> str | None:
        """The ODS code of the dispenser the prescription is nominated to (dispenseRequest.performer)."""
        for item in resources(self.message, "MedicationRequest"):
            code = (((item.get("dispenseRequest") or {}).get("performer") or {}).get("identifier") or {}).get("value")
            if isinstance(code, str):
                return code
        return None


def short_id_of(message: dict[str, Any]) -> str | None:
    items = resources(message, "MedicationRequest")
    return prescription_id(items[0]) if items else None


def seed_problem(resource: dict[str, Any]) -> str | None:
    """What the EPS behaviour cannot hold from a seed resource (None: it can)."""
    if resource.get("resourceType") != "Bundle" or not resource.get("id"):
        return "an EPS seed entry is a prescription-order message Bundle with an id"
    if event(resource) != "prescription-order" or short_id_of(resource) is None:
        return "an EPS seed entry needs a prescription-order MessageHeader first and MedicationRequests with a groupIdentifier"
    tags = _tags(resource)
    if tags.get(STATE_SYSTEM, "to-be-dispensed") not in STATES:
        return f"an EPS seed state is one of {', '.join(STATES)}"
    return None


def _tags(resource: dict[str, Any]) -> dict[str, str]:
    return {str(t.get("system")): str(t.get("code")) for t in (resource.get("meta") or {}).get("tag") or []
            if isinstance(t, dict)}


class Prescriptions:
    """Every prescription by short-form ID; one lock serialises the changes of concurrent requests."""

    def __init__(self, seeded: list[dict[str, Any]]) -> None:
        self.lock = threading.Lock()
        self.by_id: dict[str, Prescription] = {}
        for message in seeded:
            tags = _tags(message)
            held = {k: v for k, v in message.items() if k != "meta"}
            short = short_id_of(message)
            if short:
                self.by_id[short] = Prescription(short, held, tags.get(STATE_SYSTEM, "to-be-dispensed"),
                                                 tags.get(DISPENSER_SYSTEM))

    def get(self, short_id: str | None) -> Prescription | None:
        return self.by_id.get(short_id or "")

    def add(self, message: dict[str, Any]) -> Prescription:
        short = short_id_of(message) or ""
        self.by_id[short] = found = Prescription(short, message)
        return found

    def nominated_to(self, ods: str, limit: int = 25) -> list[Prescription]:
        return [p for p in self.by_id.values() if p.state == "to-be-dispensed" and p.nominated == ods][:limit]
