"""The hooks of the CDS Hooks 2.0 catalogue and the rules of their `context` tables.

Each hook page (https://cds-hooks.hl7.org/hooks/) defines its context as a table of fields:
Optionality (REQUIRED | OPTIONAL), Type (a JSON type or a FHIR resource type) and a Description.
How we read the columns:
- a REQUIRED field that is absent, or a value of another JSON type, is an error (the table's own words);
- a field whose type is a FHIR Bundle/resource holds that resource type (error otherwise: it is the
  field's type) and the resource is validated as FHIR R4 (`resources.py`);
- what only the Description says — "The FHIR `Patient.id`", "For example, `PractitionerRole/123`",
  "the user is expected to be of type Practitioner or PractitionerRole",
  "The `selections` field references FHIR resources in the `draftOrders` Bundle" — carries no
  MUST, so a value that does not fit it is a warning. The HL7 validator says nothing about these
  (a `Patient/123` patientId passes it), which is why the warnings are not errors. One Description
  does say Must: patient-view's userId "Must be in the format [ResourceType]/[id]" (CDS Hooks Library
  STU1), an error there; the HL7 library's logical models make that format (ord-1) an error for every hook.
Hooks are an open set ("anyone is able to define new hooks"), so a hook not in the catalogue is
information and its context is only searched for FHIR resources to validate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from conformance.fhir.json_reader import JsonPath, json_object, json_type
from conformance.validation.cdshooks.envelope import Envelope
from conformance.validation.cdshooks.resources import EmbeddedResources

_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")  # R4 id: [A-Za-z0-9\-\.]{1,64}
_REFERENCE = re.compile(r"([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})")  # a relative reference, Type/id


@dataclass(frozen=True)
class ContextField:
    """One row of a hook's context table.

    `kind`: `id` (a FHIR id of `types[0]`), `reference` (`Type/id`, Type one of `types`),
    `references` (an array of those), `selections` (order-select's references into draftOrders),
    `resource` (a FHIR resource of type `types[0]`), `resources` (an array of them).
    `must_be_reference`: the hook's description says the value "Must be in the format
    [ResourceType]/[id]" (patient-view's userId), so another format is an error, not a warning.
    """

    name: str
    required: bool
    kind: str
    types: tuple[str, ...] = ()
    must_be_reference: bool = False

    @property
    def prefetch_token(self) -> bool:
        """The table's Prefetch Token column: Yes for the ids and references, No for resources and
        order-select's selections, in every hook of the 2.0 catalogue."""
        return self.kind in ("id", "reference", "references")


@dataclass(frozen=True)
class Hook:
    name: str
    fields: tuple[ContextField, ...]


_CLINICIAN = ("Practitioner", "PractitionerRole")
_ANY_USER = ("Practitioner", "PractitionerRole", "Patient", "RelatedPerson")


def _user(types: tuple[str, ...], must_be_reference: bool = False) -> ContextField:
    return ContextField("userId", True, "reference", types, must_be_reference)


_PATIENT = ContextField("patientId", True, "id", ("Patient",))
_ENCOUNTER = ContextField("encounterId", False, "id", ("Encounter",))
_ENCOUNTER_REQUIRED = ContextField("encounterId", True, "id", ("Encounter",))

# the 2.0 catalogue (hook version 1.0 of each), one entry per hook page
HOOKS: dict[str, Hook] = {hook.name: hook for hook in (
    Hook("patient-view", (_user(_ANY_USER, must_be_reference=True), _PATIENT, _ENCOUNTER)),
    Hook("order-select", (_user(_CLINICIAN), _PATIENT, _ENCOUNTER,
                          ContextField("selections", True, "selections"),
                          ContextField("draftOrders", True, "resource", ("Bundle",)))),
    Hook("order-sign", (_user(_CLINICIAN), _PATIENT, _ENCOUNTER,
                        ContextField("draftOrders", True, "resource", ("Bundle",)))),
    Hook("appointment-book", (_user(_ANY_USER), _PATIENT, _ENCOUNTER,
                              ContextField("appointments", True, "resource", ("Bundle",)))),
    Hook("encounter-start", (_user(_CLINICIAN), _PATIENT, _ENCOUNTER_REQUIRED)),
    Hook("encounter-discharge", (_user(_CLINICIAN), _PATIENT, _ENCOUNTER_REQUIRED)),
    Hook("order-dispatch", (_PATIENT,
                            ContextField("dispatchedOrders", True, "references"),
                            ContextField("performer", True, "reference"),
                            ContextField("fulfillmentTasks", False, "resources", ("Task",)))),
)}


def check_context(env: Envelope, resources: EmbeddedResources, hook_name: str | None, context: dict[str, Any]) -> None:
    """The request's `context` against its hook's table (or, for another hook, its embedded resources)."""
    path: JsonPath = ("context",)
    hook = HOOKS.get(hook_name or "")
    if hook is None:
        if hook_name:
            env.report("cdshooks.hook-unknown", ("hook",), hook=hook_name)
        for name, value in context.items():
            if (obj := json_object(value)) is not None and "resourceType" in obj:
                resources.check(value, path + (name,), name)
        return
    for spec in hook.fields:
        why = f"the {hook.name} hook's context REQUIRES" if spec.required else ""
        if spec.kind in ("id", "reference"):
            value = env.get(context, path, spec.name, "string", required=why)
            if value is not None:
                _check_string(env, hook, spec, path + (spec.name,), value)
        elif spec.kind in ("references", "selections"):
            values = env.get(context, path, spec.name, "array", required=why) or []
            for i, value in enumerate(values):
                here = path + (spec.name, i)
                if json_type(value) != "string":
                    env.report("cdshooks.wrong-type", here, name=f"{spec.name}[{i}]", expected="string",
                               actual=json_type(value))
                elif spec.kind == "references":
                    _check_string(env, hook, spec, here, value)
                elif value not in _draft_orders(context):
                    env.report("cdshooks.selection-unresolved", here, value=value)
        elif spec.kind == "resource":
            if env.get(context, path, spec.name, "object", required=why) is not None:
                resources.check(context[spec.name], path + (spec.name,), spec.name, spec.types[0], hook.name)
        else:  # resources
            for i, value in enumerate(env.get(context, path, spec.name, "array", required=why) or []):
                resources.check(value, path + (spec.name, i), f"{spec.name}[{i}]", spec.types[0], hook.name)
    env.fields(context, path, (f.name for f in hook.fields), f"the {hook.name} hook's context")


def _check_string(env: Envelope, hook: Hook, spec: ContextField, path: JsonPath, value: str) -> None:
    """An id or a relative reference, as the field's Description says (no MUST: warnings)."""
    if spec.kind == "id":
        if _FHIR_ID.fullmatch(value) is None:
            env.report("cdshooks.context-id", path, name=spec.name, value=value, type=spec.types[0])
        return
    match = _REFERENCE.fullmatch(value)
    if match is None and spec.must_be_reference:
        env.report("cdshooks.user-format", path, value=value, hook=hook.name)
    elif match is None or (spec.types and match.group(1) not in spec.types):
        env.report("cdshooks.context-reference", path, name=spec.name, value=value, hook=hook.name,
                   types=_either(spec.types) if spec.types else "a resource (Type/id)")


def _either(types: Iterable[str]) -> str:
    names = list(types)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _draft_orders(context: dict[str, Any]) -> set[str]:
    """`Type/id` of every resource in the draftOrders Bundle (what order-select's selections reference)."""
    found: set[str] = set()
    bundle = json_object(context.get("draftOrders")) or {}
    for entry in bundle.get("entry") or []:
        resource = json_object((json_object(entry) or {}).get("resource")) or {}
        if isinstance(resource.get("resourceType"), str) and isinstance(resource.get("id"), str):
            found.add(f"{resource['resourceType']}/{resource['id']}")
    return found
