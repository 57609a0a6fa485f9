"""A CDS Hooks 2.0 discovery response (what `GET {baseUrl}/cds-services` answers with).

CDS Hooks 2.0, Discovery: "The response to the discovery endpoint SHALL be an object containing a
list of CDS Services" (`services`, an array that may be empty: "the discovery endpoint should return
a 200 HTTP response with an empty array of services"). "Each CDS Service SHALL be described by the
following attributes": `hook` REQUIRED string, `title` RECOMMENDED string (absent: a warning),
`description` REQUIRED, `id` REQUIRED, `prefetch` OPTIONAL object whose values are strings (FHIR
queries), `usageRequirements` OPTIONAL string.

Prefetch tokens "MUST be delimited by `{{` and `}}`, and MUST contain only the qualified path to a
hook context field or one of the following user identifiers: `userPractitionerId`,
`userPractitionerRoleId`, `userPatientId`, or `userRelatedPersonId`"; "Individual hooks specify which
of their `context` fields can be used as prefetch tokens" (the Prefetch Token column, `hooks.py`).
A token that is neither is an error; for a hook outside the catalogue only its form is checked.
"""

from __future__ import annotations

import re
from typing import Any

from conformance.fhir.json_reader import JsonPath, json_type
from conformance.validation.cdshooks.envelope import Envelope
from conformance.validation.cdshooks.hooks import HOOKS

USER_TOKENS = frozenset({"userPractitionerId", "userPractitionerRoleId", "userPatientId", "userRelatedPersonId"})
_TOKEN = re.compile(r"\{\{(.*?)\}\}")
_CONTEXT_FIELD = re.compile(r"context\.([A-Za-z][A-Za-z0-9_-]*)")
_SERVICE_FIELDS = ("hook", "title", "description", "id", "prefetch", "usageRequirements")


def check_discovery(env: Envelope, body: dict[str, Any]) -> None:
    for path, service in env.items(body, (), "services", required="the discovery response SHALL contain", empty=True):
        why = "each CDS Service SHALL have"
        hook = env.get(service, path, "hook", "string", required=why)
        if "title" in service:
            env.get(service, path, "title", "string")
        else:
            env.report("cdshooks.title-recommended", path)
        env.get(service, path, "description", "string", required=why)
        env.get(service, path, "id", "string", required=why)
        for key, template in (env.get(service, path, "prefetch", "object") or {}).items():
            here = path + ("prefetch", key)
            if json_type(template) != "string":
                env.report("cdshooks.wrong-type", here, name=key, expected="string", actual=json_type(template))
            else:
                _check_tokens(env, here, template, hook)
        env.get(service, path, "usageRequirements", "string")
        env.fields(service, path, _SERVICE_FIELDS, "a CDS Service")
    env.fields(body, (), ("services",), "a discovery response")


def _check_tokens(env: Envelope, path: JsonPath, template: str, hook_name: str | None) -> None:
    hook = HOOKS.get(hook_name or "")
    for match in _TOKEN.finditer(template):
        token, inner = match.group(0), match.group(1).strip()
        if inner in USER_TOKENS:
            continue
        field = _CONTEXT_FIELD.fullmatch(inner)
        if field is None:
            env.report("cdshooks.prefetch-token", path, token=token,
                       why="is neither context.<field> nor a user identifier (userPractitionerId, ...)")
            continue
        if hook is None:
            continue
        spec = next((f for f in hook.fields if f.name == field.group(1)), None)
        if spec is None:
            env.report("cdshooks.prefetch-token", path, token=token, why=f"names no context field of the {hook.name} hook")
        elif not spec.prefetch_token:
            env.report("cdshooks.prefetch-token", path, token=token,
                       why=f"names {spec.name}, which the {hook.name} hook does not allow as a prefetch token")
