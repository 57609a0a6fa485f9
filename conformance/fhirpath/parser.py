"""Tokens → syntax tree, by precedence climbing over the FHIRPath 2.0 operator table.

Precedence, loosest first: implies; or xor; and; in contains; = ~ != !~; < > <= >=; |;
is as; + - &; * / div mod; unary + -; then `.` invocation and `[]` indexing.
"""

from __future__ import annotations

from decimal import Decimal

from conformance.fhirpath import ast
from conformance.fhirpath.errors import FhirPathSyntaxError
from conformance.fhirpath.lexer import Token, tokenize
from conformance.fhirpath.quantity import FhirPathQuantity
from conformance.fhirpath.temporal import CALENDAR_UNITS, parse_date, parse_datetime, parse_time

_BINARY_LEVELS: dict[str, int] = {
    "implies": 1, "or": 2, "xor": 2, "and": 3, "in": 4, "contains": 4,
    "=": 5, "~": 5, "!=": 5, "!~": 5, "<": 6, ">": 6, "<=": 6, ">=": 6, "|": 7,
    "is": 8, "as": 8, "+": 9, "-": 9, "&": 9, "*": 10, "/": 10, "div": 10, "mod": 10,
}
_WORD_OPERATORS = {"implies", "or", "xor", "and", "in", "contains", "is", "as", "div", "mod"}
# operator words are still names where an operand is expected (`text.div`, `div.htmlChecks()`)
_LITERAL_WORDS = {"true", "false"}


class Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0

    # -- token helpers ---------------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def next(self) -> Token:
        t = self.tokens[self.pos]
        self.pos += 1
        return t

    def is_op(self, text: str) -> bool:
        t = self.tok
        return t.kind == "op" and t.text == text

    def expect_op(self, text: str) -> Token:
        if not self.is_op(text):
            self.fail(f"expected '{text}'", self.tok)
        return self.next()

    def fail(self, message: str, token: Token) -> None:
        found = "the end of the expression" if token.kind == "eof" else repr(token.text)
        raise FhirPathSyntaxError(f"{message}, found {found}", token.column)

    # -- grammar ---------------------------------------------------------------------------------
    def parse(self) -> ast.Expr:
        if self.tok.kind == "eof":
            raise FhirPathSyntaxError("the expression is empty", 1)
        expr = self.expression(1)
        if self.tok.kind != "eof":
            self.fail("unexpected text after the expression", self.tok)
        return expr

    def _binary_op(self) -> str | None:
        t = self.tok
        if t.kind == "op" and t.text in _BINARY_LEVELS:
            return t.text
        if t.kind == "ident" and t.text in _WORD_OPERATORS:
            return t.text
        return None

    def expression(self, min_level: int) -> ast.Expr:
        left = self.unary()
        while True:
            op = self._binary_op()
            if op is None:
                return left
            level = _BINARY_LEVELS[op]
            if level < min_level:
                return left
            tok = self.next()
            if op in ("is", "as"):
                left = ast.TypeOp(tok.offset, op, left, self.type_specifier())
                continue
            right = self.expression(level + 1)
            left = ast.Binary(tok.offset, op, left, right)

    def unary(self) -> ast.Expr:
        t = self.tok
        if t.kind == "op" and t.text in "+-":
            self.next()
            operand = self.unary()
            return ast.Unary(t.offset, t.text, operand)
        return self.postfix(self.term())

    def postfix(self, expr: ast.Expr) -> ast.Expr:
        while True:
            t = self.tok
            if t.kind != "op":
                return expr
            if t.text == ".":
                self.next()
                expr = ast.Invoke(t.offset, expr, self.invocation(after_dot=True))
            elif t.text == "[":
                self.next()
                index = self.expression(1)
                self.expect_op("]")
                expr = ast.Indexer(t.offset, expr, index)
            else:
                return expr

    def invocation(self, after_dot: bool) -> ast.Expr:
        t = self.tok
        if t.kind == "special":
            self.next()
            if t.text not in ("$this", "$index", "$total"):
                raise FhirPathSyntaxError(f"unknown special variable {t.text}", t.column)
            return ast.Special(t.offset, t.text)
        if t.kind == "delimited":
            self.next()
            return ast.Member(t.offset, t.text, delimited=True)
        if t.kind == "ident" and (after_dot or t.text not in _LITERAL_WORDS):
            self.next()
            if self.is_op("("):
                return self.call(t)
            return ast.Member(t.offset, t.text)
        self.fail("expected a name, a function or $this", t)
        raise AssertionError  # unreachable

    def call(self, name: Token) -> ast.Call:
        self.expect_op("(")
        args: list[ast.Expr] = []
        if not self.is_op(")"):
            args.append(self.expression(1))
            while self.is_op(","):
                self.next()
                args.append(self.expression(1))
        self.expect_op(")")
        return ast.Call(name.offset, name.text, tuple(args))

    def term(self) -> ast.Expr:
        t = self.tok
        kind = t.kind
        if kind == "number":
            self.next()
            return self.number(t)
        if kind == "string":
            self.next()
            return ast.Literal(t.offset, t.text)
        if kind in ("date", "datetime", "time"):
            self.next()
            return ast.Literal(t.offset, self.temporal(t))
        if kind == "ident" and t.text in ("true", "false"):
            self.next()
            return ast.Literal(t.offset, t.text == "true")
        if kind == "op":
            if t.text == "(":
                self.next()
                inner = self.expression(1)
                self.expect_op(")")
                return inner
            if t.text == "{":
                self.next()
                self.expect_op("}")
                return ast.Literal(t.offset, None, empty=True)
            if t.text == "%":
                self.next()
                v = self.tok
                if v.kind in ("ident", "delimited", "string", "dqstring"):  # %"vs-x" as FHIR writes it
                    self.next()
                    return ast.Variable(t.offset, v.text)
                self.fail("expected a variable name after '%'", v)
        if kind in ("ident", "delimited", "special"):
            return self.invocation(after_dot=False)
        if kind == "dqstring":
            raise FhirPathSyntaxError("strings are written in single quotes in FHIRPath", t.column)
        self.fail("expected an expression", t)
        raise AssertionError  # unreachable

    def number(self, t: Token) -> ast.Expr:
        text = t.text
        if text.endswith("L"):
            value: int | Decimal = int(text[:-1])
        else:
            value = Decimal(text) if "." in text else int(text)
        u = self.tok
        if u.kind == "string" or (u.kind == "ident" and u.text in CALENDAR_UNITS):
            self.next()
            return ast.Literal(t.offset, FhirPathQuantity(Decimal(value), u.text))
        return ast.Literal(t.offset, value)

    def temporal(self, t: Token) -> object:
        body = t.text[1:]
        if t.kind == "time":
            value: object = parse_time(body[1:])
        elif t.kind == "date":
            value = parse_date(body)
        else:
            value = parse_datetime(body[:-1] if body.endswith("T") else body)
        if value is None:
            raise FhirPathSyntaxError(f"invalid date/time literal {t.text}", t.column)
        return value

    def type_specifier(self) -> ast.TypeSpec:
        parts = [self._type_name()]
        while self.is_op(".") and self.tokens[self.pos + 1].kind in ("ident", "delimited"):
            self.next()
            parts.append(self._type_name())
        if len(parts) > 2:
            raise FhirPathSyntaxError(f"invalid type name {'.'.join(parts)}", self.tok.column)
        if len(parts) == 2:
            return ast.TypeSpec(parts[0], parts[1])
        return ast.TypeSpec(None, parts[0])

    def _type_name(self) -> str:
        t = self.tok
        if t.kind in ("ident", "delimited"):
            self.next()
            return t.text
        self.fail("expected a type name", t)
        raise AssertionError  # unreachable


def parse(text: str) -> ast.Expr:
    """Parse FHIRPath text; raises FhirPathSyntaxError with the 1-based column of the fault."""
    return Parser(text).parse()
