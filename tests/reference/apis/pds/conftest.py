"""The PDS behaviour's records over an in-memory store seeded with its own seed, and requests built by hand."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.reference.apis.pds import BEHAVIOUR
from conformance.reference.apis.pds.records import Patients
from conformance.reference.seed import load_seed
from conformance.reference.service import Request
from conformance.reference.store import Store

PATCH_JSON = "application/json-patch+json"


def seeded() -> Patients:
    store = Store()
    for resource in load_seed(BEHAVIOUR.seed, BEHAVIOUR.seed_problem):
        store.write(resource["resourceType"], resource["id"], resource, ())
    return Patients(store)


@pytest.fixture
def patients() -> Patients:
    return seeded()


def patch_request(patches: Any, version: int | None = 1, content_type: str | None = PATCH_JSON,
                  body: Any = None) -> Request:
    headers = {"if-match": f'W/"{version}"'} if version is not None else {}
    if content_type is not None:
        headers["content-type"] = content_type
    data = json.dumps({"patches": patches} if body is None else body).encode("utf-8")
    return Request("PATCH", "/Patient/9000000009", [], headers, data)
