"""`htmlChecks()`: the R4 rules for the XHTML narrative (txt-1 and txt-2).

Only the basic HTML 4.0 formatting elements and attributes listed by the specification are
allowed (no script, form, object, embed, iframe, no event-handler attributes, no
`javascript:` links), the root must be an XHTML `div`, and the narrative must have some
non-white-space text or an image with a source. The markup is parsed without DTDs, entity
expansion or network access. The narrative is XML in both formats (R4 json.html: the JSON `div` is
the escaped XHTML of the XML form), and XML without a DTD (FHIR content carries none) defines only
`&lt;` `&gt;` `&amp;` `&quot;` `&apos;`: an HTML named entity such as `&reg;` or `&nbsp;` makes the
narrative not well-formed (txt-1), as the XML reader finds for the same narrative in an XML file;
character references (`&#174;`) are the way to write them.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

from lxml import etree

from conformance.fhirpath.narrative_structure import has_text, structure_problems

XHTML_NS = "http://www.w3.org/1999/xhtml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# HTML 4.0 chapters 7-11 and 15 (section 4 of chapter 9, INS/DEL, excepted), `a` and images: also `address`
# (7.5.6), `bdo` (8.2.4), `kbd` (9.2.1) and an image's client-side map (`map`, `area`, 13.6), which the HL7
# validator accepts too
ALLOWED_ELEMENTS = frozenset({
    "a", "abbr", "acronym", "address", "area", "b", "bdo", "big", "blockquote", "br", "caption", "cite", "code",
    "col", "colgroup", "dd", "dfn", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "kbd", "li", "map", "ol", "p", "pre", "q", "samp", "small", "span", "strong", "sub", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "tt", "ul", "var",
})
# Attributes every allowed element may carry: HTML 4.0's %coreattrs (id, class, style, title) and %i18n (lang,
# dir) with XHTML's xml:lang, the focus attributes accesskey and tabindex, and the table cell attributes of
# chapter 11 (%cellhalign, %cellvalign, span, width, abbr, axis, headers, scope, rowspan, colspan), which the
# HL7 validator accepts on any element too; and xml:space, which XML 1.0 §2.10 defines for every element
# (XHTML 1.0 fixes it to 'preserve' on <pre>; the HL7 validator only hints at it). %events (onclick, ...) are
# scripts and never allowed.
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
GLOBAL_ATTRIBUTES = frozenset({
    "id", "class", "style", "title", "lang", "dir", XML_LANG, XML_SPACE, "accesskey", "tabindex",
    "align", "valign", "char", "charoff", "span", "width", "abbr", "axis", "headers", "scope", "rowspan", "colspan",
})
# HTML 4.0 declares every other attribute on particular elements (its DTD's ATTLISTs): a link's href, an image's
# src, a table's border, ... `<span src>` or `<p href>` is no HTML 4.0 attribute, so txt-1 refuses it (as the
# HL7 validator does). Deprecated presentational attributes of the transitional DTD stay allowed on their own
# elements (bgcolor, compact, start, value, type, hspace, vspace, nowrap).
ELEMENT_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"charset", "type", "name", "href", "hreflang", "rel", "rev", "shape", "coords"}),
    "area": frozenset({"shape", "coords", "href", "nohref", "alt"}),
    "img": frozenset({"src", "alt", "longdesc", "name", "height", "usemap", "ismap", "border", "hspace",
                      "vspace"}),
    "map": frozenset({"name"}),
    "blockquote": frozenset({"cite"}),
    "q": frozenset({"cite"}),
    "table": frozenset({"summary", "border", "frame", "rules", "cellspacing", "cellpadding", "bgcolor"}),
    "tr": frozenset({"bgcolor"}),
    "td": frozenset({"nowrap", "bgcolor", "height"}),
    "th": frozenset({"nowrap", "bgcolor", "height"}),
    "ol": frozenset({"type", "compact", "start"}),
    "ul": frozenset({"type", "compact"}),
    "li": frozenset({"type", "value"}),
    "dl": frozenset({"compact"}),
}
# the attributes holding a URI (HTML 4.0 %URI): a link's target and an image's source
URI_ATTRIBUTES = frozenset({("a", "href"), ("area", "href"), ("img", "src")})
# HTML 4.0 §9.3.1: "The P element represents a paragraph. It cannot contain block-level elements (including P
# itself)". These are the block-level elements of the allowed set that the HL7 validator also refuses inside a
# paragraph, at any depth (its other block-level ones, h1-h6, dl, hr and address, it accepts there: so do we)
BLOCKS_NOT_IN_PARAGRAPH = frozenset({"div", "blockquote", "table", "ol", "ul", "p", "pre"})
MAX_NARRATIVE = 10 * 1024 * 1024
NO_CONTENT = "the narrative has no non-white-space content"  # the txt-2 part of the rules


_PARAGRAPH = f"{{{XHTML_NS}}}p"

_local = threading.local()


def _parser() -> etree.XMLParser:
    """One safe parser per thread: building a parser costs more than parsing a small narrative."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                                 huge_tree=False)
    return parser


