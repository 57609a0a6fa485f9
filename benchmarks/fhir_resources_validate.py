"""The fhir.resources peer as a whole process: `json.loads` + R4B `model_validate` of every line of an
NDJSON file (the `bench` extra). Prints {"resources", "invalid"} as JSON. Run by validate_corpus.py."""

from __future__ import annotations

import json
import sys

from fhir.resources.R4B import get_fhir_model_class


def main(path: str) -> None:
    models: dict[str, object] = {}
    resources = invalid = 0
    with open(path, "rb") as stream:
        for raw in stream:
            if not raw.strip():
                continue
            data = json.loads(raw)
            rt = data["resourceType"]
            model = models.get(rt) or models.setdefault(rt, get_fhir_model_class(rt))
            resources += 1
            try:
                model.model_validate(data)  # type: ignore[attr-defined]
            except Exception:  # noqa: BLE001 - a rejection is a verdict
                invalid += 1
    print(json.dumps({"resources": resources, "invalid": invalid}))


if __name__ == "__main__":
    main(sys.argv[1])
