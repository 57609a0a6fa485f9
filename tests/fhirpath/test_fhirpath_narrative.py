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
          "element <embed> is not allowed in a narrative")),
        (f"<div {NS}>   <p> </p></div>", ("the narrative has no non-white-space content",)),
        ("<div><p>no namespace</p></div>",
         ("the narrative must be an XHTML <div> (namespace http://www.w3.org/1999/xhtml)",
          "element <div> is not allowed in a narrative", "element <p> is not allowed in a narrative")),
        (f"<p {NS}>x</p>", ("the narrative must be an XHTML <div> (namespace http://www.w3.org/1999/xhtml)",)),
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
