"""FHIR XML → the same positioned tree as the JSON reader.

Hostile XML is refused before the parser sees it: a document with a DOCTYPE (the carrier of
entity-expansion and external-entity attacks) is rejected by a scan of its prolog, and the
parser itself never loads DTDs, resolves entities or touches the network. Nesting is bounded.

The XML shapes that differ from JSON are folded into the JSON shape here, so the validator
never knows which format it read: `id`/`url` attributes become child nodes, `value` becomes the
node's value, resource wrappers (`<contained><Patient>…`) become one resource node, and the
XHTML narrative becomes a primitive `div` whose value is its markup.

Positions are resolved lazily and exactly: each node remembers the document-order number of
its element; on first use the text is scanned once for start tags (document order is start-tag
order), so a position is the `<` of the element's start tag, or the attribute's name.
"""

from __future__ import annotations

import bisect
import codecs
import copy
import re
from collections import Counter

from lxml import etree

from conformance.fhir.document import ParseResult
from conformance.fhir.encodings import sniff_xml_encoding
from conformance.fhir.json_reader import MAX_DEPTH
from conformance.fhir.tree import Node
from conformance.issues import Issue, make_issue

FHIR_NS = "http://hl7.org/fhir"
XHTML_NS = "http://www.w3.org/1999/xhtml"
_XSI_SCHEMA_LOCATION = "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"


def _parser() -> etree.XMLParser:
    """A fresh parser per document: nothing fetched, nothing expanded, error log not shared."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=False,  # kept for the narrative (txt-1 refuses them there); elsewhere skipped as non-elements
    )


# -- encodings and the prolog --------------------------------------------------------------------

def _decode(data: bytes, declared: str | None) -> str:
    """The document's text (for positions): the byte pattern wins, then the declaration, then UTF-8."""
    codec = sniff_xml_encoding(data)
    if codec is None:
        codec = "utf-8-sig"
        if declared:
            try:
                codecs.lookup(declared)
                codec = declared if declared.lower().replace("_", "-") not in ("utf-8", "utf8") else "utf-8-sig"
            except LookupError:
                pass
    return data.decode(codec, errors="replace").lstrip("\ufeff")


def _prolog_text(data: bytes, limit: int | None) -> str:
    codec = sniff_xml_encoding(data) or "latin-1"  # every ASCII-compatible encoding reads the same here
    chunk = data if limit is None else data[:limit]
    return chunk.decode(codec, errors="replace").lstrip("\ufeff")


def find_doctype(data: bytes) -> tuple[int, int] | None:
    """(line, column) of a `<!` declaration (DOCTYPE) in the prolog, or None.

    Only white space, the XML declaration, processing instructions and comments may come
    before the root element; anything starting `<!` there other than a comment is a DTD.
    """
    head = 65536
    while True:
        text = _prolog_text(data, head)
        complete = head >= len(data)
        pos, n = 0, len(text)
        while True:
            while pos < n and text[pos] in " \t\r\n":
                pos += 1
            if pos >= n:
                break
            if text.startswith("<!--", pos):
                end = text.find("-->", pos + 4)
                if end == -1:
                    break
                pos = end + 3
            elif text.startswith("<?", pos):
                end = text.find("?>", pos + 2)
                if end == -1:
                    break
                pos = end + 2
            elif text.startswith("<!", pos):
                return _offset_line_col(text, pos)
            else:
                return None
        if complete:
            return None
        head *= 16


