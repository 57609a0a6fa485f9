"""A CDS Hooks 2.0 feedback request (what a CDS Client POSTs to `{baseUrl}/cds-services/{id}/feedback`).

CDS Hooks 2.0, Feedback: "The request to the feedback endpoint SHALL be an object containing an
array" (`feedback`), and "Each Feedback SHALL described by the following attributes": `card` REQUIRED
string (the card's uuid), `outcome` REQUIRED, "A value of `accepted` or `overridden`",
`acceptedSuggestions` CONDITIONAL, "Required for `accepted` outcomes", each AcceptedSuggestion with
`id` REQUIRED; `overrideReason` OPTIONAL object (`reason` a Coding, `userComment` a string);
`outcomeTimestamp` REQUIRED string, "ISO timestamp in UTC when action was taken on card" (not one:
a warning, the type being string).
"""

from __future__ import annotations

import re
from typing import Any

from conformance.validation.cdshooks.envelope import Envelope, check_coding

_UTC_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]00:00)")
_FEEDBACK_FIELDS = ("card", "outcome", "acceptedSuggestions", "overrideReason", "outcomeTimestamp")


def check_feedback(env: Envelope, body: dict[str, Any]) -> None:
    for path, item in env.items(body, (), "feedback", required="the feedback request SHALL contain"):
        why = "each Feedback SHALL have"
        env.get(item, path, "card", "string", required=why)
        outcome = env.code(item, path, "outcome", ("accepted", "overridden"), required=why)
        required = "is Required for accepted outcomes" if outcome == "accepted" else ""
        for suggestion_path, suggestion in env.items(item, path, "acceptedSuggestions", required=required):
            env.get(suggestion, suggestion_path, "id", "string", required="an AcceptedSuggestion REQUIRES")
            env.fields(suggestion, suggestion_path, ("id",), "an AcceptedSuggestion")
        reason = env.get(item, path, "overrideReason", "object")
        if reason is not None:
            reason_path = path + ("overrideReason",)
            coding = env.get(reason, reason_path, "reason", "object")
            if coding is not None:
                check_coding(env, reason_path + ("reason",), coding)
            env.get(reason, reason_path, "userComment", "string")
            env.fields(reason, reason_path, ("reason", "userComment"), "an OverrideReason")
        stamp = env.get(item, path, "outcomeTimestamp", "string", required=why)
        if stamp is not None and _UTC_TIMESTAMP.fullmatch(stamp) is None:
            env.report("cdshooks.timestamp", path + ("outcomeTimestamp",), value=stamp)
        env.fields(item, path, _FEEDBACK_FIELDS, "a Feedback")
