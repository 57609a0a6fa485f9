"""FHIR JSON → positioned tree.

Parsing uses the standard library's C scanner (fast, exact), with hooks that keep numbers as
written (decimal precision), refuse NaN/Infinity, and keep key order so duplicates can be
seen; a one-line resource (NDJSON) is parsed without the pairs hook, kept only when counting
proves that no object repeats a key (else read again with it). Line/column are resolved lazily: only when a node ends up in an issue does a token
scanner walk the text once to map every property and array item to its position. Nothing is
lost for speed: every property and array item can still be located exactly.

Representation rules that need no definitions (null, empty objects/arrays/strings, `_x`
pairing, duplicate keys, encoding) are reported here; those that do (array vs single, JSON
types of primitives, unknown properties) belong to the validator.
"""

from __future__ import annotations

import bisect
import json
import json.scanner
import re
from collections.abc import Callable, Iterable
from typing import Any, cast

from conformance.fhir.document import ParseResult
from conformance.fhir.tree import Node, json_node
from conformance.issues import Issue, make_issue

MAX_DEPTH = 256


class JsonNumber(str):
    """A JSON number kept as its lexical form (so 1.50 stays 1.50)."""

    __slots__ = ()


class _Repeated(dict):
    """An object in which a key was written more than once: `duplicates` names those keys (each once)."""

    __slots__ = ("duplicates",)
    duplicates: list[str]


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object as a dict, keys in document order (made at C speed). A repeated key keeps its first value
    only and the object is a `_Repeated` naming it once in `duplicates`.

    The repetition is one finding (`json.duplicate-key`), not one per extra occurrence, and the later values are
    not in the tree, where they would be reported again as too many occurrences (`cardinality.max`).
    """
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    first = _Repeated()
    repeated: dict[str, None] = {}
    for k, v in pairs:
        if k in first:
            repeated[k] = None
        else:
            first[k] = v
    first.duplicates = list(repeated)
    return first


class _HugeInteger(JsonNumber):
    """An integer with more digits than Python converts (4,300): reported as out of range, no value."""

    __slots__ = ()


MAX_INTEGER_DIGITS = 4300


def _parse_int(text: str) -> JsonNumber:
    return _HugeInteger(text) if len(text.lstrip("-")) > MAX_INTEGER_DIGITS else JsonNumber(text)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]

_DECODER = json.JSONDecoder(
    object_pairs_hook=_pairs_hook,
    parse_float=JsonNumber,
    parse_int=_parse_int,
    parse_constant=_refuse_constant,
)
# the same without the pairs hook: objects are made by the C scanner alone (10,000 NDJSON resources: 0.048 s
# instead of 0.081 s), but a repeated key silently keeps its last value, so a result is kept only once the key
# count proves there is none (`_read_compact`)
_PLAIN_DECODER = json.JSONDecoder(
    parse_float=JsonNumber,
    parse_int=_parse_int,
    parse_constant=_refuse_constant,
)


# -- encodings -----------------------------------------------------------------------------------

def decode_json_bytes(data: bytes, line_offset: int = 0) -> tuple[str | None, list[Issue]]:
    """Bytes → text, with the encoding rules of RFC 8259 reported as located issues."""
    issues: list[Issue] = []
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return None, [make_issue("encoding.not-utf8", encoding="UTF-32", line=1 + line_offset, column=1)]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(data) >= 2 and (data[0] == 0 or data[1] == 0)):
        return None, [make_issue("encoding.not-utf8", encoding="UTF-16", line=1 + line_offset, column=1)]
    if data.startswith(b"\xef\xbb\xbf"):
        issues.append(make_issue("encoding.bom", line=1 + line_offset, column=1))
        data = data[3:]
    try:
        return data.decode("utf-8"), issues
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        line_start = before.rfind(b"\n") + 1
        col = len(data[line_start: exc.start].decode("utf-8", errors="replace")) + 1
        issues.append(
            make_issue(
                "encoding.invalid-utf8",
                reason=f"byte 0x{data[exc.start]:02x} at offset {exc.start}",
                line=line + line_offset,
                column=col,
            )
        )
        return None, issues


# -- lazy positions ------------------------------------------------------------------------------

_WS = re.compile(r"[ \t\r\n]*")
# white space matches everywhere (it may be empty), so the match is never None
_ws = cast(Callable[[str, int], "re.Match[str]"], _WS.match)
_BLANK = frozenset(" \t\r\n")  # the characters `_WS` skips
# the C scanner: skips a value at C speed (numbers kept as text: no cost, and no 4,300-digit limit)
_SKIP_VALUE: Callable[[str, int], tuple[Any, int]] = json.scanner.make_scanner(
    json.JSONDecoder(parse_int=str, parse_float=str))  # type: ignore[arg-type]


class JsonPositions:
    """Maps JSON paths (tuples of keys and indexes) to (line, column), on demand.

    Nothing is computed while parsing. To locate a path, only the containers along it are
    scanned, one member at a time, each member's value skipped by the C scanner; every scanned
    container's member offsets are kept, so all findings of a document together cost at most
    one pass over the containers they sit in (a Bundle's entry list is scanned once, not once
    per finding), and a finding at the resource root costs nothing."""

    def __init__(self, text: str, line_offset: int = 0) -> None:
        self._text = text
        self._line_offset = line_offset
        # container path -> {key: (key offset, value offset)} for objects, [item offsets] for arrays
        self._members: dict[tuple[Any, ...], dict[str, tuple[int, int]] | list[int]] = {}
        self._dups: dict[tuple[Any, ...], int] = {}
        self._line_starts: list[int] | None = None

    def _value_offset(self, path: tuple[Any, ...]) -> int | None:
        """Where the value at `path` starts."""
        if not path:
            return _ws(self._text, 0).end()
        members = self._container(path[:-1])
        return _member_value(members, path[-1])

    def _container(self, path: tuple[Any, ...]) -> dict[str, tuple[int, int]] | list[int] | None:
        members = self._members.get(path)
        if members is None:
            start = self._value_offset(path)
            if start is None or start >= len(self._text):
                return None
            opener = self._text[start]
            if opener == "{":
                members = self._scan_object(path, start)
            elif opener == "[":
                members = self._scan_array(start)
            else:
                return None
            self._members[path] = members
        return members

    def _scan_object(self, path: tuple[Any, ...], start: int) -> dict[str, tuple[int, int]]:
        # white space is skipped by the regular expression only where there is some: compact JSON (NDJSON)
        # has none, and the calls were most of the cost of locating a finding
        text, ws, blank, skip = self._text, _ws, _BLANK, _SKIP_VALUE
        size = len(text)
        members: dict[str, tuple[int, int]] = {}
        pos = start + 1
        if pos < size and text[pos] in blank:
            pos = ws(text, pos).end()
        while pos < size and text[pos] == '"':
            key, end = _scanstring(text, pos + 1)
            if text[end] != ":":
                end = ws(text, end).end()
            value = end + 1  # past the ':'
            if value < size and text[value] in blank:
                value = ws(text, value).end()
            if key in members:
                self._dups.setdefault(path + (key,), pos)
            else:
                members[key] = (pos, value)
            pos = skip(text, value)[1]
            if pos < size and text[pos] in blank:
                pos = ws(text, pos).end()
            if pos >= size or text[pos] != ",":
                break
            pos += 1
            if pos < size and text[pos] in blank:
                pos = ws(text, pos).end()
        return members

    def _scan_array(self, start: int) -> list[int]:
        text, ws, blank, skip = self._text, _ws, _BLANK, _SKIP_VALUE
        size = len(text)
        items: list[int] = []
        pos = start + 1
        if pos < size and text[pos] in blank:
            pos = ws(text, pos).end()
        while pos < size and text[pos] != "]":
            items.append(pos)
            pos = skip(text, pos)[1]
            if pos < size and text[pos] in blank:
                pos = ws(text, pos).end()
            if pos >= size or text[pos] != ",":
                break
            pos += 1
            if pos < size and text[pos] in blank:
                pos = ws(text, pos).end()
        return items

    def offset_to_line_col(self, offset: int) -> tuple[int, int]:
        if self._line_starts is None:
            starts = [0]
            find = self._text.find
            i = find("\n")
            while i != -1:
                starts.append(i + 1)
                i = find("\n", i + 1)
            self._line_starts = starts
        idx = bisect.bisect_right(self._line_starts, offset) - 1
        return idx + 1 + self._line_offset, offset - self._line_starts[idx] + 1

    def lookup(self, path: tuple[Any, ...], duplicate: bool = False) -> tuple[int, int] | None:
        """A property's key, an array item's value, the root's first character."""
        if not path:
            off: int | None = self._value_offset(path)
        else:
            members = self._container(path[:-1])
            if duplicate:
                off = self._dups.get(path)
            elif isinstance(members, dict):
                found = members.get(path[-1]) if isinstance(path[-1], str) else None
                off = found[0] if found is not None else None
            else:
                off = _member_value(members, path[-1])
        return None if off is None else self.offset_to_line_col(off)

    def resolve(self, node: Node) -> tuple[int, int]:
        """Position of a node: its property key, or its array item; `_x` when `x` is absent."""
        path = json_path(node)
        found = self.lookup(path)
        if found is None:
            # the node, or a primitive above it, is written as `_name` (its id and extensions)
            for i in range(len(path) - 1, -1, -1):
                if isinstance(path[i], str):
                    found = self.lookup(path[:i] + ("_" + path[i],) + path[i + 1:])
                    if found is not None:
                        break
        if found is None and node.parent is not None:
            return node.parent.position
        return found or (1 + self._line_offset, 1)


