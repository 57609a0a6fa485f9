"""HTML 4.0 content models in the narrative (txt-1): which element may contain which."""

from __future__ import annotations

import pytest
from lxml import etree

from conformance.fhirpath.narrative_structure import structure_problems

NS = 'xmlns="http://www.w3.org/1999/xhtml"'


def problems(inner: str) -> list[str]:
    return structure_problems(etree.fromstring(f"<div {NS}>{inner}</div>"))


@pytest.mark.parametrize(
    ("inner", "expected"),
    [
        ("<span><div>x</div></span>", ["<span> cannot contain the block <div> (HTML 4.0: inline content only)"]),
        ("<h1><ul><li>x</li></ul></h1>", ["<h1> cannot contain the block <ul> (HTML 4.0: inline content only)"]),
        ("<li>x</li>", ["<li> must be inside <ol> or <ul>, not <div> (HTML 4.0)"]),
        ("<tr><td>x</td></tr>", ["<tr> must be inside <table> or <tbody> or <tfoot> or <thead>, not <div> (HTML 4.0)"]),
        ("<table><td>x</td></table>", ["<td> must be inside <tr>, not <table> (HTML 4.0)"]),
        ("<table>x<tr><td>y</td></tr></table>", ["<table> cannot contain text (HTML 4.0)"]),
        ("<ul><li>a</li><br/></ul>", ["<ul> cannot contain <br> (HTML 4.0)"]),
        ("<ul>text<li>a</li></ul>", ["<ul> cannot contain text (HTML 4.0)"]),
        # a no-break space is text, not XML white space (as for txt-2)
        ("<ul>\u00a0<li>a</li></ul>", ["<ul> cannot contain text (HTML 4.0)"]),
        ("<table><tr><td>a</td>&#160;</tr></table>", ["<tr> cannot contain text (HTML 4.0)"]),
        ("<br>\u00a0</br>", ["<br> cannot contain text (HTML 4.0)"]),
        ("<br>x</br><img src='#i'><b>y</b></img>",
         ["<br> cannot contain text (HTML 4.0)", "<img> cannot contain <b> (HTML 4.0: it is EMPTY)"]),
        ("<a href='#a'>x<b><a name='y'>z</a></b></a>", ["<a> cannot contain another <a> (HTML 4.0 §12.2.2)"]),
        ("<pre>a<pre>b</pre></pre>", ["<pre> cannot contain the block <pre> (HTML 4.0: inline content only)"]),
        # a block at any depth below inline-only content, reported at the block with the inline element above it
        ("<h1><blockquote><div>x</div></blockquote></h1>",
         ["<h1> cannot contain the block <div> (HTML 4.0: inline content only)"]),
        ("<span><b><i><table><tr><td>x</td></tr></table></i></b></span>",
         ["<i> cannot contain the block <table> (HTML 4.0: inline content only)"]),
    ],
)
def test_misplaced_elements_are_reported(inner: str, expected: list[str]) -> None:
    assert problems(inner) == expected


@pytest.mark.parametrize(
    "inner",
    [
        # tables with all their parts, a nested table in a cell, rows directly in a table (XHTML 1.0)
        "<table><caption>c</caption><colgroup><col/></colgroup><thead><tr><th>h</th></tr></thead>"
        "<tbody><tr><td><table><tr><td>n</td></tr></table></td></tr></tbody></table>",
        "<ul>\n\t <li><p>x</p><ol><li>y</li></ol></li>\n</ul><dl><dt>t</dt><dd><div>d</div></dd></dl>",
        # stricter in the HL7 validator than in HTML 4.0 (a dd holds %flow; phrase elements may nest)
        "<b><b>x</b></b><blockquote><div>q</div></blockquote>",
        # HTML 4.0 refuses these but the HL7 validator accepts them: not reported (see the module docstring)
        "<span><p>x</p></span><span><hr/></span>",
        # a paragraph's blocks are narrative.py's own check
        "<p><div>x</div></p>",
        # a map may hold blocks (HTML 4.0 §13.6.1), inside inline content too
        "<span><map name='m'><div>x</div><area href='#a' alt='a'/></map></span>",
        # a block beside inline content, not inside it
        "<span>a</span><div><b>b</b><ul><li>c</li></ul></div>",
    ],
)
def test_html_4_content_is_accepted(inner: str) -> None:
    assert problems(inner) == []
