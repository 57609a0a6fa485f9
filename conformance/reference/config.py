"""How a reference server is set up: address, seed, auth, TLS and the faults it commits on purpose."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from conformance.errors import ConformanceError

AUTH_MODES = ("none", "bearer", "oauth2")

# each fault makes the server break exactly one rule, so that a profile can prove its scenarios can fail
FAULTS: dict[str, str] = {
    "wrong-content-type": "FHIR responses say Content-Type: text/plain",
    "missing-nhs-number": "Patients are returned without their NHS number identifier",
    "ok-instead-of-404": "unknown ids give 200 with an empty resource instead of 404",
    "invalid-operation-outcome": "error responses carry OperationOutcomes whose issues have no code",
    "no-request-id-echo": "X-Request-ID is not echoed back",
    "token-not-checked": "FHIR requests are served without a valid bearer token",
    "invalid-nhs-number-accepted": "invalid NHS numbers are treated as unknown (404, or no match) instead of 400",
    "non-conformant-patient": "returned Patients have gender 'M', outside the required value set",
    "search-ignores-parameters": "searches ignore their criteria and return every resource of the type",
    "no-etag": "no ETag header and no meta.versionId",
}

BUILTIN_SEED = Path(__file__).resolve().parent / "seed"


class ConfigError(ConformanceError, ValueError):
    """A server that cannot be set up as asked (unknown fault, unreadable key, bad JWKS...)."""


@dataclass(frozen=True)
class ServerConfig:
    """Everything a `ReferenceServer` needs; the defaults give an open HTTP server on a free port.

    `seed_dir=None` loads the built-in seed (Patients in the style of England's demographics
    service); `database=None` keeps the store in memory. `clients` maps OAuth2 client ids to
    secrets; `static_tokens` are bearer tokens accepted as they are.
    """

    host: str = "127.0.0.1"
    port: int = 0
    seed_dir: Path | None = None
    faults: frozenset[str] = frozenset()
    auth: str = "none"
    tls_cert: Path | None = None
    tls_key: Path | None = None
    client_ca: Path | None = None
    jwks_file: Path | None = None
    clients: Mapping[str, str] = field(default_factory=dict)
    static_tokens: frozenset[str] = frozenset()
    validate_on_write: bool = True
    database: Path | None = None
    page_size: int = 20
    max_page_size: int = 100
    token_lifetime: int = 599
    max_body_bytes: int = 5 * 1024 * 1024
    api: str | None = None  # a national API behaviour (`conformance.reference.apis`); None: generic FHIR

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "faults", frozenset(_strings(self.faults)))
        set_(self, "static_tokens", frozenset(_strings(self.static_tokens)))
        set_(self, "clients", dict(self.clients))
        for name in ("seed_dir", "tls_cert", "tls_key", "client_ca", "jwks_file", "database"):
            value = getattr(self, name)
            if value is not None:
                set_(self, name, Path(value))
        problems = self.problems()
        if problems:
            raise ConfigError("; ".join(problems))

    def problems(self) -> list[str]:
        found: list[str] = []
        try:
            known = self.known_faults()
        except ConfigError as exc:  # an unknown API behaviour
            return [str(exc)]
        unknown = sorted(self.faults - set(known))
        if unknown:
            mode = f" of the '{self.api}' API" if self.api else ""
            found.append(f"unknown fault(s) {', '.join(unknown)}; known faults{mode}: {', '.join(known) or 'none'}")
        if self.auth not in AUTH_MODES:
            found.append(f"unknown auth mode '{self.auth}'; use one of {', '.join(AUTH_MODES)}")
        if (self.tls_cert is None) != (self.tls_key is None):
            found.append("TLS needs both a certificate and its private key")
        if self.client_ca is not None and self.tls_cert is None:
            found.append("checking client certificates (client CA) needs TLS: give a server certificate and key")
        if not 0 <= self.port <= 65535:
            found.append(f"port {self.port} is not between 0 and 65535")
        if not 1 <= self.page_size <= self.max_page_size:
            found.append("page_size must be between 1 and max_page_size")
        return found

    def known_faults(self) -> list[str]:
        """The faults this server can commit: the generic ones, or those of its API behaviour."""
        if self.api is None:
            return list(FAULTS)
        from conformance.reference.apis import behaviour  # the behaviours build on this module

        return [f.name for f in behaviour(self.api).faults]

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None

    def has(self, fault: str) -> bool:
        return fault in self.faults


def _strings(values: Iterable[str] | str) -> Iterable[str]:
    return (values,) if isinstance(values, str) else values