def _member_value(members: dict[str, tuple[int, int]] | list[int] | None, step: Any) -> int | None:
    if isinstance(members, dict):
        found = members.get(step) if isinstance(step, str) else None
        return found[1] if found is not None else None
    if isinstance(members, list) and isinstance(step, int) and 0 <= step < len(members):
        return members[step]
    return None


def json_path(node: Node) -> tuple[Any, ...]:
    """The JSON path of a node: keys and array indexes from the document root."""
    parts: list[Any] = []
    n: Node | None = node
    while n is not None and n.parent is not None:
        if n.in_json_array:
            parts.append(n.index)
        parts.append(n.name)
        n = n.parent
    parts.reverse()
    return tuple(parts)


# -- JSON documents that are not resources ------------------------------------------------------

JsonPath = tuple[str | int, ...]


def json_object(value: Any) -> dict[str, Any] | None:
    """A decoded JSON object as a dict (first value of a repeated key), or None for any other JSON value."""
    if type(value) is _Repeated:
        return dict(value)
    return value if isinstance(value, dict) else None


def json_type(value: Any) -> str:
    """The JSON type of a decoded value: object, array, string, number, boolean or null."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, JsonNumber):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    return "null" if value is None else type(value).__name__


class JsonDocument:
    """A JSON object without `resourceType`, kept with its positions (`ParseResult.document`).

    FHIR does not define it, but other specifications carry FHIR resources inside such JSON (a CDS
    Hooks request's `context.draftOrders`, a card's action `resource`). The layer that knows the
    document reads `value` (decoded pairs, numbers as written), locates findings by JSON path, and
    turns each embedded resource into a `Node` tree whose locations and positions are the
    resource's place in this document."""

    __slots__ = ("value", "positions")

    def __init__(self, value: Any, positions: JsonPositions) -> None:
        self.value = value
        self.positions = positions

    def position(self, path: JsonPath) -> tuple[int, int]:
        """(line, column) of the property key or array item at `path` (the nearest written ancestor if absent)."""
        for end in range(len(path), -1, -1):
            found = self.positions.lookup(path[:end])
            if found is not None:
                return found
        return (1, 1)

    def resource(self, path: JsonPath, root_name: str) -> tuple[Node | None, list[Issue]]:
        """The FHIR resource at `path` as a tree, read with FHIR's JSON rules, with the reader's issues.

        Its ancestors are plain nodes named after the path (the root is `root_name`), so a location
        inside it reads `CDSHooksRequest.context.draftOrders.entry[0].resource.status`."""
        root = Node(root_name)
        root.set_resolver(self.positions.resolve)
        parent, value = root, self.value
        steps = list(path)
        while steps:
            name = steps.pop(0)
            assert isinstance(name, str), "a JSON path step into an object is a key"
            value = json_object(value)[name]  # type: ignore[index]
            index, in_array = 0, False
            if steps and isinstance(steps[0], int):
                index, in_array = int(steps.pop(0)), True
                value = value[index]
            parent = Node(name, parent=parent, index=index, repeating=in_array, in_json_array=in_array)
        issues: list[Issue] = []
        try:
            _Builder(self.positions, issues).fill(parent, value, len(path) + 1)
        except _TooDeep:
            line, col = self.position(path)
            issues.append(make_issue("json.too-deep", limit=MAX_DEPTH, line=line, column=col))
            return None, issues
        return parent, issues


