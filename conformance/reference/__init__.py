"""The built-in reference FHIR R4 server: the default target of `conformance run`, and the tests' server.

It serves Patients (ids are NHS numbers), Practitioners and Organizations from SQLite, seeded
from JSON files; validates what is written with our own validator; supports bearer, OAuth2
client-credentials and signed-JWT auth and (mutual) TLS; and can break one rule on purpose
(`FAULTS`) so that every scenario of a profile is proven able to fail.
"""

from conformance.reference import apis
from conformance.reference.config import AUTH_MODES, BUILTIN_SEED, FAULTS, ConfigError, ServerConfig
from conformance.reference.outcomes import ERROR_SYSTEM
from conformance.reference.server import ReferenceServer

__all__ = ["apis", "AUTH_MODES", "BUILTIN_SEED", "ERROR_SYSTEM", "FAULTS", "ConfigError", "ReferenceServer", "ServerConfig"]