# the most common narrative: a div with only the XHTML namespace holding plain text (no markup, no entities)
_PLAIN = re.compile(r'<div xmlns="http://www\.w3\.org/1999/xhtml">([^<&]*)</div>')


@lru_cache(maxsize=256)
def narrative_problems(xhtml: str) -> tuple[str, ...]:
    """Every rule the narrative breaks (empty when it passes)."""
    plain = _PLAIN.fullmatch(xhtml)
    if plain is not None:  # nothing to parse: only the content rule can fail
        return () if has_text(plain.group(1)) else (NO_CONTENT,)
    if len(xhtml) > MAX_NARRATIVE:
        return ("the narrative is too large to check",)
    try:
        root = etree.fromstring(xhtml.encode("utf-8"), _parser())
    except etree.XMLSyntaxError as exc:
        return (f"the narrative is not well-formed XHTML: {exc}",)
    problems: list[str] = []
    if root.tag != f"{{{XHTML_NS}}}div":
        problems.append("the narrative must be an XHTML <div> (namespace http://www.w3.org/1999/xhtml)")
    problems.extend(_markup_problems(root))
    problems.extend(structure_problems(root))
    has_content = False
    for el in root.iter():
        if not isinstance(el.tag, str):  # a comment or a processing instruction: the text after it is content
            if has_text(el.tail):
                has_content = True
            continue
        ns, _, local = el.tag[1:].partition("}") if el.tag.startswith("{") else ("", "", el.tag)
        if ns != XHTML_NS or local not in ALLOWED_ELEMENTS:
            problems.append(f"element <{local}> is not allowed in a narrative")
        elif local in BLOCKS_NOT_IN_PARAGRAPH and next(el.iterancestors(_PARAGRAPH), None) is not None:
            problems.append(f"<{local}> is not allowed inside a <p> (HTML 4.0: a paragraph cannot contain "
                            "block-level elements)")
        for raw_name, raw_value in el.attrib.items():
            name, value = str(raw_name), str(raw_value)
            if name not in GLOBAL_ATTRIBUTES and name not in ELEMENT_ATTRIBUTES.get(local, ()):
                problems.append(f"attribute '{name}' is not allowed on <{local}>")
            elif name in ("href", "src") and value.strip().lower().startswith(("javascript:", "vbscript:")):
                problems.append(f"attribute '{name}' of <{local}> must not hold a script")
            elif (local, name) in URI_ATTRIBUTES:
                bad = uri_problem(value)
                if bad is not None:
                    problems.append(f"attribute '{name}' of <{local}> is not a URI: {bad}")
                elif local == "img" and not (media := data_media_type(value) or "image/").startswith("image/"):
                    problems.append(f"the data: URL of <img> holds {media}, not an image "
                                    "(HTML 4.0 §13.2: src is the location of the image)")
        if has_text(el.text) or (el is not root and has_text(el.tail)):
            has_content = True
        if local == "img" and el.get("src"):
            has_content = True
    if not has_content:
        problems.append(NO_CONTENT)
    return tuple(problems)


# Characters no URI (RFC 3986 §2) or IRI (RFC 3987 §2.2, which adds non-ASCII letters) may hold: white space,
# control characters and " < > \\ ^ ` { }. (`|`, which RFC 3986 also leaves out, browsers and the HL7 validator
# accept: so do we.)
_NOT_IN_URI = re.compile(r'[\x00-\x20\x7f-\x9f"<>\\^`{}]')
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


def uri_problem(value: str) -> str | None:
    """Why a narrative link's href or an image's src is no URI (HTML 4.0 types both %URI, RFC 2396), or None.

    Empty is no URI reference to anything; a `data:` URL has the RFC 2397 form `data:[<mediatype>][;base64],<data>`
    (one comma before the data, base64 data when it says so); any other value must not hold characters that no
    URI or IRI may hold. Leading and trailing white space is ignored (HTML 4.0 §6.2: user agents may ignore it in
    CDATA attribute values)."""
    value = value.strip(" \t\r\n")
    if value == "":
        return "it is empty"
    if value[:5].lower() == "data:":
        head, comma, data = value[5:].partition(",")
        if not comma:
            return "the data: URL has no comma before its data (RFC 2397)"
        if data_media_type(value) is None:
            return f"the media type of the data: URL ({head.strip()!r}) is not type/subtype with attribute=value parameters (RFC 2397, RFC 2045)"
        if head.lower().endswith(";base64"):
            data = re.sub(r"\s+", "", data)
            if len(data) % 4 or _BASE64.fullmatch(data) is None:
                return "the data of a ;base64 data: URL is not base64 (RFC 2397)"
        return None
    found = _NOT_IN_URI.search(value)
    if found is not None:
        return f"it holds {found.group(0)!r}, which no URI may hold (RFC 3986)"
    return None


