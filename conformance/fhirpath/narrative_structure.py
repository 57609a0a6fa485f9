"""Which narrative elements may contain which: the content models of HTML 4.0 (XHTML 1.0 Transitional DTD).

R4 narrative.html (txt-1) allows "only the basic html formatting elements ... described in chapters 7-11 ... and
15 of the HTML 4.0 standard", and those chapters give each element its content: a list holds list items
(§10.2 `<!ELEMENT UL - - (LI)+>`), a table row holds cells (§11.2.6 `<!ELEMENT TR - O (TH|TD)+>`), a paragraph,
heading or phrase element holds only inline content (§7.5.3: "Generally, inline elements may contain only data
and other inline elements"), an image or a line break holds nothing (EMPTY). An `<li>` outside a list or a
`<p>` inside a `<span>` is no HTML 4.0 markup, so it breaks txt-1. Inline content holds no block at any depth:
`<h1><blockquote><div>` breaks it at the blockquote for HTML 4.0 and at the div for the HL7 validator (which looks
for div, pre, table, ul and ol among all the descendants of an inline-only element), so the div is reported. A
`<map>` ends the inline content: HTML 4.0 lets it hold blocks (§13.6.1 `<!ELEMENT MAP - - ((%block;) | AREA)+>`).

XHTML 1.0 (which the narrative is) lets a table hold rows directly (`tr+` beside `tbody+`). Only the breaches
that the HL7 validator also reports are refused (it applies such rules since 2025); it is stricter than HTML 4.0
in places (blocks inside `<dd>`, a nested `<b>`, a `<col>` in a `<colgroup>`), and HTML 4.0 is stricter than it in
others (a `<p>`, heading, `<dl>`, `<hr>` or `<blockquote>` inside a `<span>`; a paragraph's blocks are the
caller's own check). Neither excess is followed here: a rule needs both. R4's own examples (5,307 files of
hl7.fhir.r4.examples 4.0.1) and UK Core break none of these rules.
"""

from __future__ import annotations

from lxml import etree

XHTML_NS = "http://www.w3.org/1999/xhtml"

# the HTML 4.0 %block elements refused inside an element whose content is (%inline;)* only (§7.5.3)
BLOCK = frozenset({"div", "pre", "table", "ul", "ol"})
INLINE_ONLY = frozenset({
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "caption", "pre", "address",
    "a", "abbr", "acronym", "b", "bdo", "big", "cite", "code", "dfn", "em", "i", "kbd", "q", "samp", "small",
    "span", "strong", "sub", "sup", "tt", "var",
})
# <!ELEMENT ... EMPTY>: no content at all (§9.3.2.1 BR, §13.2 IMG, §15.3 HR, §13.6.1 AREA)
EMPTY = frozenset({"br", "img", "hr", "area"})
# element -> the only child elements it may hold, and no text (§10.2 lists, §10.3 DL, §11.2 tables)
ONLY_CHILDREN: dict[str, frozenset[str]] = {
    "ul": frozenset({"li"}),
    "ol": frozenset({"li"}),
    "dl": frozenset({"dt", "dd"}),
    "table": frozenset({"caption", "col", "colgroup", "thead", "tfoot", "tbody", "tr"}),
    "thead": frozenset({"tr"}),
    "tbody": frozenset({"tr"}),
    "tfoot": frozenset({"tr"}),
    "tr": frozenset({"td", "th"}),
}
# element -> the parents it must have: an <li> outside a list, a <tr> outside a table
PARENTS: dict[str, frozenset[str]] = {
    "li": frozenset({"ul", "ol"}),
    "dt": frozenset({"dl"}),
    "dd": frozenset({"dl"}),
    "tr": frozenset({"table", "thead", "tbody", "tfoot"}),
    "td": frozenset({"tr"}),
    "th": frozenset({"tr"}),
    "thead": frozenset({"table"}),
    "tbody": frozenset({"table"}),
    "tfoot": frozenset({"table"}),
    "caption": frozenset({"table"}),
    "colgroup": frozenset({"table"}),
    "col": frozenset({"table", "colgroup"}),
}


# R4 states txt-2 in XPath too: `descendant::text()[normalize-space(.)!=''] or descendant::h:img[@src]`.
# normalize-space strips only XML white space (XPath 1.0 §4.2, XML 1.0 production S: space, tab, CR, LF), so a
# no-break space (&#160;) or a zero-width space is content, as for the HL7 validator (Java's trim()). Python's
# str.strip() would also strip &#160; and other Unicode spaces. The content models below count text the same way:
# a no-break space directly inside a <ul> or <tr> is text there.
XML_WHITE_SPACE = " \t\r\n"


def has_text(text: str | None) -> bool:
    """Whether the text holds anything but XML white space (txt-2's "non-whitespace content")."""
    return bool(text and text.strip(XML_WHITE_SPACE))


def _local(el: etree._Element) -> str | None:
    """The element's name when it is an XHTML element (others are refused by the caller)."""
    tag = el.tag
    if not isinstance(tag, str) or not tag.startswith(f"{{{XHTML_NS}}}"):
        return None
    return tag[len(XHTML_NS) + 2:]


def structure_problems(root: etree._Element) -> list[str]:
    """Every element placed where HTML 4.0's content models do not allow it, in document order."""
    problems: list[str] = []
    # elements that are, or lie inside, an <a>: filled in document order (a parent before its children), so a
    # nested link is found without walking each <a>'s ancestors (1.2 million links 240 deep took seconds)
    in_link: set[etree._Element] = set()
    # element -> the nearest inline-only element it is, or lies inside (a <map> ends it: HTML 4.0 lets a map hold
    # blocks), filled the same way, so a block at any depth below a <span> or heading is found in the same pass
    inline_owner: dict[etree._Element, str] = {}
    for el in root.iter():
        name = _local(el)
        parent = el.getparent()
        parent_in_link = parent is not None and parent in in_link
        if name == "a" or parent_in_link:
            in_link.add(el)
        owner = inline_owner.get(parent) if parent is not None else None
        if name in INLINE_ONLY and name != "p":  # (a paragraph's blocks: the caller's check)
            inline_owner[el] = name
        elif owner is not None and name != "map":
            inline_owner[el] = owner
        if name is None:
            continue
        outer = _local(parent) if parent is not None else None
        if outer is None:
            continue
        if name in PARENTS and outer not in PARENTS[name]:
            allowed = " or ".join(f"<{p}>" for p in sorted(PARENTS[name]))
            problems.append(f"<{name}> must be inside {allowed}, not <{outer}> (HTML 4.0)")
        elif outer in ONLY_CHILDREN and name not in ONLY_CHILDREN[outer]:
            problems.append(f"<{outer}> cannot contain <{name}> (HTML 4.0)")
        elif name in BLOCK and owner is not None:
            problems.append(f"<{owner}> cannot contain the block <{name}> (HTML 4.0: inline content only)")
        elif outer in EMPTY:
            problems.append(f"<{outer}> cannot contain <{name}> (HTML 4.0: it is EMPTY)")
        elif name == "a" and parent_in_link:
            problems.append("<a> cannot contain another <a> (HTML 4.0 §12.2.2)")
        if has_text(el.text) and (name in EMPTY or name in ONLY_CHILDREN):
            problems.append(f"<{name}> cannot contain text (HTML 4.0)")
        for child in el:
            if has_text(child.tail) and name in ONLY_CHILDREN:
                problems.append(f"<{name}> cannot contain text (HTML 4.0)")
                break
    return problems