# -- the reader ----------------------------------------------------------------------------------

def read_json(data: bytes | str, *, line_offset: int = 0) -> ParseResult:
    """Parse one FHIR JSON resource. Never raises for bad input: problems become issues.

    A resource written on one line (every NDJSON line) is first read by `_read_compact`, without the pairs
    hook; anything it does not prove it read exactly, and every other text, is read the general way
    (`_read_pairs`), so the findings are the same either way."""
    if isinstance(data, bytes):
        text, issues = decode_json_bytes(data, line_offset)
        if text is None:
            return ParseResult(None, issues, "json")
    else:
        text, issues = data, []
    if not text.strip():
        issues.append(make_issue("file.empty", line=1 + line_offset, column=1))
        return ParseResult(None, issues, "json")
    start = _skip_ws(text)
    newline = text.find("\n", start)
    # one line (white space after it aside): pretty-printed text is left to the general reading, where the
    # proof would need the regular expression, which costs more than the pairs hook it saves
    if newline < 0 or _skip_ws(text, newline) == len(text):
        result = _read_compact(text, start, issues, line_offset)
        if result is not None:
            return result
    return _read_pairs(text, start, issues, line_offset)


def _read_compact(text: str, start: int, issues: list[Issue], line_offset: int) -> ParseResult | None:
    """A resource read with the decoder that has no pairs hook (the hook is a third of the parse), or None when
    that reading is not proven exact: the caller then reads the text again the general way.

    Without the hook a repeated key silently keeps its last value, so the reading is kept only when
    `_no_repeated_keys` proves there is none; it is also given up (to report exactly what the general reading
    reports) for invalid JSON, trailing content, a document that is not a resource, and one too deep."""
    try:
        parsed, end = _PLAIN_DECODER.raw_decode(text, start)
    except (ValueError, RecursionError):  # json.JSONDecodeError is a ValueError
        return None
    if type(parsed) is not dict or "resourceType" not in parsed:
        return None
    if end != len(text) and _skip_ws(text, end) != len(text):
        return None  # trailing content
    result, root, keys = _read_resource(text, start, parsed, list(issues), line_offset)
    if keys is not None and _no_repeated_keys(text, start, end, keys):
        return result
    root.release()
    return None


