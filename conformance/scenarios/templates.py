"""`${name}` templates: the one way a scenario refers to inputs, captures and built-in values.

`$${` writes a literal `${`. Names are lower-case letters, digits and `_`. Every template is
checked when the scenario is loaded, so an unknown name stops the run before any request.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

_TOKEN = re.compile(r"\$\$\{|\$\{([^}]*)\}|\$\{")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")

BUILTINS = {
    "base_url": "the target's FHIR base URL",
    "request_id": "a fresh UUID for each step (send it as X-Request-ID and expect it back)",
}


class TemplateSyntaxError(ValueError):
    pass


def names_in(template: str) -> list[str]:
    """The variable names a template uses, in order; TemplateSyntaxError when one is malformed."""
    found: list[str] = []
    for match in _TOKEN.finditer(template):
        token = match.group(0)
        if token == "$${":
            continue
        name = match.group(1)
        if name is None:
            raise TemplateSyntaxError(f"'${{' without a closing '}}' in {template!r} (write $${{ for a literal ${{)")
        if not NAME.match(name):
            raise TemplateSyntaxError(f"'${{{name}}}' is not a variable name (lower-case letters, digits, '_')")
        found.append(name)
    return found


def render(template: str, values: Mapping[str, str], escape: Callable[[str], str] | None = None) -> str:
    """Substitute every `${name}` (KeyError for a name without a value); `escape` quotes values (regexes)."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$${":
            return "${"
        value = values[match.group(1)]
        return escape(value) if escape else value

    return _TOKEN.sub(replace, template)


def placeholder(template: str) -> str:
    """The template with each variable replaced by `0`: enough to check a FHIRPath's syntax."""
    return _TOKEN.sub(lambda m: "${" if m.group(0) == "$${" else "0", template)