def _markup_problems(root: etree._Element) -> list[str]:
    """The XML markup that is no HTML 4.0 element, attribute or text: a DOCTYPE (with its entity declarations,
    the XXE attack FHIR refuses everywhere, R4 security.html) and processing instructions, inside the `div` or
    beside it. txt-1 allows only HTML elements, attributes and text (comments carry nothing and stay allowed)."""
    problems: list[str] = []
    info = root.getroottree().docinfo
    if getattr(info, "doctype", "") or info.internalDTD is not None:  # (doctype: missing from the lxml stubs)
        problems.append("a DOCTYPE is not allowed in a narrative")
    beside = [*root.itersiblings(preceding=True), *root.itersiblings()]
    for node in [*beside, *root.iter()]:
        if isinstance(node, etree._ProcessingInstruction):
            problems.append(f"the processing instruction <?{node.target!s}?> is not allowed in a narrative")
    return problems


# RFC 2045 §5.1: a token is any ASCII but controls, space and the tspecials ()<>@,;:\\"/[]?=
_TOKEN = r"[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+"
_MEDIA_TYPE = re.compile(rf"(?:{_TOKEN}/{_TOKEN})?")
_PARAMETER = re.compile(rf'{_TOKEN}=(?:{_TOKEN}|"[^"]*")')


def data_media_type(value: str) -> str | None:
    """The media type (`type/subtype`, lower case) of a `data:` URL, "" when it names none (RFC 2397 then means
    text/plain, which the HL7 validator and browsers take as a sniffable image too) or when the value is no data:
    URL; None when its media type or a parameter is malformed. White space around the parts is ignored: R4's own
    examples write `data: image/png;base64,...`."""
    value = value.strip(" \t\r\n")
    if value[:5].lower() != "data:" or "," not in value:
        return ""
    parts = [p.strip() for p in value[5:].partition(",")[0].split(";")]
    if len(parts) > 1 and parts[-1].lower() == "base64":
        parts.pop()
    if _MEDIA_TYPE.fullmatch(parts[0]) is None or any(_PARAMETER.fullmatch(p) is None for p in parts[1:]):
        return None
    return parts[0].lower()


def html_checks(xhtml: str) -> bool:
    return not narrative_problems(xhtml)


def language_sections(xhtml: str) -> tuple[str, ...] | None:
    """The languages of the narrative's language sections: the `div` children of the root `div` marked
    with `lang` or `xml:lang` (the multi-language narrative of HL7's `narrative-language-control`
    extension and of R5 narrative.html#lang). None when the narrative cannot be parsed (txt-1 says so)."""
    if _PLAIN.fullmatch(xhtml) is not None:
        return ()
    root = _tree(xhtml)
    if root is None:
        return None
    found: list[str] = []
    for child in root:
        if isinstance(child.tag, str) and child.tag == f"{{{XHTML_NS}}}div":
            lang = child.get(XML_LANG) or child.get("lang")
            if lang and lang not in found:
                found.append(lang)
    return tuple(found)


@lru_cache(maxsize=256)
def internal_links(xhtml: str) -> tuple[str, ...]:
    """The targets of the narrative's fragment links, `href="#x"` and `src="#x"` (without the `#`): the
    narrative's references to its own anchors and to the resource's contained resources. Empty when the
    narrative cannot be parsed (txt-1 says so)."""
    if "#" not in xhtml or _PLAIN.fullmatch(xhtml) is not None:
        return ()
    root = _tree(xhtml)
    if root is None:
        return ()
    found: list[str] = []
    for el in root.iter():
        if isinstance(el.tag, str):
            for name in ("href", "src"):
                value = el.get(name)
                if value and value.startswith("#") and len(value) > 1:
                    found.append(value[1:])
    return tuple(found)


@lru_cache(maxsize=256)
def element_ids(xhtml: str) -> tuple[str, ...]:
    """The `id` attributes of the narrative's elements, in document order (repeats kept). Empty when the
    narrative cannot be parsed (txt-1 says so)."""
    if "id" not in xhtml:
        return ()
    root = _tree(xhtml)
    if root is None:
        return ()
    return tuple(str(el.get("id")) for el in root.iter() if isinstance(el.tag, str) and el.get("id"))


def _tree(xhtml: str) -> etree._Element | None:
    """The narrative parsed, or None when it is too large or not well-formed (`narrative_problems` says which)."""
    if len(xhtml) > MAX_NARRATIVE:
        return None
    try:
        return etree.fromstring(xhtml.encode("utf-8"), _parser())
    except etree.XMLSyntaxError:
        return None
