"""Whatever the server answers — resources, Bundles, every kind of OperationOutcome — is valid base R4."""

from __future__ import annotations

import pytest
import requests

from conformance.fhir.json_reader import read_json
from tests.reference.conftest import FHIR_JSON, running

pytestmark = pytest.mark.core


def test_every_answer_conforms_to_base_r4(validator) -> None:  # type: ignore[no-untyped-def]
    with running(auth="oauth2", clients={"c": "s"}, validate_on_write=True) as server, requests.Session() as http:
        token = http.post(server.token_url, data={"grant_type": "client_credentials", "client_id": "c",
                                                  "client_secret": "s"}).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        answers = {
            "capabilities": http.get(f"{server.base_url}/metadata"),
            "read": http.get(f"{server.base_url}/Patient/9000000009", headers=auth),
            "searchset": http.get(f"{server.base_url}/Patient?family=harr&_count=1", headers=auth),
            "empty searchset": http.get(f"{server.base_url}/Patient?family=nobody", headers=auth),
            "401": http.get(f"{server.base_url}/Patient/9000000009"),
            "400": http.get(f"{server.base_url}/Patient/9000000001", headers=auth),
            "404": http.get(f"{server.base_url}/Patient/9000000092", headers=auth),
            "406": http.get(f"{server.base_url}/Patient/9000000009", headers={**auth, "Accept": "text/xml"}),
            "415": http.post(f"{server.base_url}/Patient", data=b"<Patient/>", headers={**auth, "Content-Type": "text/xml"}),
            "422": http.post(f"{server.base_url}/Patient", data=b'{"resourceType": "Patient", "gender": "M"}',
                             headers={**auth, **FHIR_JSON}),
        }
        assert {name: r.status_code for name, r in answers.items()} == {
            "capabilities": 200, "read": 200, "searchset": 200, "empty searchset": 200, "401": 401, "400": 400,
            "404": 404, "406": 406, "415": 415, "422": 422}
        for name, response in answers.items():
            parsed = read_json(response.content)
            assert parsed.root is not None and parsed.issues == [], name
            found = [(i.code, i.location) for i in validator.validate(parsed.root)
                     if i.severity.value in ("fatal", "error", "warning")]
            assert found == [], name
