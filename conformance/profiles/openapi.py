"""An OpenAPI document as the coverage report and the source-link checks see it: operations and responses.

Only what coverage needs is modelled: each operation (path, method, operationId, its JSON pointer,
the shared components its parameters `$ref`) and each of its responses (status, JSON pointer).
The NHS specifications are large YAML files (the e-Referral one holds 180 inlined examples), so
they are read with libyaml's `CSafeLoader` where PyYAML has it, and each file once per process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ten times faster on big specifications

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class OpenApiError(ValueError):
    """The file cannot be read as an OpenAPI (or Swagger) document; the message says why."""


@dataclass(frozen=True, slots=True)
class ApiResponse:
    status: str  # as the document has it: "200", "4XX", "default"
    pointer: str  # JSON pointer to the response object


@dataclass(frozen=True, slots=True)
class Operation:
    path: str
    method: str  # upper case
    pointer: str  # JSON pointer to the operation object
    operation_id: str
    summary: str
    responses: tuple[ApiResponse, ...]
    components: tuple[str, ...] = ()  # pointers of the shared components it `$ref`s (parameters, request bodies)

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True, slots=True)
class OpenApiDocument:
    file: Path
    data: dict[str, Any]
    title: str
    version: str
    operations: tuple[Operation, ...]


def escape_token(token: str) -> str:
    """A key as a JSON pointer reference token (RFC 6901: `~` is `~0`, `/` is `~1`)."""
    return token.replace("~", "~0").replace("/", "~1")


def unescape_token(token: str) -> str:
    """The key a JSON pointer reference token names (`~1` before `~0`, as RFC 6901 section 4 orders)."""
    return token.replace("~1", "/").replace("~0", "~")


def pointer(*tokens: str | int) -> str:
    return "".join("/" + escape_token(str(t)) for t in tokens)


def read_yaml(file: Path) -> Any:
    """A YAML (or JSON) file's data, read once per process while the file is unchanged."""
    try:
        return _read(file, file.stat().st_mtime_ns)
    except OSError as exc:
        raise OpenApiError(f"cannot read {file}: {exc.strerror or exc}") from None


@lru_cache(maxsize=16)
def _read(file: Path, mtime_ns: int) -> Any:
    try:
        with file.open("rb") as stream:
            return yaml.load(stream, Loader=_Loader)  # noqa: S506 - a safe loader (C or Python)
    except yaml.YAMLError as exc:
        raise OpenApiError(f"{file} is not valid YAML or JSON: {exc}") from None


def load_openapi(file: Path) -> OpenApiDocument:
    """The document's operations and responses, in the order the document lists them."""
    data = read_yaml(file)
    if not isinstance(data, dict) or not isinstance(data.get("paths"), dict):
        raise OpenApiError(f"{file} is not an OpenAPI document (it has no `paths`)")
    info: dict[str, Any] = data["info"] if isinstance(data.get("info"), dict) else {}
    return OpenApiDocument(file, data, str(info.get("title", "")), str(info.get("version", "")),
                           tuple(_operations(data["paths"])))


def _operations(paths: dict[str, Any]) -> list[Operation]:
    found = []
    for path, item in paths.items():
        if not isinstance(item, dict):
            continue
        shared = _component_refs(item.get("parameters"))
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            where = pointer("paths", path, method)
            responses: dict[str, Any] = op["responses"] if isinstance(op.get("responses"), dict) else {}
            found.append(Operation(
                path=path, method=method.upper(), pointer=where, operation_id=str(op.get("operationId", "")),
                summary=str(op.get("summary", "")),
                responses=tuple(ApiResponse(str(status), f"{where}/responses/{escape_token(str(status))}")
                                for status in responses),
                components=tuple(dict.fromkeys(shared + _component_refs(op.get("parameters"))
                                               + _component_refs([op.get("requestBody")]))),
            ))
    return found


def _component_refs(items: Any) -> list[str]:
    """The local `#/components/...` references among a list of parameter (or request body) objects."""
    refs = []
    for item in items if isinstance(items, list) else []:
        ref = item.get("$ref") if isinstance(item, dict) else None
        if isinstance(ref, str) and ref.startswith("#/"):
            refs.append(ref[1:])
    return refs


_MISSING = object()
_BAD_ESCAPE = re.compile(r"~(?![01])")


def resolve_pointer(data: Any, where: str) -> tuple[bool, str]:
    """Whether the JSON pointer names a value in `data`; when not, the first token that is not there."""
    if where == "":
        return True, ""
    if not where.startswith("/"):
        return False, f"'{where}' is not a JSON pointer (it must start with '/')"
    node: Any = data
    walked = ""
    for raw in where[1:].split("/"):
        if _BAD_ESCAPE.search(raw):
            return False, f"'{raw}' has a '~' that is not '~0' or '~1'"
        token = unescape_token(raw)
        if isinstance(node, dict):
            node = node.get(token, _MISSING)
        elif isinstance(node, list) and token.isdigit() and (token == "0" or not token.startswith("0")):
            node = node[int(token)] if int(token) < len(node) else _MISSING
        else:
            node = _MISSING
        if node is _MISSING:
            return False, f"nothing at '{raw}' after '{walked or '/'}'"
        walked += "/" + raw
    return True, ""
