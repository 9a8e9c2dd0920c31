"""FIQL filters (`query=` / `_s=`): `;` is AND, `,` is OR, parentheses group, `*` is a wildcard.

    name==Dev*;description==*environment*
    environment.name==Development,(type==personal;owner!=alice)

Comparators: `==`, `!=`, `=lt=`, `=le=`, `=gt=`, `=ge=`. Each list endpoint says which selectors
it knows; any other selector, and any malformed expression, is a 400.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Union

from ...errors import BadRequest

COMPARATORS = ("==", "!=", "=lt=", "=le=", "=gt=", "=ge=")
_SELECTOR = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_COMPARATOR = re.compile(r"==|!=|=[a-z]+=")
_RESERVED = set(';,()"\'')
_MAX_DEPTH = 50  # parentheses nested deeper than this are refused (not a RecursionError)

Getter = Callable[[Any], Any]


@dataclass(frozen=True)
class Comparison:
    selector: str
    comparator: str
    argument: str


@dataclass(frozen=True)
class Combination:
    operator: str  # "and" | "or"
    operands: tuple["Node", ...]


Node = Union[Comparison, Combination]


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.depth = 0

    def fail(self, what: str) -> BadRequest:
        return BadRequest(f"Invalid FIQL query {self.text!r}: {what} at position {self.pos}")

    def parse(self) -> Node:
        if not self.text.strip():
            raise self.fail("empty expression")
        node = self.expression()
        if self.pos != len(self.text):
            raise self.fail(f"unexpected {self.text[self.pos]!r}")
        return node

    def expression(self) -> Node:
        operands = [self.conjunction()]
        while self.peek(","):
            self.pos += 1
            operands.append(self.conjunction())
        return operands[0] if len(operands) == 1 else Combination("or", tuple(operands))

    def conjunction(self) -> Node:
        operands = [self.constraint()]
        while self.peek(";"):
            self.pos += 1
            operands.append(self.constraint())
        return operands[0] if len(operands) == 1 else Combination("and", tuple(operands))

    def constraint(self) -> Node:
        if self.peek("("):
            if self.depth >= _MAX_DEPTH:
                raise self.fail(f"parentheses nested more than {_MAX_DEPTH} deep")
            self.depth += 1
            self.pos += 1
            node = self.expression()
            if not self.peek(")"):
                raise self.fail("missing ')'")
            self.pos += 1
            self.depth -= 1
            return node
        return self.comparison()

    def comparison(self) -> Comparison:
        selector = _SELECTOR.match(self.text, self.pos)
        if not selector:
            raise self.fail("expected a field name")
        self.pos = selector.end()
        comparator = _COMPARATOR.match(self.text, self.pos)
        if not comparator:
            raise self.fail("expected a comparison (==, !=, =lt=, =le=, =gt=, =ge=)")
        if comparator.group() not in COMPARATORS:
            raise self.fail(f"unknown comparison {comparator.group()!r}")
        self.pos = comparator.end()
        return Comparison(selector.group(), comparator.group(), self.argument())

    def argument(self) -> str:
        if self.pos < len(self.text) and self.text[self.pos] in "\"'":
            quote = self.text[self.pos]
            end = self.text.find(quote, self.pos + 1)
            if end < 0:
                raise self.fail("unterminated quoted value")
            value = self.text[self.pos + 1:end]
            self.pos = end + 1
            return value
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in _RESERVED:
            self.pos += 1
        if self.pos == start:
            raise self.fail("expected a value")
        return self.text[start:self.pos]

    def peek(self, char: str) -> bool:
        return self.pos < len(self.text) and self.text[self.pos] == char


def parse(text: str) -> Node:
    return _Parser(text).parse()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _wildcard(pattern: str) -> Callable[[str], bool]:
    """Whether a text matches `pattern` (`*` is any run of characters), in linear time.

    Not a regex: `.*a.*a.*a...` backtracks exponentially on a miss, so a short query could hang a worker.
    """
    first, *middle = pattern.split("*")
    if not middle:
        return lambda text: text == pattern
    last = middle.pop()

    def match(text: str) -> bool:
        if len(text) < len(first) + len(last) or not text.startswith(first) or not text.endswith(last):
            return False
        pos, end = len(first), len(text) - len(last)
        for part in middle:  # leftmost match of each inner part leaves the most room for the rest
            found = text.find(part, pos, end)
            if found < 0:
                return False
            pos = found + len(part)
        return True
    return match


def _ordered(left: Any, right: str) -> tuple[Any, Any]:
    """Compare as numbers when both sides are numbers, else as text."""
    try:
        return float(_text(left)), float(right)
    except ValueError:
        return _text(left), right


def _compile(node: Node, getters: Mapping[str, Getter]) -> Callable[[Any], bool]:
    if isinstance(node, Combination):
        parts = [_compile(operand, getters) for operand in node.operands]
        if node.operator == "and":
            return lambda item: all(part(item) for part in parts)
        return lambda item: any(part(item) for part in parts)
    getter = getters.get(node.selector)
    if getter is None:
        raise BadRequest(f"Invalid FIQL query: unknown field {node.selector!r}; "
                         f"known fields: {', '.join(sorted(getters))}")
    if node.comparator in ("==", "!="):
        matches = _wildcard(node.argument)
        wanted = node.comparator == "=="
        return lambda item: matches(_text(getter(item))) == wanted
    compare = {"=lt=": lambda a, b: a < b, "=le=": lambda a, b: a <= b,
               "=gt=": lambda a, b: a > b, "=ge=": lambda a, b: a >= b}[node.comparator]

    def ordered(item: Any) -> bool:
        left, right = _ordered(getter(item), node.argument)
        return compare(left, right)
    return ordered


def compile_filter(text: str | None, getters: Mapping[str, Getter]) -> Callable[[Any], bool]:
    """A predicate for `text`; no filter (None) keeps everything."""
    if text is None:
        return lambda item: True
    return _compile(parse(text), getters)
