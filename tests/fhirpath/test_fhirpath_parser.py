"""Lexing and parsing: the syntax tree's shape, operator precedence, and located syntax errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conformance.fhirpath import FhirPathSyntaxError, ast, compile, evaluate
from conformance.fhirpath.parser import parse


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("2 + 2 /", "expected an expression, found the end of the expression", 8),
        ("2 + 2 /* not finished", "unterminated comment", 7),
        ("name.given.first(", "expected an expression, found the end of the expression", 18),
        ("name.", "expected a name, a function or $this, found the end of the expression", 6),
        ("name..given", "expected a name, a function or $this, found '.'", 6),
        ("'abc", "unterminated string", 1),
        ("`abc", "unterminated delimited name", 1),
        ("name # given", "unexpected character '#'", 6),
        ("@T14:34:28Z", "unexpected text after the expression, found 'Z'", 11),
        ("@2015-13-01", "invalid date/time literal @2015-13-01", 1),
        ("(1 + 2", "expected ')', found the end of the expression", 7),
        ("name[0", "expected ']', found the end of the expression", 7),
        ("$foo", "unknown special variable $foo", 1),
        ("'\\q'", "unknown escape sequence '\\q'", 2),
        ("", "the expression is empty", 1),
        ("1 2", "unexpected text after the expression, found '2'", 3),
        ("nosuch(1)", "unknown function 'nosuch'", 1),
        ("name.where()", "where() takes 1 argument(s), got 0", 6),
        ("name.substring(1, 2, 3)", "substring() takes 1 to 2 argument(s), got 3", 6),
        ("x is 1", "expected a type name, found '1'", 6),
        ('name = "Jane"', "strings are written in single quotes in FHIRPath", 8),
        ('%"vs-x', "unterminated string", 2),
    ],
)
def test_syntax_errors_carry_message_and_column(text: str, message: str, column: int) -> None:
    with pytest.raises(FhirPathSyntaxError) as info:
        compile(text)
    assert info.value.message == message
    assert info.value.column == column


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 + 2 * 3 - 4 / 2", Decimal(5)),
        ("(1 + 2) * 3", 9),
        ("-2 * 3", -6),
        ("2 - -1", 3),
        ("7 div 2 * 2", 6),
        ("7 mod 4 + 1", 4),
        ("1 < 2 = true", True),
        ("true or false and false", True),
        ("false and true or true", True),
        ("true xor true implies false", True),
        ("(1 | 2 | 2).count() = 2", True),
        ("(1 | 2 is Integer).count()", 2),
        ("'a' & 'b' + 'c'", "abc"),
        ("2 in (1 | 2) and (1 | 2) contains 1", True),
        ("1.5.toString()", "1.5"),
        ("2.toString()", "2"),
        ("-1.5.abs()", Decimal("-1.5")),
        ("(-1.5).abs()", Decimal("1.5")),
        ("'it''s'", None),
    ],
)
def test_precedence_and_literals(text: str, value: object) -> None:
    if value is None:
        with pytest.raises(FhirPathSyntaxError):
            compile(text)
        return
    assert evaluate(text, None) == [value]


def test_the_tree_keeps_offsets_and_structure() -> None:
    tree = parse("Patient.name.where(use = 'official')[0].given")
    assert isinstance(tree, ast.Invoke) and isinstance(tree.member, ast.Member) and tree.member.name == "given"
    indexer = tree.target
    assert isinstance(indexer, ast.Indexer) and isinstance(indexer.index, ast.Literal)
    call = indexer.target
    assert isinstance(call, ast.Invoke) and isinstance(call.member, ast.Call)
    assert call.member.name == "where" and call.member.offset == 13
    crit = call.member.args[0]
    assert isinstance(crit, ast.Binary) and crit.op == "=" and crit.offset == 23


def test_keywords_are_names_where_a_name_is_expected() -> None:
    tree = parse("text.div.contains('x') and div.is(xhtml) and contains.as(String)")
    assert isinstance(tree, ast.Binary) and tree.op == "and"


def test_comments_and_white_space() -> None:
    assert evaluate("1 + /* two */ 2 // the rest\n + 3", None) == [6]


def test_quantity_and_temporal_literals() -> None:
    assert [str(v) for v in evaluate("4 days | 10.5 'mg' | 1 '1'", None)] == ["4 days", "10.5 'mg'", "1 '1'"]
    assert [str(v) for v in evaluate("@2015 | @2015-02T | @2015-02-04T14:34:28.5+10:00 | @T14", None)] == [
        "2015", "2015-02", "2015-02-04T14:34:28.500+10:00", "14"]


def test_compile_is_cached_by_text() -> None:
    assert compile("name.given") is compile("name.given")
    assert compile("name.given") is not compile("name .given")


@pytest.mark.parametrize("text", ["(" * 5000 + "1" + ")" * 5000, "-" * 5000 + "1", "1" + " + 1" * 5000])
def test_absurd_nesting_is_a_syntax_error_not_a_crash(text: str) -> None:
    with pytest.raises(FhirPathSyntaxError, match="nested too deeply"):
        compile(text)
