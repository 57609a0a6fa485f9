"""The SCR behaviour's records over an in-memory store seeded with its own seed, and requests built by hand."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.reference.apis.scr import BEHAVIOUR
from conformance.reference.apis.scr.records import ScrRecords
from conformance.reference.seed import load_seed
from conformance.reference.service import Request
from conformance.reference.store import Store

NHS = "https://fhir.nhs.uk/Id/nhs-number"
LATEST, OLDER = "FA60BE64-1F34-11EB-A2A8-000C29A364EB", "D18B57ED-992E-45A2-A6AF-55200D20F48E"


@pytest.fixture
def records() -> ScrRecords:
    store = Store()
    for resource in load_seed(BEHAVIOUR.seed, BEHAVIOUR.seed_problem):
        store.write(resource["resourceType"], resource["id"], resource, ())
    return ScrRecords(store)


def request(method: str = "GET", path: str = "/DocumentReference", query: dict[str, str] | None = None,
            headers: dict[str, str] | None = None, body: Any = None) -> Request:
    data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode("utf-8"))
    return Request(method, path, list((query or {}).items()), {k.lower(): v for k, v in (headers or {}).items()}, data)
