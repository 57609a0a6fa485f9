"""Values for a suite's declared inputs: `--input K=V`, an inputs YAML file, the environment, defaults.

Precedence: `--input` over the file over `CONFORMANCE_INPUT_<NAME>` over the declared default.
A secret input never comes from the command line (it would sit in shell history and process
lists): only from the file or the environment, and its value is redacted wherever it appears.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from conformance.profiles import InputDecl, LocatedError, ProfileError
from conformance.profiles.located import load_yaml
from conformance.profiles.paths import display_path

ENV_PREFIX = "CONFORMANCE_INPUT_"
REDACTED = "[redacted]"


@dataclass(slots=True)
class ResolvedInputs:
    values: dict[str, str] = field(default_factory=dict)
    secret_names: frozenset[str] = frozenset()
    sources: dict[str, str] = field(default_factory=dict)  # name -> where its value came from

    def secret_values(self) -> list[str]:
        return [self.values[n] for n in self.secret_names if self.values.get(n)]

    def redacted(self) -> dict[str, str]:
        """The values for a report: secrets replaced."""
        return {k: (REDACTED if k in self.secret_names else v) for k, v in sorted(self.values.items())}


def env_name(name: str) -> str:
    return ENV_PREFIX + name.upper()


def resolve_inputs(declared: Sequence[InputDecl], pairs: Sequence[str] = (), files: Sequence[Path] = (),
                   environ: Mapping[str, str] | None = None) -> ResolvedInputs:
    """Every declared input's value; ProfileError naming each one that is unknown, secret-on-CLI or missing."""
    env = os.environ if environ is None else environ
    by_name = {d.name: d for d in declared}
    errors: list[LocatedError] = []
    values: dict[str, str] = {}
    sources: dict[str, str] = {}
    for d in declared:
        if d.default is not None:
            values[d.name], sources[d.name] = d.default, "default"
        if env_name(d.name) in env:
            values[d.name], sources[d.name] = env[env_name(d.name)], env_name(d.name)
    for file in files:
        for name, value, source in _from_file(file, by_name, errors):
            values[name], sources[name] = value, source
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep:
            errors.append(LocatedError("--input", f"'{pair}' is not NAME=VALUE"))
        elif name not in by_name:
            errors.append(LocatedError("--input", f"no input '{name}'; declared: " + (", ".join(sorted(by_name)) or "none")))
        elif by_name[name].secret:
            errors.append(LocatedError("--input", f"input '{name}' is secret: give it in an --inputs file or in "
                                       f"{env_name(name)}, never on the command line"))
        else:
            values[name], sources[name] = value, "--input"
    for d in declared:
        if d.name not in values:
            how = (f"an --inputs file or {env_name(d.name)}" if d.secret
                   else f"--input {d.name}=VALUE, an --inputs file or {env_name(d.name)}")
            errors.append(LocatedError(d.declared_in or "inputs", f"input '{d.name}' ({d.description}) has no value: "
                                       f"give it with {how}"))
    if errors:
        raise ProfileError(errors, "the inputs of the run are not usable")
    return ResolvedInputs(values, frozenset(d.name for d in declared if d.secret), sources)


def _from_file(file: Path, by_name: dict[str, InputDecl], errors: list[LocatedError]) -> list[tuple[str, str, str]]:
    shown = display_path(file.resolve()) if file.exists() else str(file)
    try:
        document = load_yaml(file, shown)
    except ProfileError as exc:
        errors.extend(exc.errors)
        return []
    errors.extend(document.problems)
    if document.data is None:
        return []
    if not isinstance(document.data, dict):
        errors.append(document.error("an inputs file is a mapping of input names to values"))
        return []
    found = []
    for key, value in document.data.items():
        name = str(key)
        if name not in by_name:
            errors.append(document.error(f"no input '{name}'; declared: " + (", ".join(sorted(by_name)) or "none"),
                                         [], node=document.key_node([], name)))
        elif isinstance(value, bool):
            found.append((name, "true" if value else "false", shown))
        elif isinstance(value, (str, int, float)):
            found.append((name, str(value), shown))
        else:
            errors.append(document.error(f"input '{name}' must be a single value (text or a number)", [name]))
    return found
