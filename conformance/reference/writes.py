"""Request bodies for create and update: parsed, checked for type, and validated with our validator."""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any

from conformance.fhir.json_reader import read_json
from conformance.reference.outcomes import FhirError, findings_outcome

if TYPE_CHECKING:
    from conformance.validation import Validator


class BodyChecker:
    """Turns a request body into a resource, or the 400/422 error that says why it cannot be stored.

    The validator is built on the first write and reused (it needs the R4 core package).
    """

    def __init__(self, validate: bool) -> None:
        self.validate = validate
        self._validator: Validator | None = None
        self._lock = threading.Lock()

    def resource(self, body: bytes, resource_type: str) -> dict[str, Any]:
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise FhirError(400, "structure", "MESSAGE_NOT_WELL_FORMED", f"the body is not JSON: {exc}") from None
        except RecursionError:
            raise FhirError(400, "structure", "MESSAGE_NOT_WELL_FORMED", "the body is nested too deeply") from None
        if not isinstance(data, dict) or not isinstance(data.get("resourceType"), str):
            raise FhirError(400, "invalid", "INVALID_RESOURCE", "the body must be a FHIR resource (a JSON object "
                            "with a resourceType)")
        if data["resourceType"] != resource_type:
            raise FhirError(400, "invalid", "INVALID_RESOURCE",
                            f"the body is a {data['resourceType']}, but this URL takes a {resource_type}")
        parsed = read_json(body)
        if parsed.root is None:
            reason = parsed.issues[0].message if parsed.issues else "it cannot be read"
            raise FhirError(400, "structure", "MESSAGE_NOT_WELL_FORMED", f"the body is not FHIR JSON: {reason}")
        if self.validate:
            issues = [*parsed.issues, *self._get_validator().validate(parsed.root)]
            if any(i.severity.is_error for i in issues):
                raise FhirError(422, "processing", "INVALID_RESOURCE", "the resource is not valid",
                                outcome=findings_outcome(issues))
        return data

    def _get_validator(self) -> Validator:
        with self._lock:
            if self._validator is None:
                from conformance.packages import PackageError
                from conformance.validation import create_validator

                try:
                    self._validator = create_validator()
                except PackageError as exc:
                    raise FhirError(500, "exception", "SERVER_ERROR", f"cannot validate resources: {exc}") from None
            return self._validator
