"""The profile JSON Schema's rule definitions and the docs page, generated from the registered types.

`python -m conformance.profiles.filerules` rewrites both (`conformance/profiles/schema/profile.schema.json`
and `docs/file-rules.md`); `tests/profiles/test_file_rule_registry.py` fails when they drift.
"""

from __future__ import annotations

from typing import Any

from conformance.issues import CATALOGUE
from conformance.profiles.filerules import rule_types

COMMON = {
    "id": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]*$",
           "x-message": "a rule id is letters, digits, '.', '_' and '-' (it names the test in reports)"},
    "title": {"type": "string", "minLength": 1},
    "requirements": {"type": "array", "items": {"type": "string", "minLength": 1},
                     "description": "requirement ids (from requirements.csv) that the rule evidences"},
    "description": {"type": "string"},
}


def rule_definitions() -> dict[str, Any]:
    """`$defs` entries: `rule-<type>` for each type, and `file_rule` choosing one by `type`."""
    types = rule_types()
    names = list(types)
    defs: dict[str, Any] = {}
    for name, rt in types.items():
        defs[f"rule-{name}"] = {
            "description": rt.summary,
            "type": "object", "additionalProperties": False, "required": ["id", "type", *rt.required],
            "properties": {**COMMON, "type": {"const": name}, **rt.properties},
        }
    defs["file_rule"] = {
        "type": "object", "required": ["id", "type"],
        "properties": {"type": {"enum": names}},
        "allOf": [{"if": {"properties": {"type": {"const": n}}, "required": ["type"]},
                   "then": {"$ref": f"#/$defs/rule-{n}"}} for n in names],
    }
    return defs


def with_rule_definitions(schema: dict[str, Any]) -> dict[str, Any]:
    """The profile schema with its rule definitions replaced by the generated ones, where the old ones were."""
    defs: dict[str, Any] = {}
    generated = rule_definitions()
    for key, value in schema["$defs"].items():
        if key.startswith("rule-") or key == "file_rule":
            defs.update(generated)  # at the first old rule definition; later ones are already in
            continue
        defs[key] = value
    defs.update(generated)
    return {**schema, "$defs": defs}


def markdown() -> str:
    """docs/file-rules.md: a table of the types, then each type's documentation, keys and issue codes."""
    types = rule_types()
    lines = ["# File rule types", "",
             "The rules of a profile's `file_checks.rules`, each `type` one module of",
             "`conformance/profiles/filerules/` (this page is generated from them:",
             "`python -m conformance.profiles.filerules`). Every rule also has `id`, `title`, `description` and",
             "`requirements` (the requirement ids it evidences).", "",
             "| rule `type` | what it checks |", "|---|---|"]
    lines += [f"| `{name}` | {rt.summary.split(': ', 1)[-1]} |" for name, rt in types.items()]
    for name, rt in types.items():
        lines += ["", f"## `{name}`", "", rt.doc.strip()]
        if rt.properties:
            lines += ["", "| key | required | schema |", "|---|---|---|"]
            for key, spec in rt.properties.items():
                shown = spec.get("description") or ", ".join(f"{k}: {v}" for k, v in spec.items()
                                                              if k not in ("x-message",))
                lines.append(f"| `{key}` | {'yes' if key in rt.required else 'no'} | {shown} |")
        if rt.codes:
            lines.append("")
            lines.append("Issue codes: " + ", ".join(f"`{c}` ({CATALOGUE[c].severity.value})" for c in rt.codes) + ".")
    return "\n".join(lines).rstrip() + "\n"
