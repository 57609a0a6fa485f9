"""What a national API behaviour of the reference server is: a name, a base path, faults and a service.

The shared core (HTTP plumbing, SQLite store, auth, the token endpoint, the echoed tracing
headers and the FHIR JSON content type) is the same for every behaviour; a behaviour only
answers the requests below its base path and says which rules it can break on purpose.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from conformance.reference.auth import Authenticator
from conformance.reference.config import ServerConfig
from conformance.reference.service import Request, Response
from conformance.reference.store import Store


@dataclass(frozen=True, slots=True)
class ApiFault:
    """A rule the behaviour breaks on purpose: `serve --fault NAME`, `run --fault NAME`.

    `breaks` names the requirement ids of the API's profile that must fail, and only those,
    when the fault is on: the profile's self-test holds every behaviour to it.
    """

    name: str
    breaks: tuple[str, ...]
    description: str


@dataclass(frozen=True, slots=True)
class ApiContext:
    """What a behaviour's service is built from when the server starts."""

    config: ServerConfig
    store: Store
    auth: Authenticator
    base_url: str  # scheme://host:port + base_path
    token_url: str

    def has(self, fault: str) -> bool:
        return self.config.has(fault)


class ApiService(Protocol):
    """Answers one request below the base path (`Request.path` is relative to it); never raises."""

    def handle(self, request: Request) -> Response: ...


def any_resource(resource: dict[str, Any]) -> str | None:
    """The default seed check: a resource with a type and an id (a behaviour may be stricter)."""
    if not isinstance(resource.get("resourceType"), str) or not isinstance(resource.get("id"), str) or not resource["id"]:
        return "a seed resource needs a resourceType and an id"
    return None


@dataclass(frozen=True)
class ApiBehaviour:
    """One national API as the reference server plays it.

    `base_path` is the path of the API's base URL as its specification gives it (for PDS
    `/personal-demographics/FHIR/R4`); `seed` the folder of JSON resources (files or Bundles) it
    starts with unless a profile or `--seed` gives another; `service` builds the request handler.
    """

    name: str
    title: str
    base_path: str
    seed: Path
    service: Callable[[ApiContext], ApiService]
    faults: tuple[ApiFault, ...] = ()
    seed_problem: Callable[[dict[str, Any]], str | None] = field(default=any_resource)

    @property
    def fault_names(self) -> Mapping[str, ApiFault]:
        return {f.name: f for f in self.faults}
