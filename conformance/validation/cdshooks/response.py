"""A CDS Hooks 2.0 response body (what a CDS Service answers with): cards and system actions.

CDS Hooks 2.0, "CDS Service Response" and its tables; an error for each REQUIRED field, closed value
list and MUST, a warning for each SHOULD or description-only constraint:
- response: `cards` REQUIRED array (may be empty: "return ... an empty array of cards");
  `systemActions` OPTIONAL array of Actions;
- Card: `summary` REQUIRED string, "One-sentence, <140-character summary" (length: a warning, no
  MUST; the HL7 validator does not flag it either); `detail` OPTIONAL string; `indicator` REQUIRED,
  "Allowed values ... are: info, warning, critical"; `source` REQUIRED object; `suggestions`
  OPTIONAL array, "If suggestions are present, selectionBehavior MUST also be provided";
  `selectionBehavior` CONDITIONAL, "Allowed values are: at-most-one ... any"; `overrideReasons`
  OPTIONAL array of Coding, "the CDS Service MUST populate a display value for each reason's
  Coding"; `links` OPTIONAL array; `uuid` OPTIONAL string;
- Source: `label` REQUIRED string, `url` and `icon` OPTIONAL *URL* ("absolute URL"), `topic` OPTIONAL Coding;
- Suggestion: `label` REQUIRED, `uuid` OPTIONAL, `isRecommended` OPTIONAL boolean, `actions` OPTIONAL array;
- Action: `type` REQUIRED, "Allowed values are: create, update, delete"; `description` REQUIRED string;
  `resource` CONDITIONAL, "When the type attribute is create, the resource attribute SHALL contain a new
  FHIR resource to be created. For update, this holds the updated resource" (absent: an error for both);
  `resourceId` CONDITIONAL, "SHOULD be provided when the type attribute is delete" (a warning);
- Link: `label` REQUIRED, `url` REQUIRED *URL*, `type` REQUIRED ("absolute" or "smart"), `appContext`
  OPTIONAL, "should only be valued if the link type is smart and is not valid for absolute links" (a warning);
- Coding (Data Types): `code` REQUIRED, `system` REQUIRED, `display` CONDITIONAL.
The HL7 validator (its hl7.fhir.uv.tools CDSHooksResponse model) accepts cards whose suggestions have
no selectionBehavior and links without a `type`; the specification's words above make both errors.
"""

from __future__ import annotations

from typing import Any

from conformance.fhir.json_reader import JsonPath, json_type
from conformance.validation.cdshooks.envelope import Envelope, check_coding
from conformance.validation.cdshooks.resources import EmbeddedResources

SUMMARY_LIMIT = 140  # "<140-character"

_RESPONSE_FIELDS = ("cards", "systemActions")
_CARD_FIELDS = ("uuid", "summary", "detail", "indicator", "source", "suggestions", "selectionBehavior",
                "overrideReasons", "links")
_SOURCE_FIELDS = ("label", "url", "icon", "topic")
_SUGGESTION_FIELDS = ("label", "uuid", "isRecommended", "actions")
_ACTION_FIELDS = ("type", "description", "resource", "resourceId")
_LINK_FIELDS = ("label", "url", "type", "appContext")


def check_response(env: Envelope, resources: EmbeddedResources, body: dict[str, Any]) -> None:
    root: JsonPath = ()
    for path, card in env.items(body, root, "cards", required="a CDS Hooks response REQUIRES", empty=True):
        _check_card(env, resources, path, card)
    for path, action in env.items(body, root, "systemActions"):
        _check_action(env, resources, path, action)
    env.fields(body, root, _RESPONSE_FIELDS, "a CDS Hooks response")


def _check_card(env: Envelope, resources: EmbeddedResources, path: JsonPath, card: dict[str, Any]) -> None:
    why = "a card REQUIRES"
    env.get(card, path, "uuid", "string")
    summary = env.get(card, path, "summary", "string", required=why)
    if summary is not None and len(summary) >= SUMMARY_LIMIT:
        env.report("cdshooks.summary-length", path + ("summary",), length=len(summary))
    env.get(card, path, "detail", "string")
    env.code(card, path, "indicator", ("info", "warning", "critical"), required=why)
    source = env.get(card, path, "source", "object", required=why)
    if source is not None:
        _check_source(env, path + ("source",), source)
    suggestions = list(env.items(card, path, "suggestions"))
    env.code(card, path, "selectionBehavior", ("at-most-one", "any"))
    if suggestions and "selectionBehavior" not in card:
        env.report("cdshooks.selection-behavior", path)
    for suggestion_path, suggestion in suggestions:
        _check_suggestion(env, resources, suggestion_path, suggestion)
    for i, (reason_path, reason) in enumerate(env.items(card, path, "overrideReasons")):
        check_coding(env, reason_path, reason)
        if "display" not in reason:
            env.report("cdshooks.override-display", reason_path, index=i)
    for link_path, link in env.items(card, path, "links"):
        _check_link(env, link_path, link)
    env.fields(card, path, _CARD_FIELDS, "a card")


def _check_source(env: Envelope, path: JsonPath, source: dict[str, Any]) -> None:
    env.get(source, path, "label", "string", required="a card's source REQUIRES")
    env.url(source, path, "url")
    env.url(source, path, "icon")
    topic = env.get(source, path, "topic", "object")
    if topic is not None:
        check_coding(env, path + ("topic",), topic)
    env.fields(source, path, _SOURCE_FIELDS, "a card's source")


def _check_suggestion(env: Envelope, resources: EmbeddedResources, path: JsonPath, suggestion: dict[str, Any]) -> None:
    env.get(suggestion, path, "label", "string", required="a suggestion REQUIRES")
    env.get(suggestion, path, "uuid", "string")
    env.get(suggestion, path, "isRecommended", "boolean")
    for action_path, action in env.items(suggestion, path, "actions"):
        _check_action(env, resources, action_path, action)
    env.fields(suggestion, path, _SUGGESTION_FIELDS, "a suggestion")


def _check_action(env: Envelope, resources: EmbeddedResources, path: JsonPath, action: dict[str, Any]) -> None:
    why = "an action REQUIRES"
    kind = env.code(action, path, "type", ("create", "update", "delete"), required=why)
    env.get(action, path, "description", "string", required=why)
    if "resource" in action:
        if not (kind == "delete" and json_type(action["resource"]) == "string"):  # a delete's id there: DEPRECATED, allowed
            resources.check(action["resource"], path + ("resource",), "resource")
    elif kind in ("create", "update"):
        env.report("cdshooks.required", path, what=env.location(path), name="resource",
                   why=f"a '{kind}' action SHALL carry (the resource to {kind})")
    resource_id = env.get(action, path, "resourceId", "string")
    if kind == "delete" and resource_id is None and "resource" not in action:
        env.report("cdshooks.delete-resource-id", path)
    env.fields(action, path, _ACTION_FIELDS, "an action")


def _check_link(env: Envelope, path: JsonPath, link: dict[str, Any]) -> None:
    why = "a link REQUIRES"
    env.get(link, path, "label", "string", required=why)
    env.url(link, path, "url", required=why)
    kind = env.code(link, path, "type", ("absolute", "smart"), required=why)
    if env.get(link, path, "appContext", "string") is not None and kind == "absolute":
        env.report("cdshooks.app-context", path + ("appContext",), type=kind)
    env.fields(link, path, _LINK_FIELDS, "a link")
