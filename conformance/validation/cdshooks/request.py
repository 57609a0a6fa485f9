"""A CDS Hooks 2.0 request body (the JSON a CDS Client POSTs to a CDS Service).

CDS Hooks 2.0, "Calling a CDS Service", HTTP Request table:
- `hook` REQUIRED string; `hookInstance` REQUIRED string, "A universally unique identifier (UUID)"
  (a non-UUID is a warning: the type is string, the UUID is the description);
- `fhirServer` OPTIONAL *URL*, "If fhirAuthorization is provided, this field is REQUIRED" (error);
  "The scheme MUST be `https` when production data is exchanged" — a file cannot say whether its data
  is production, so `http` is information;
- `fhirAuthorization` OPTIONAL object, whose fields (FHIR Resource Access, "Passing the Access Token")
  are REQUIRED: `access_token` string, `token_type` "Fixed value: `Bearer`", `expires_in`
  integer, `scope` string, `subject` string; `patient` CONDITIONAL: "If the granted SMART scopes include
  patient scopes (i.e. "patient/") ... This field SHOULD be populated" (a warning);
- `context` REQUIRED object, checked against the hook's table (`hooks.py`);
- `prefetch` OPTIONAL object: each value a FHIR resource, or `null` — "If the CDS Client has no data
  to populate a template prefetch key, the prefetch template key MUST have a value of null".
The HL7 validator's logical model (hl7.fhir.uv.tools CDSHooksRequest) also types `hookInstance` as
a uuid; it has no rule for the prefetch wrapper objects it accepts (see `resources.py`).
"""

from __future__ import annotations

import re
from typing import Any

from conformance.fhir.json_reader import JsonPath
from conformance.validation.cdshooks.envelope import Envelope
from conformance.validation.cdshooks.hooks import check_context
from conformance.validation.cdshooks.resources import EmbeddedResources

_UUID = re.compile(r"(?:urn:uuid:)?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
_REQUEST_FIELDS = ("hook", "hookInstance", "fhirServer", "fhirAuthorization", "context", "prefetch")
_AUTH_FIELDS = ("access_token", "token_type", "expires_in", "scope", "subject", "patient")
_REQUIRED = "the CDS Hooks 2.0 request REQUIRES"


def check_request(env: Envelope, resources: EmbeddedResources, body: dict[str, Any]) -> None:
    root: JsonPath = ()
    hook = env.get(body, root, "hook", "string", required=_REQUIRED)
    instance = env.get(body, root, "hookInstance", "string", required=_REQUIRED)
    if instance is not None and _UUID.fullmatch(instance) is None:
        env.report("cdshooks.not-uuid", ("hookInstance",), name="hookInstance", value=instance)
    authorization = env.get(body, root, "fhirAuthorization", "object")
    server = env.url(body, root, "fhirServer",
                     required="is REQUIRED when fhirAuthorization is provided" if authorization is not None else "")
    if server is not None and server.lower().startswith("http:"):
        env.report("cdshooks.http-fhir-server", ("fhirServer",))
    if authorization is not None:
        _check_authorization(env, authorization)
    context = env.get(body, root, "context", "object", required=_REQUIRED)
    if context is not None:
        check_context(env, resources, hook, context)
    prefetch = env.get(body, root, "prefetch", "object")
    for key, value in (prefetch or {}).items():
        if value is not None:  # null: the client had no data for this template (allowed, see above)
            resources.check(value, ("prefetch", key), key)
    env.fields(body, root, _REQUEST_FIELDS, "a CDS Hooks request")


def _check_authorization(env: Envelope, authorization: dict[str, Any]) -> None:
    path: JsonPath = ("fhirAuthorization",)
    why = "fhirAuthorization REQUIRES"
    env.get(authorization, path, "access_token", "string", required=why)
    env.code(authorization, path, "token_type", ("Bearer",), required=why)
    env.get(authorization, path, "expires_in", "integer", required=why)
    scope = env.get(authorization, path, "scope", "string", required=why)
    env.get(authorization, path, "subject", "string", required=why)
    patient = env.get(authorization, path, "patient", "string")
    if scope is not None and "patient/" in scope and patient is None and "patient" not in authorization:
        env.report("cdshooks.authorization-patient", path)
    env.fields(authorization, path, _AUTH_FIELDS, "fhirAuthorization")
