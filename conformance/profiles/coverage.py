"""How much of a profile's published specification its requirements cover, element by element.

Every operation and every response of the specification's OpenAPI document is listed with the
requirements that cover it, so that gaps are visible. A requirement covers what its source link's
JSON pointer points into (see `source_links`), by these rules:

- a pointer at or below a response (`/paths/~1Bundle/get/responses/200/...`) covers that response
  and its operation;
- a pointer at or below an operation but outside its responses (a parameter, the request body)
  covers the operation;
- a pointer at a path item (`/paths/~1Bundle`) covers every operation of that path (not their
  responses);
- a pointer at or below a shared component (`/components/parameters/RequestID`) covers every
  operation whose parameters or request body `$ref` that component.

The figures are covered responses / all responses and covered operations / all operations.
Where the nhs-specs folder is: `--specs DIR`, else `$CONFORMANCE_SPECS_DIR`, else `../shared/nhs-specs`
from the working folder, else from the source checkout the tool runs from.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from conformance.errors import ConformanceError
from conformance.profiles.model import Profile
from conformance.profiles.openapi import OpenApiError, Operation, load_openapi
from conformance.profiles.source_links import check_source_link, parse_source_link

SPECS_ENV_VAR = "CONFORMANCE_SPECS_DIR"
_CHECKOUT = Path(__file__).resolve().parent.parent.parent  # the source checkout (or site-packages)
_RELATIVE = Path("..") / "shared" / "nhs-specs"


class CoverageError(ConformanceError):
    """Coverage cannot be measured (no specification, no nhs-specs folder); the message says what to do."""


@dataclass(frozen=True, slots=True)
class ResponseCoverage:
    status: str
    pointer: str
    requirements: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OperationCoverage:
    operation: Operation
    requirements: tuple[str, ...]  # every requirement covering the operation (its responses' too)
    responses: tuple[ResponseCoverage, ...]


@dataclass(frozen=True, slots=True)
class Coverage:
    profile: str
    document: Path
    title: str
    version: str
    operations: tuple[OperationCoverage, ...]
    elsewhere: tuple[str, ...] = ()  # requirements whose link points outside the operations (or the document)
    broken: tuple[tuple[str, str], ...] = field(default=())  # (requirement, why its link does not hold)

    @property
    def responses_total(self) -> int:
        return sum(len(o.responses) for o in self.operations)

    @property
    def responses_covered(self) -> int:
        return sum(1 for o in self.operations for r in o.responses if r.requirements)

    @property
    def operations_covered(self) -> int:
        return sum(1 for o in self.operations if o.requirements)

    @property
    def percent(self) -> float:
        return 100.0 * self.responses_covered / self.responses_total if self.responses_total else 0.0


def find_specs_dir(explicit: Path | None = None, environ: Mapping[str, str] | None = None,
                   cwd: Path | None = None) -> Path:
    """The nhs-specs folder to read specifications from; CoverageError saying how to name one."""
    env = os.environ if environ is None else environ
    if explicit is not None:
        if not explicit.is_dir():
            raise CoverageError(f"--specs {explicit} is not a folder")
        return explicit
    if env.get(SPECS_ENV_VAR):
        named = Path(env[SPECS_ENV_VAR]).expanduser()
        if not named.is_dir():
            raise CoverageError(f"{SPECS_ENV_VAR}={named} is not a folder")
        return named
    candidates = [(cwd or Path.cwd()) / _RELATIVE, _CHECKOUT / _RELATIVE]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate.resolve()
    raise CoverageError("no nhs-specs folder found (looked in " + ", ".join(str(c) for c in candidates)
                        + f"); give --specs DIR or set {SPECS_ENV_VAR} to the folder holding the NHS "
                        "API specifications (e.g. pds/, scr/)")


def measure(profile: Profile, specs_dir: Path) -> Coverage:
    """Each operation and response of the profile's OpenAPI document with the requirements covering it."""
    spec = profile.specification
    if spec is None or not spec.local:
        raise CoverageError(f"{profile.id} names no specification with a local OpenAPI copy "
                            "(`specification: {local: ...}` in its profile.yaml)")
    file = specs_dir / spec.local
    if not file.is_file():
        raise CoverageError(f"{file} does not exist: is {specs_dir} the nhs-specs folder?")
    try:
        document = load_openapi(file)
    except OpenApiError as exc:
        raise CoverageError(str(exc)) from None
    pointers: list[tuple[str, str]] = []
    broken: list[tuple[str, str]] = []
    elsewhere: list[str] = []
    for r in profile.requirements:
        problem = check_source_link(r.source, spec, specs_dir)
        if problem:
            broken.append((r.id, problem))
            continue
        link = parse_source_link(r.source, spec)
        if link.in_openapi and link.pointer is not None:
            pointers.append((r.id, link.pointer))
        else:
            elsewhere.append(r.id)
    operations = tuple(_operation_coverage(op, pointers) for op in document.operations)
    used = {rid for o in operations for rid in o.requirements}
    elsewhere += [rid for rid, _ in pointers if rid not in used]
    return Coverage(profile.id, file, document.title, document.version, operations,
                    tuple(dict.fromkeys(elsewhere)), tuple(broken))


def _operation_coverage(op: Operation, pointers: Sequence[tuple[str, str]]) -> OperationCoverage:
    responses = tuple(ResponseCoverage(resp.status, resp.pointer,
                                       tuple(rid for rid, p in pointers if _within(p, resp.pointer)))
                      for resp in op.responses)
    path_item = op.pointer.rsplit("/", 1)[0]
    covering = [rid for rid, p in pointers
                if _within(p, op.pointer) or p == path_item or any(_within(p, c) for c in op.components)]
    return OperationCoverage(op, tuple(dict.fromkeys(covering)), responses)


def _within(where: str, element: str) -> bool:
    """Whether the pointer names the element or something inside it."""
    return where == element or where.startswith(element + "/")
