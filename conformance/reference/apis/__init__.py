"""The national API behaviours of the built-in reference server: one package per API, found by name.

A profile selects one with `reference: {api: NAME}` in its `profile.yaml`; `conformance serve
--profile P` (or `--api NAME`) and `conformance run P` on the built-in target then serve that
behaviour at its specification's base path, seeded with its records, accepting its `--fault`s.
Without `api` the server is the generic FHIR R4 server (`conformance.reference.service`).

How to add a behaviour (e.g. `eps`):

1. Create the package `conformance/reference/apis/eps/` (nothing to register: every sub-package
   of this one is a behaviour, its name the package name).
2. In its `__init__.py` define `BEHAVIOUR = ApiBehaviour(name="eps", title=..., base_path=
   "/electronic-prescriptions/FHIR/R4" (the path of the spec's server URL), seed=<folder of JSON
   resources in the package>, service=<callable taking an ApiContext and returning an object with
   `handle(Request) -> Response`>, faults=(ApiFault(name, breaks=(requirement ids...), description), ...))`.
3. In the service, reuse the core: `service.Request`/`Response`, `outcomes.FhirError` (raise it,
   or return its `outcome()`), `ctx.store` (versioned SQLite: `write`, `read`, `current`),
   `ctx.auth.check(request.header("Authorization"))`, and `ctx.has(fault)` to break a rule.
   Keep one module per job (routing, each interaction, the API's error table).
4. Set `reference: {api: eps}` in the profile, and add a self-test that runs the profile against
   the server with no fault (exit 0) and with each fault (exactly `breaks` fail); see
   `tests/reference/apis/` for the PDS one.

The core adds the FHIR JSON `Content-Type` and echoes `X-Request-ID` / `X-Correlation-ID` on
every answer; the generic server's own `FAULTS` do not apply in an API mode.
"""

from __future__ import annotations

import importlib
import pkgutil

from conformance.reference.apis.base import ApiBehaviour, ApiContext, ApiFault, ApiService
from conformance.reference.config import ConfigError

__all__ = ["ApiBehaviour", "ApiContext", "ApiFault", "ApiService", "behaviour", "names"]


def names() -> list[str]:
    """Every behaviour shipped, by name (the sub-packages of this package)."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.ispkg)


def behaviour(name: str) -> ApiBehaviour:
    """The named behaviour; ConfigError naming the known ones when there is none."""
    if name not in names():
        raise ConfigError(f"unknown API behaviour '{name}'; known: {', '.join(names()) or 'none'}")
    module = importlib.import_module(f"{__name__}.{name}")
    found = getattr(module, "BEHAVIOUR", None)
    if not isinstance(found, ApiBehaviour):
        raise ConfigError(f"conformance.reference.apis.{name} defines no BEHAVIOUR")
    return found