def _read_pairs(text: str, start: int, issues: list[Issue], line_offset: int) -> ParseResult:
    """The general reading: objects through `_pairs_hook`, so repeated keys are seen and reported."""
    try:
        parsed, end = _DECODER.raw_decode(text, start)
    except json.JSONDecodeError as exc:
        issues.append(make_issue("json.syntax", reason=exc.msg, line=exc.lineno + line_offset, column=exc.colno))
        return ParseResult(None, issues, "json")
    except ValueError as exc:  # NaN / Infinity via parse_constant
        line, col = JsonPositions(text, line_offset).offset_to_line_col(_find_constant(text))
        issues.append(make_issue("json.syntax", reason=str(exc), line=line, column=col))
        return ParseResult(None, issues, "json")
    except RecursionError:
        issues.append(make_issue("json.too-deep", limit=MAX_DEPTH, line=1 + line_offset, column=1))
        return ParseResult(None, issues, "json")
    rest = _skip_ws(text, end)
    if rest < len(text):
        line, col = JsonPositions(text, line_offset).offset_to_line_col(rest)
        issues.append(make_issue("json.trailing-content", line=line, column=col))
        return ParseResult(None, issues, "json")
    if not isinstance(parsed, dict):
        issues.append(make_issue("structure.not-a-resource", reason="a FHIR resource is a JSON object with 'resourceType'",
                                 line=1 + line_offset, column=1))
        return ParseResult(None, issues, "json")
    if "resourceType" not in parsed:
        # not read as FHIR (its nulls and empty values are not FHIR's to judge), but kept: a caller that knows
        # another JSON document carrying FHIR resources (a CDS Hooks request or response) reads it from here
        positions = JsonPositions(text, line_offset)
        line, col = positions.lookup(()) or (1 + line_offset, 1)
        issues.append(make_issue("structure.not-a-resource", location="", line=line, column=col,
                                 reason="no 'resourceType' property: this is not a FHIR resource"))
        return ParseResult(None, issues, "json", JsonDocument(parsed, positions))
    return _read_resource(text, start, parsed, issues, line_offset)[0]


