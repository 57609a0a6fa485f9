"""The JSON Schemas shipped with the package, and their errors turned into located ones.

Every error is reported (never just the first), each at the line of the offending node. For an
unexpected property the key itself is pointed at; for a failed `oneOf`/`anyOf` the schema's
`x-message` says in words what was expected, since jsonschema's own text for them says little.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from conformance.profiles.errors import LocatedError
from conformance.profiles.located import LocatedDocument

_UNEXPECTED = re.compile(r"\('([^']+)' (?:was|were) unexpected\)")


@cache
def schema(name: str) -> dict[str, Any]:
    """`profile` or `scenario`: the schema as shipped in conformance/profiles/schema/."""
    text = resources.files("conformance.profiles").joinpath("schema", f"{name}.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(schema(name))


def check(document: LocatedDocument, name: str) -> list[LocatedError]:
    """Every schema error in the document (plus problems found while reading it), located."""
    found = list(document.problems)
    if document.data is None:
        return [*found, document.error("the file is empty")]
    for error in _validator(name).iter_errors(document.data):
        found.append(_locate(document, error))
    return found


def _locate(document: LocatedDocument, error: ValidationError) -> LocatedError:
    where = list(error.absolute_path)
    message = _message(error)
    if error.validator == "additionalProperties":
        match = _UNEXPECTED.search(error.message)
        if match:
            key = match.group(1)
            node = document.key_node(where, key)
            return document.error(f"unknown property '{key}'" + _allowed(error), [*where, key], node=node)
    return document.error(message, where)


def _message(error: ValidationError) -> str:
    custom = error.schema.get("x-message") if isinstance(error.schema, dict) else None
    if custom:
        return str(custom)
    if error.validator in ("oneOf", "anyOf") and error.context:
        deepest = max(error.context, key=lambda e: len(e.absolute_path))
        return _message(deepest)
    if error.validator == "enum":
        allowed = ", ".join(repr(v) for v in error.validator_value)
        return f"{error.instance!r} is not one of {allowed}"
    return error.message


def _allowed(error: ValidationError) -> str:
    properties = error.schema.get("properties") if isinstance(error.schema, dict) else None
    if not properties:
        return ""
    return "; allowed here: " + ", ".join(sorted(properties))
