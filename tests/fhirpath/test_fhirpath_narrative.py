"""htmlChecks(): the R4 narrative rules (txt-1, txt-2)."""

from __future__ import annotations

import pytest

from conformance.fhirpath.narrative import narrative_problems

NS = 'xmlns="http://www.w3.org/1999/xhtml"'


@pytest.mark.parametrize(
    ("xhtml", "problems"),
    [
        (f"<div {NS}><p>Hello <b>world</b></p></div>", ()),
        (f"<div {NS} xml:lang=\"en\"><table><tr><td style=\"color:red\">1</td></tr></table></div>", ()),
        (f"<div {NS}><img src=\"#a\" alt=\"\"/></div>", ()),
        (f"<div {NS}><p>caf&#233;&#160;au lait &amp; &lt;milk&gt;</p></div>", ()),
        (f"<div {NS}><a href=\"https://example.org\" name=\"x\">link</a></div>", ()),
        (f"<div {NS}><script>alert(1)</script><p>x</p></div>", ("element <script> is not allowed in a narrative",)),
        (f"<div {NS}><p onclick=\"x()\">x</p></div>", ("attribute 'onclick' is not allowed on <p>",)),
        (f"<div {NS}><a href=\" JavaScript:alert(1)\">x</a></div>", ("attribute 'href' of <a> must not hold a script",)),
        (f"<div {NS}><object data=\"x\"/><embed src=\"y\"/><p>x</p></div>",
         ("element <object> is not allowed in a narrative", "attribute 'data' is not allowed on <object>",
          "element <embed> is not allowed in a narrative", "attribute 'src' is not allowed on <embed>")),
        (f"<div {NS}>   <p> </p></div>", ("the narrative has no non-white-space content",)),
        ("<div><p>no namespace</p></div>",
         ("the narrative must be an XHTML <div> (namespace http://www.w3.org/1999/xhtml)",
          "element <div> is not allowed in a narrative", "element <p> is not allowed in a narrative")),
        (f"<p {NS}>x</p>", ("the narrative must be an XHTML <div> (namespace http://www.w3.org/1999/xhtml)",)),
        # HTML 4.0 declares attributes per element: href belongs to links, src to images
        (f"<div {NS}><span src=\"x.png\">x</span><p href=\"http://x\">y</p></div>",
         ("attribute 'src' is not allowed on <span>", "attribute 'href' is not allowed on <p>")),
        (f"<div {NS}><pre xml:space=\"preserve\">x</pre><ol start=\"2\"><li value=\"3\">y</li></ol></div>", ()),
        # a link's href and an image's src are URIs (HTML 4.0 %URI; data: URLs as RFC 2397)
        (f"<div {NS}><a href=\" https://example.org/a|b?q=\u00e9 \">x</a>"
         f"<img src=\"data:image/png;base64,iVBORw0KGgo=\" alt=\"\"/></div>", ()),
        (f"<div {NS}><a href=\"\">x</a></div>", ("attribute 'href' of <a> is not a URI: it is empty",)),
        (f"<div {NS}><a href=\"http://example.org/a b\">x</a></div>",
         ("attribute 'href' of <a> is not a URI: it holds ' ', which no URI may hold (RFC 3986)",)),
        (f"<div {NS}><img src=\"data:image/png;base64\"/></div>",
         ("attribute 'src' of <img> is not a URI: the data: URL has no comma before its data (RFC 2397)",)),
        (f"<div {NS}><img src=\"data:image/png;base64,iVBO!RKGgo=\"/></div>",
         ("attribute 'src' of <img> is not a URI: the data of a ;base64 data: URL is not base64 (RFC 2397)",)),
        # a paragraph holds no <pre> (HTML 4.0 §9.3.1: no block-level elements; the HL7 validator refuses it too)
        (f"<div {NS}><p>a<pre>x</pre></p></div>",
         ("<pre> is not allowed inside a <p> (HTML 4.0: a paragraph cannot contain block-level elements)",)),
        # text after a comment is the narrative's text (txt-2); text inside one is not
        (f"<div {NS}><!-- generated -->Ann Smith</div>", ()),
        (f"<div {NS}><!-- Ann Smith --> </div>", ("the narrative has no non-white-space content",)),
        # white space is XML's (txt-2's XPath normalize-space): a no-break or zero-width space is content
        (f"<div {NS}>&#160;</div>", ()),
        (f"<div {NS}><span>&#x200B;</span></div>", ()),
        (f"<div {NS}>\u00a0\u2003</div>", ()),
        (f"<div {NS}><p>\t\r\n </p></div>", ("the narrative has no non-white-space content",)),
        # processing instructions and a DOCTYPE are no HTML 4.0 markup (txt-1)
        (f"<div {NS}><?render fast?>Ann</div>", ("the processing instruction <?render?> is not allowed in a narrative",)),
        (f"<?xml-stylesheet href=\"s.xsl\"?><div {NS}>Ann</div>",
         ("the processing instruction <?xml-stylesheet?> is not allowed in a narrative",)),
        (f"<!DOCTYPE div><div {NS}>Ann</div>", ("a DOCTYPE is not allowed in a narrative",)),
        # an image's data: URL holds an image; its media type is type/subtype (R4's examples put a space first)
        (f"<div {NS}><img src=\"data: image/png;base64,iVBORw0KGgo=\"/><img src=\"data:;base64,iVBORw0KGgo=\"/></div>",
         ()),
        (f"<div {NS}><img src=\"data:text/html;base64,PHA+\"/></div>",
         ("the data: URL of <img> holds text/html, not an image (HTML 4.0 §13.2: src is the location of the image)",)),
        (f"<div {NS}><a href=\"data:text/plain;charset=utf-8,Ann\">x</a></div>", ()),
        (f"<div {NS}><a href=\"data:png;base64,PHA+\">x</a></div>",
         ("attribute 'href' of <a> is not a URI: the media type of the data: URL ('png;base64') is not type/subtype "
          "with attribute=value parameters (RFC 2397, RFC 2045)",)),
    ],
)
def test_narrative_rules(xhtml: str, problems: tuple[str, ...]) -> None:
    assert narrative_problems(xhtml) == problems


def test_html_named_entities_are_not_xml() -> None:
    """XML without a DTD defines only the five XML entities; `&reg;` is what the XML reader refuses too."""
    (problem,) = narrative_problems(f"<div {NS}><p>Brand&reg; caf&eacute;</p></div>")
    assert problem.startswith("the narrative is not well-formed XHTML: Entity 'reg' not defined")


def test_malformed_markup_and_entities_are_refused_without_expansion() -> None:
    (problem,) = narrative_problems(f"<div {NS}><p>x</div>")
    assert problem.startswith("the narrative is not well-formed XHTML")
    bomb = ('<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            f"<div {NS}><p>&b;</p></div>")
    result = narrative_problems(bomb)
    assert result and all("aaaaaaaaaa" not in p for p in result)