def _read_resource(text: str, start: int, parsed: dict[str, Any], issues: list[Issue],
                   line_offset: int) -> tuple[ParseResult, Node, int | None]:
    """The tree of a decoded resource, with the root node made and the number of keys in the objects read
    (None when too deep: not every object was read)."""
    positions = JsonPositions(text, line_offset)
    builder = _Builder(positions, issues)
    # the root's position is its opening brace: known now when nothing precedes it (every NDJSON line), so a
    # finding on the resource itself (dom-6 on a bulk export's every resource) needs no lookup
    root = Node("", pos=(1 + line_offset, 1) if start == 0 else None)
    root.set_resolver(positions.resolve)
    try:
        builder.fill(root, parsed, 1)
    except _TooDeep:
        issues.append(make_issue("json.too-deep", limit=MAX_DEPTH, line=1 + line_offset, column=1))
        return ParseResult(None, issues, "json"), root, None
    if root.resource_type is None:
        issues.append(make_issue("structure.not-a-resource", root, location="",
                                 reason="no 'resourceType' property: this is not a FHIR resource"))
        return ParseResult(None, issues, "json"), root, builder.keys
    root.name = root.resource_type
    return ParseResult(root, issues, "json"), root, builder.keys


# a key's closing quote, any white space, its colon (or an escaped quote inside a string followed by them)
_KEY_END = re.compile(r'"[ \t\n\r]*:')


def _no_repeated_keys(text: str, start: int, end: int, keys: int) -> bool:
    """Whether the objects read, holding `keys` keys in all (a repeated key counted once), are every object of
    the JSON value in `text[start:end]` and repeat no key: true when `keys` reaches an upper bound on the
    number of keys written.

    In valid JSON a key is a string followed by optional white space and `:`, and a quote inside a string is
    escaped (`\\"`), so every key written ends at a `"` followed by white space and `:`, and counting those
    places bounds the keys written from above (an escaped quote followed by `:` adds to the bound, never takes
    from it). The keys read are at most the keys written, less one for each repeat and less those of any
    object not read (an object inside an array inside an array); so reaching the bound proves there is
    no repeat. When the text has no tab, line break, or space before a colon, no key has white space before its
    colon and `":` marks every key: one count at C speed. Otherwise a regular expression counts
    `"`, white space, `:`. Failing the bound, the caller reads the text the general way."""
    if keys == text.count('":') and " :" not in text:
        find = text.find
        if find("\t", start, end) < 0 and find("\n", start, end) < 0 and find("\r", start, end) < 0:
            return True
    return keys == len(_KEY_END.findall(text, start, end))


_CONSTANT = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|(-?Infinity|NaN)', re.S)


def _find_constant(text: str) -> int:
    """Offset of the first NaN/Infinity outside a string (the decoder does not say where)."""
    for m in _CONSTANT.finditer(text):
        if m.group(1):
            return m.start(1)
    return 0


def _skip_ws(text: str, pos: int = 0) -> int:
    return _ws(text, pos).end()


class _TooDeep(Exception):
    pass