_DECLARED_ENCODING = re.compile(r"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def declared_encoding(data: bytes) -> str | None:
    """The encoding named by the XML declaration, if any."""
    m = _DECLARED_ENCODING.match(_prolog_text(data, 200))
    return m.group(1) if m else None


# -- lazy positions ------------------------------------------------------------------------------

_ATTRIBUTE = re.compile(r"""\s+([^\s=/>]+)\s*=\s*(?:"[^"]*"|'[^']*')""")
_NAME_END = re.compile(r"[\s/>]")


class XmlPositions:
    """Maps document-order element numbers (and their attributes) to (line, column)."""

    def __init__(self, data: bytes, declared_encoding: str | None) -> None:
        self._data = data
        self._encoding = declared_encoding
        self._text: str | None = None
        self._tags: list[int] = []
        self._line_starts: list[int] = []
        self.where: dict[Node, tuple[int, str | None]] = {}

    def _load(self) -> str:
        text = _decode(self._data, self._encoding)
        starts, tags = [0], []
        i = text.find("\n")
        while i != -1:
            starts.append(i + 1)
            i = text.find("\n", i + 1)
        pos, n = 0, len(text)
        while True:
            pos = text.find("<", pos)
            if pos == -1 or pos + 1 >= n:
                break
            nxt = text[pos + 1]
            if text.startswith("<!--", pos):
                end, skip = text.find("-->", pos + 4), 3
            elif text.startswith("<![CDATA[", pos):
                end, skip = text.find("]]>", pos + 9), 3
            elif nxt == "?":
                end, skip = text.find("?>", pos + 2), 2
            elif nxt in "!/":
                end, skip = pos + 1, 0
            else:
                tags.append(pos)
                end, skip = pos + 1, 0
            if end == -1:
                break
            pos = end + skip
        self._text, self._tags, self._line_starts = text, tags, starts
        self._data = b""  # the text replaces the bytes
        return text

    def _line_col(self, offset: int) -> tuple[int, int]:
        idx = bisect.bisect_right(self._line_starts, offset) - 1
        return idx + 1, offset - self._line_starts[idx] + 1

    def _attribute_offset(self, text: str, tag_start: int, name: str) -> int:
        m = _NAME_END.search(text, tag_start + 1)
        pos = m.start() if m else tag_start
        while True:
            a = _ATTRIBUTE.match(text, pos)
            if a is None:
                return tag_start
            if a.group(1) == name:
                return a.start(1)
            pos = a.end()

    def resolve(self, node: Node) -> tuple[int, int]:
        found = self.where.get(node)
        if found is None:
            return node.parent.position if node.parent is not None else (1, 1)
        return self.locate(*found)

    def locate(self, ordinal: int, attribute: str | None = None) -> tuple[int, int]:
        """Position of the `ordinal`-th start tag in document order, or of one of its attributes."""
        text = self._text if self._text is not None else self._load()
        if ordinal >= len(self._tags):
            return (1, 1)
        offset = self._tags[ordinal]
        if attribute is not None:
            offset = self._attribute_offset(text, offset, attribute)
        return self._line_col(offset)


# -- the reader ----------------------------------------------------------------------------------

def read_xml(data: bytes) -> ParseResult:
    """Parse one FHIR XML resource. Never raises for bad input: problems become issues."""
    if _is_blank(data):
        return ParseResult(None, [make_issue("file.empty", line=1, column=1)], "xml")
    doctype = find_doctype(data)
    if doctype is not None:
        line, col = doctype
        issue = make_issue("xml.dtd-forbidden", reason="DTDs and entity declarations are never processed",
                           line=line, column=col)
        return ParseResult(None, [issue], "xml")
    parser = _parser()
    try:
        element = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        return ParseResult(None, [_syntax_issue(exc, parser, data)], "xml")
    except ValueError as exc:  # e.g. an encoding declaration lxml cannot honour
        return ParseResult(None, [make_issue("xml.syntax", reason=str(exc), line=1, column=1)], "xml")
    if element is None:  # recover=False makes this unreachable, but never trust it with a user's file
        return ParseResult(None, [make_issue("xml.syntax", reason="no root element", line=1, column=1)], "xml")
    tree = element.getroottree()
    if getattr(tree.docinfo, "doctype", ""):  # belt and braces: the prolog scan should already have refused it
        issue = make_issue("xml.dtd-forbidden", reason="DTDs and entity declarations are never processed",
                           line=1, column=1)
        return ParseResult(None, [issue], "xml")
    positions = XmlPositions(data, tree.docinfo.encoding)
    builder = _Builder(positions)
    root = builder.build_root(element)
    if builder.too_deep is not None:
        issue = make_issue("xml.too-deep", builder.too_deep, limit=MAX_DEPTH)
        return ParseResult(None, [issue], "xml")
    return ParseResult(root, builder.issues, "xml")


def _is_blank(data: bytes) -> bool:
    if sniff_xml_encoding(data) is None:
        return not data.lstrip(b"\xef\xbb\xbf").strip()
    return not _prolog_text(data, None).strip()


def _offset_line_col(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _syntax_issue(exc: etree.XMLSyntaxError, parser: etree.XMLParser, data: bytes) -> Issue:
    entries = [e for e in parser.error_log if e.level >= etree.ErrorLevels.ERROR]
    entries = entries or [e for e in exc.error_log]  # type: ignore[attr-defined]
    first = entries[0] if entries else None
    message = first.message if first is not None else (exc.msg or str(exc))
    line = first.line if first is not None else (exc.lineno or 1)
    column = first.column if first is not None else (exc.position[1] if exc.position else 1)
    too_deep = "Excessive depth" in message
    line, column = _character_position(data, line, column, tag_start=too_deep)
    if too_deep:
        return make_issue("xml.too-deep", limit=MAX_DEPTH, line=line, column=column)
    return make_issue("xml.syntax", reason=message.strip(), line=line, column=column)


def _character_position(data: bytes, line: int, column: int, *, tag_start: bool) -> tuple[int, int]:
    """libxml2's (line, column), both in characters; with `tag_start`, moved back to the `<` of the
    start tag the parser was reading (libxml2 points at its end)."""
    if not tag_start or line < 1 or column < 1:
        return max(line, 1), max(column, 1)
    text = _decode(data, declared_encoding(data))
    lines = text.split("\n")
    if line > len(lines):
        return line, column
    offset = sum(len(x) + 1 for x in lines[: line - 1]) + column - 1
    lt = text.rfind("<", 0, offset + 1)
    return _offset_line_col(text, lt) if lt != -1 else (line, column)


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


class _Builder:
    """Walks the lxml tree in document order, building Nodes and FHIR XML representation issues."""

    def __init__(self, positions: XmlPositions) -> None:
        self.positions = positions
        self.issues: list[Issue] = []
        self.ordinal = 0  # document-order number of the next element
        self.too_deep: Node | None = None

    def build_root(self, element: etree._Element) -> Node:
        ns, local = _split(element.tag)
        root = Node(local, resource_type=local)
        root.set_resolver(self.positions.resolve)
        self._mark(root)
        if ns != FHIR_NS:
            self._namespace(root, local, ns)
        self._fill(root, element, depth=1, is_resource=True)
        return root

    def _mark(self, node: Node) -> None:
        """Remember the node's element by its document-order number (for lazy positions)."""
        self.positions.where[node] = (self.ordinal, None)
        self.ordinal += 1

    def _namespace(self, node: Node, name: str, ns: str) -> None:
        self.issues.append(make_issue("xml.namespace", node, name=name, namespace=ns or "(none)",
                                      expected=f"the FHIR namespace {FHIR_NS}"))

    def _fill(self, node: Node, element: etree._Element, depth: int, is_resource: bool) -> None:
        """Attributes, text and child elements of `element` into `node` (already marked)."""
        if depth > MAX_DEPTH:
            if self.too_deep is None:
                self.too_deep = node
            return
        ordinal = self.ordinal - 1
        attrib = element.attrib
        if len(attrib):
            self._attributes(node, attrib, ordinal, is_resource)
        self._text_content(node, element)
        children = [c for c in element if isinstance(c.tag, str)]
        totals = Counter(_split(c.tag)[1] for c in children)
        seen: Counter[str] = Counter()
        for child in children:
            ns, local = _split(child.tag)
            index = seen[local]
            seen[local] += 1
            sub = Node(local, parent=node, index=index, repeating=totals[local] > 1)
            node.children.append(sub)
            self._mark(sub)
            if local == "div":
                self._narrative(sub, child, ns)
                continue
            if ns != FHIR_NS:
                self._namespace(sub, local, ns)
            inner = _wrapped_resource(child)
            if inner is None:
                self._fill(sub, child, depth + 1, is_resource=False)
                if self.too_deep is not None:
                    return
                continue
            self._wrapper(sub, child, inner, depth)
            if self.too_deep is not None:
                return

    def _attributes(self, node: Node, attrib: etree._Attrib, ordinal: int, is_resource: bool) -> None:
        """`id` and `url` become the first children (as in JSON), `value` the node's value."""
        allowed = set() if is_resource else {"id", "value"}
        if node.name in ("extension", "modifierExtension") and not is_resource:
            allowed.add("url")
        for name in ("id", "url"):
            if name in allowed and name in attrib:
                child = node.add(Node(name, str(attrib[name])))
                self.positions.where[child] = (ordinal, name)
        if "value" in allowed and "value" in attrib:
            node.value = str(attrib["value"])
            if node.value == "":
                self.issues.append(make_issue("value.empty", node, name=node.name))
        for attr in attrib:
            if attr not in allowed and attr != _XSI_SCHEMA_LOCATION:
                self._unexpected_attribute(node, ordinal, str(attr))

    def _wrapper(self, node: Node, wrapper: etree._Element, inner: etree._Element, depth: int) -> None:
        """`<contained><Patient>…</Patient></contained>`: one resource node named after the wrapper."""
        ordinal = self.ordinal - 1
        for attr in wrapper.attrib:
            self._unexpected_attribute(node, ordinal, str(attr))
        self._text_content(node, wrapper)
        ns, local = _split(inner.tag)
        node.resource_type = local
        self.ordinal += 1  # the inner resource element has its own start tag
        if ns != FHIR_NS:
            self._namespace(node, local, ns)
        self._fill(node, inner, depth + 1, is_resource=True)

    def _narrative(self, node: Node, element: etree._Element, ns: str) -> None:
        if ns != XHTML_NS:
            self.issues.append(make_issue("xml.namespace", node, name="div", namespace=ns or "(none)",
                                          expected=f"the XHTML namespace {XHTML_NS}"))
        node.value = narrative_xhtml(element)
        self.ordinal += sum(1 for e in element.iterdescendants() if isinstance(e.tag, str))

    def _unexpected_attribute(self, node: Node, ordinal: int, attr: str) -> None:
        ns, local = _split(attr)
        line, column = self.positions.locate(ordinal, local)
        self.issues.append(make_issue("xml.unexpected-attribute", node, name=f"{{{ns}}}{local}" if ns else local,
                                      line=line, column=column))

    def _text_content(self, node: Node, element: etree._Element) -> None:
        texts = [element.text] + [c.tail for c in element]
        if any(t is not None and t.strip() for t in texts):
            self.issues.append(make_issue("xml.text-content", node, name=node.name))


def narrative_xhtml(div: etree._Element) -> str:
    """The narrative's markup as JSON carries it: without the namespace declarations it merely
    inherits from the FHIR document (xmlns:xsi and the like), which lxml would otherwise repeat."""
    if len(div.nsmap) > 1:
        div = copy.deepcopy(div)
        etree.cleanup_namespaces(div)
    return etree.tostring(div, encoding="unicode", with_tail=False)


def _wrapped_resource(element: etree._Element) -> etree._Element | None:
    """The resource inside a wrapper element: its only child element, named with a capital."""
    if "value" in element.attrib:
        return None
    children = [c for c in element if isinstance(c.tag, str)]
    if len(children) != 1:
        return None
    local = _split(children[0].tag)[1]
    return children[0] if local[:1].isupper() else None
