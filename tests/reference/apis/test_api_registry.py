"""The API-behaviour mechanism: a behaviour is served at its base path, with its seed and only its faults."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from conformance.reference import ConfigError, ReferenceServer, ServerConfig, apis
from conformance.reference.apis import ApiBehaviour, ApiContext, ApiFault
from conformance.reference.outcomes import FhirError
from conformance.reference.service import Request, Response


class _Echo:
    """Answers GET /Thing/{id} from the store; the `hide-things` fault makes every read 404."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    def handle(self, request: Request) -> Response:
        parts = [p for p in request.path.split("/") if p]
        record = self.ctx.store.read("Thing", parts[1]) if len(parts) == 2 else None
        if record is None or self.ctx.has("hide-things"):
            return Response(404, FhirError(404, "not-found", "RESOURCE_NOT_FOUND", "no such thing").outcome())
        return Response(200, record.resource, {"ETag": record.etag})


@pytest.fixture
def thing_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ApiBehaviour:
    (tmp_path / "thing.json").write_text('{"resourceType": "Thing", "id": "t1"}', encoding="utf-8")
    behaviour = ApiBehaviour(name="things", title="Things", base_path="/things/FHIR/R4", seed=tmp_path,
                             service=_Echo, faults=(ApiFault("hide-things", ("THING-001",), "every read is 404"),))
    real = apis.behaviour
    monkeypatch.setattr(apis, "behaviour", lambda name: behaviour if name == "things" else real(name))
    return behaviour


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def test_a_behaviour_is_served_at_its_base_path_with_its_seed(thing_api: ApiBehaviour,
                                                               http: requests.Session) -> None:
    with ReferenceServer(ServerConfig(api="things")) as server:
        assert server.base_url.endswith("/things/FHIR/R4")
        response = http.get(f"{server.base_url}/Thing/t1", headers={"X-Request-ID": "abc"})
        assert (response.status_code, response.json()["id"], response.headers["ETag"]) == (200, "t1", 'W/"1"')
        # the core still adds the FHIR content type and echoes the tracing header
        assert response.headers["Content-Type"].startswith("application/fhir+json")
        assert response.headers["X-Request-ID"] == "abc"
        # the generic base path is not served in an API mode
        assert http.get(f"{server.origin}/FHIR/R4/Patient/9000000009").status_code == 404


def test_only_the_behaviours_own_faults_are_accepted(thing_api: ApiBehaviour, http: requests.Session) -> None:
    with ReferenceServer(ServerConfig(api="things", faults=frozenset({"hide-things"}))) as server:
        assert http.get(f"{server.base_url}/Thing/t1").status_code == 404
    with pytest.raises(ConfigError, match="unknown fault.*no-etag.*known faults of the 'things' API: hide-things"):
        ServerConfig(api="things", faults=frozenset({"no-etag"}))


def test_an_unknown_behaviour_is_a_config_error_naming_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="unknown API behaviour 'nope'; known: "):
        ServerConfig(api="nope")


def test_every_shipped_behaviour_loads_and_names_its_faults() -> None:
    for name in apis.names():
        behaviour = apis.behaviour(name)
        assert behaviour.name == name and behaviour.base_path.startswith("/")
        assert behaviour.seed.is_dir()
        for fault in behaviour.faults:
            assert fault.breaks and fault.description, fault.name


def test_serve_lists_a_behaviours_faults_with_the_requirements_they_break(thing_api: ApiBehaviour) -> None:
    from typer.testing import CliRunner

    from conformance.cli import _register, app

    _register("serve")
    result = CliRunner().invoke(app, ["serve", "--api", "things", "--list-faults"])
    assert (result.exit_code, result.output) == (0, "hide-things: every read is 404 (breaks THING-001)\n")
    unknown = CliRunner().invoke(app, ["serve", "--api", "nope", "--list-faults"])
    assert unknown.exit_code == 2 and "unknown API behaviour 'nope'" in unknown.output