class _Builder:
    """Turns decoded pairs into Nodes, reporting JSON representation problems."""

    def __init__(self, positions: JsonPositions, issues: list[Issue]) -> None:
        self.positions = positions
        self.issues = issues
        self.keys = 0  # keys of the objects read, for `_no_repeated_keys`
        # no `"_` anywhere in the text: no object has a `_x` property, so each is read in one pass (the common
        # case; a document with one `_x`, or `"_` inside a string, is read the general way throughout)
        self._plain = '"_' not in positions._text

    def fill(self, node: Node, pairs: dict[str, Any], depth: int) -> None:
        if depth > MAX_DEPTH:
            raise _TooDeep
        self.keys += len(pairs)
        if not pairs:
            self.issues.append(make_issue("json.empty-object", node))
            return
        if self._plain and type(pairs) is dict:
            if "resourceType" not in pairs:
                self._fast_properties(node, pairs.items(), depth)
                return
            value = pairs["resourceType"]
            if type(value) is str:
                node.resource_type = value
            else:
                self.issues.append(make_issue("json.wrong-type", node, name="resourceType", expected="string",
                                              actual=_describe(value), location=_join(node.location, "resourceType")))
            self._fast_properties(node, [(k, v) for k, v in pairs.items() if k != "resourceType"], depth)
            return
        extras: dict[str, Any] | None = None
        props: list[tuple[str, Any]] = []
        for key, value in pairs.items():
            if key[:1] == "_" and len(key) > 1:
                if extras is None:
                    extras = {}
                extras[key[1:]] = value
            elif key == "resourceType":
                if type(value) is str:
                    node.resource_type = value
                else:
                    self.issues.append(make_issue("json.wrong-type", node, name="resourceType", expected="string",
                                                  actual=_describe(value), location=_join(node.location, key)))
            else:
                props.append((key, value))
        if type(pairs) is _Repeated:
            for key in pairs.duplicates:
                path = json_path(node) + (key,)
                pos = self.positions.lookup(path, duplicate=True) or node.position
                self.issues.append(make_issue("json.duplicate-key", node, name=key,
                                              location=_join(node.location, key), line=pos[0], column=pos[1]))
        if extras is None:
            self._fast_properties(node, props, depth)
            return
        names = {key for key, _ in props}
        for key, value in pairs.items():
            if key[:1] == "_" and len(key) > 1:
                if key[1:] not in names:
                    self._orphan_extras(node, key[1:], value, depth)
            elif key != "resourceType":
                self._property(node, key, value, extras.get(key), depth)

    def _fast_properties(self, node: Node, props: Iterable[tuple[str, Any]], depth: int) -> None:
        """The common case (no `_x` properties), inlined: this loop is most of the reader's time."""
        children = node.children
        make = json_node
        for key, value in props:
            vtype = type(value)
            if vtype is str and value:
                children.append(make(key, value, "string", node, 0, False))
            elif vtype is dict and value:
                child = make(key, None, None, node, 0, False)
                children.append(child)
                self.fill(child, value, depth + 1)
            elif vtype is list and value:
                for i, item in enumerate(value):
                    itype = type(item)
                    if itype is dict and item:
                        child = make(key, None, None, node, i, True)
                        children.append(child)
                        self.fill(child, item, depth + 1)
                    elif itype is str and item:
                        children.append(make(key, item, "string", node, i, True))
                    else:
                        self._value_or_problem(node, key, item, i, depth)
            elif vtype is JsonNumber:
                children.append(make(key, str.__str__(value), "number", node, 0, False))
            elif vtype is bool:
                children.append(make(key, "true" if value else "false", "boolean", node, 0, False))
            else:
                self._property(node, key, value, None, depth)

    def _value_or_problem(self, parent: Node, name: str, item: Any, i: int, depth: int) -> None:
        if item is None:
            child = Node(name, parent=parent, index=i, repeating=True, in_json_array=True)
            self.issues.append(make_issue("json.null", child))
        elif type(item) is list:
            child = Node(name, parent=parent, index=i, repeating=True, in_json_array=True)
            self.issues.append(make_issue("json.wrong-type", child, name=name, expected="object or primitive value",
                                          actual="array"))
        else:
            self._value(parent, name, item, None, depth, index=i, in_array=True)

    def _property(self, parent: Node, name: str, value: Any, extra: Any, depth: int) -> None:
        if type(value) is list:
            if not value:
                self.issues.append(make_issue("json.empty-array", parent, location=_join(parent.location, name),
                                              **self._pos_kw(parent, name)))
                return
            extra_items: list[Any] | None = None
            if extra is not None:
                if type(extra) is list and len(extra) == len(value):
                    extra_items = extra
                else:
                    self._pairing(parent, name, f"'_{name}' must be an array of the same length as '{name}'")
            for i, item in enumerate(value):
                ext = extra_items[i] if extra_items is not None else None
                if item is None and ext is None:
                    child = Node(name, parent=parent, index=i, repeating=True, in_json_array=True)
                    self.issues.append(make_issue("json.null", child))
                    continue
                if type(item) is list:
                    child = Node(name, parent=parent, index=i, repeating=True, in_json_array=True)
                    self.issues.append(make_issue("json.wrong-type", child, name=name, expected="object or primitive value",
                                                  actual="array"))
                    continue
                self._value(parent, name, item, ext, depth, index=i, in_array=True)
            return
        if type(extra) is list:
            self._pairing(parent, name, f"'_{name}' is an array but '{name}' is not")
            extra = None
        if value is None and extra is None:
            self.issues.append(make_issue("json.null", parent, location=_join(parent.location, name),
                                          **self._pos_kw(parent, name)))
            return
        self._value(parent, name, value, extra, depth, index=0, in_array=False)

    def _value(self, parent: Node, name: str, value: Any, extra: Any, depth: int, *, index: int,
               in_array: bool) -> None:
        node = Node(name, None, None, parent, index, in_array, in_array)
        parent.children.append(node)
        vtype = type(value)
        if isinstance(value, dict):
            if extra is not None:
                self._pairing(parent, name, f"'_{name}' is only allowed for primitive values")
            self.fill(node, value, depth + 1)
            return
        if vtype is str:
            node.json_kind = "string"
            node.value = value
            if not value:
                self.issues.append(make_issue("value.empty", node, name=name))
        elif vtype is JsonNumber:
            node.json_kind = "number"
            node.value = str.__str__(value)
        elif vtype is bool:
            node.json_kind = "boolean"
            node.value = "true" if value else "false"
        elif vtype is _HugeInteger:
            node.json_kind = "number"
            self.issues.append(make_issue("value.out-of-range", node, value=f"an integer of {len(value):,} digits",
                                          type=f"any number read (at most {MAX_INTEGER_DIGITS:,} digits)"))
        if extra is not None:
            self._primitive_extras(node, extra, depth)

    def _primitive_extras(self, node: Node, extra: Any, depth: int) -> None:
        if not isinstance(extra, dict):
            self._pairing(node.parent or node, node.name,
                          f"'_{node.name}' must hold an object (the id and extensions of '{node.name}')")
            return
        self.fill(node, extra, depth + 1)

    def _orphan_extras(self, parent: Node, name: str, extra: Any, depth: int) -> None:
        """`_x` with no `x`: a primitive that has only an id and/or extensions."""
        if type(extra) is list:
            for i, item in enumerate(extra):
                if item is None:
                    continue
                node = Node(name, parent=parent, index=i, repeating=True, in_json_array=True)
                parent.children.append(node)
                self._primitive_extras(node, item, depth)
            return
        node = Node(name, parent=parent, in_json_array=False)
        parent.children.append(node)
        self._primitive_extras(node, extra, depth)

    def _pairing(self, parent: Node, name: str, reason: str) -> None:
        self.issues.append(make_issue("json.primitive-pairing", parent, reason=reason,
                                      location=_join(parent.location, "_" + name),
                                      **self._pos_kw(parent, "_" + name)))

    def _pos_kw(self, parent: Node, key: str) -> dict[str, Any]:
        pos = self.positions.lookup(json_path(parent) + (key,)) or parent.position
        return {"line": pos[0], "column": pos[1]}


def _join(location: str, name: str) -> str:
    return f"{location}.{name}" if location else name


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if type(value) is list:
        return "an array"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, JsonNumber):
        return "a number"
    if value is None:
        return "null"
    return "a string"
