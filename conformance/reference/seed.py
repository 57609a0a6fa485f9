"""The resources a reference server starts with: every `*.json` file of a folder (a resource or a Bundle)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conformance.reference.config import ConfigError
from conformance.reference.nhs import is_valid_nhs_number, nhs_numbers
from conformance.reference.search import PARAMS


def load_seed(directory: Path, problem: Callable[[dict[str, Any]], str | None] | None = None) -> list[dict[str, Any]]:
    """The seed resources, in file-name order; any problem is a ConfigError naming the file.

    `problem` says what is wrong with one resource (default: what the generic FHIR server cannot
    serve); an API behaviour passes its own.
    """
    if not directory.is_dir():
        raise ConfigError(f"{directory}: the seed folder does not exist")
    resources: list[dict[str, Any]] = []
    for path in sorted(directory.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read the seed resource: {exc}") from None
        for resource in _resources(data):
            wrong = "a seed entry must be a JSON object" if not isinstance(resource, dict) else (
                problem or _problem)(resource)
            if wrong:
                raise ConfigError(f"{path}: {wrong}")
            resources.append(resource)
    return resources


def _resources(data: Any) -> list[Any]:
    if isinstance(data, dict) and data.get("resourceType") == "Bundle":
        return [e.get("resource") for e in data.get("entry") or [] if isinstance(e, dict)]
    return [data]


def _problem(resource: Any) -> str | None:
    if not isinstance(resource, dict):
        return "a seed entry must be a JSON object"
    rtype, rid = resource.get("resourceType"), resource.get("id")
    if rtype not in PARAMS:
        return f"resourceType '{rtype}' is not served (served: {', '.join(PARAMS)})"
    if not isinstance(rid, str) or not rid:
        return f"the {rtype} has no id"
    if rtype == "Patient" and not is_valid_nhs_number(rid):
        return f"Patient id '{rid}' is not a valid NHS number (Patient ids are NHS numbers)"
    if rtype == "Patient" and nhs_numbers(resource) not in ([], [rid]):
        return f"Patient {rid} carries an NHS number identifier different from its id"
    return None
