r"""The expressions of a computational-graph exercise, read into a graph of scalar nodes by a
parser of this project: it accepts exactly the grammar below and evaluates nothing.

::

    expression := term (("+" | "-") term)*
    term       := factor (("*" | "/") factor)*
    factor     := "-" factor | power            (−x² is −(x²), as in mathematics)
    power      := atom (("^" | "**") exponent)?  (one power: (x^2)^3 needs its brackets)
    exponent   := "-"? integer | "(" "-"? integer ")"    (a whole number, 1 ≤ |n| ≤ 16)
    atom       := number | name | function "(" expression ("," expression)* ")"
                | "(" expression ")"

A name is an input (a key of [graph.values]) or an intermediate defined in [graph] before the
expression that uses it; a function is one of solver.graph_ops.FUNCTIONS. Python's eval,
SymPy's ``sympify`` and ``parse_expr`` are never called on the text (they run Python): a
character outside the grammar, an attribute, a call of anything but a known function, a
string, a lambda, all stop the parser at their first character with one line naming the
position (1-based) and what was expected there. The text, the nesting and the graph are
bounded before anything grows with them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from solver.graph_ops import FUNCTIONS, OPERATIONS, OPERATORS
from solver.reading import Invalid

MAX_CHARACTERS = 300  # an expression's length
MAX_DEPTH = 24  # brackets and signs inside one another
MAX_NODES = 40  # the whole graph: inputs, constants and operations (a page of drawing)
MAX_EXPONENT = 16
_TOKEN = re.compile(
    r"\s*(?:(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<name>[A-Za-z][A-Za-z0-9]*)"
    r"|(?P<op>\*\*|[-+*/^(),]))"
)


@dataclass(frozen=True)
class Node:
    """One node of the graph: an input, a constant, or an operation of earlier nodes."""

    op: str  # "input", "const", or a key of solver.graph_ops.OPERATIONS
    inputs: tuple[int, ...] = ()  # the nodes it takes, by index, in order
    name: str | None = None  # an input's name, or the intermediate's the config gives it
    constant: float | None = None  # a constant's value
    exponent: int | None = None  # a power's n
    field: str = ""  # the config's key it is read from, "graph.f", for messages
    position: int | None = None  # where its text starts there (1-based); None: an input


@dataclass(frozen=True)
class Graph:
    """The nodes in an order where every node comes after its inputs; the output is last."""

    nodes: tuple[Node, ...]
    inputs: tuple[str, ...]  # the input names, in [graph.values]'s order

    @property
    def output(self) -> int:
        return len(self.nodes) - 1


@dataclass(frozen=True)
class _Token:
    kind: str  # "number", "name", "op", "end"
    text: str
    position: int  # 1-based


def _tokens(text: str, field: str) -> list[_Token]:
    if len(text) > MAX_CHARACTERS:
        raise Invalid(f"expected at most {MAX_CHARACTERS} characters, got {len(text)}", field)
    tokens, at = [], 0
    while at < len(text):
        if text[at:].strip() == "":
            break
        match = _TOKEN.match(text, at)
        if match is None:
            start = at + len(text[at:]) - len(text[at:].lstrip())
            raise Invalid(
                f"position {start + 1}: unexpected character {text[start]!r} (expected a "
                "number, a name, an operator + - * / ^, a bracket or a comma)",
                field,
            )
        kind = match.lastgroup
        tokens.append(_Token(kind, match[kind], match.start(kind) + 1))
        at = match.end()
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{0,15}")


def _check_name(name: str, field: str) -> None:
    """A name is a letter, then letters and digits, 16 at most, and not a function's."""
    if not _NAME.fullmatch(name):
        raise Invalid(
            "expected a name of a letter then letters or digits, 16 at most (x, w0, q)", field
        )
    if name in FUNCTIONS:
        raise Invalid(f"{name} is a function's name: name it otherwise", field)


class _Parser:
    """Recursive descent over one expression's tokens, adding its nodes to the graph's."""

    def __init__(self, text: str, field: str, nodes: list[Node], names: Mapping[str, int]):
        self.tokens, self.at, self.field = _tokens(text, field), 0, field
        self.nodes, self.names, self.depth = nodes, names, 0

    # -- the tokens
    @property
    def token(self) -> _Token:
        return self.tokens[self.at]

    def _fail(self, expected: str) -> Invalid:
        token = self.token
        got = "the end" if token.kind == "end" else repr(token.text)
        return Invalid(f"position {token.position}: expected {expected}, got {got}", self.field)

    def _take(self, *texts: str) -> _Token | None:
        if self.token.kind == "op" and self.token.text in texts:
            self.at += 1
            return self.tokens[self.at - 1]
        return None

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Invalid(
                f"position {self.token.position}: nested deeper than {MAX_DEPTH} levels",
                self.field,
            )

    def _add(self, node: Node) -> int:
        if len(self.nodes) >= MAX_NODES:
            raise Invalid(
                f"the graph has more than {MAX_NODES} nodes (inputs, constants and "
                "operations): a graph a student draws by hand is smaller",
                self.field,
            )
        self.nodes.append(node)
        return len(self.nodes) - 1

    def _node(self, op: str, token: _Token, inputs: tuple[int, ...] = (), **known) -> int:
        """A node of this expression whose text starts at ``token``, added to the graph."""
        return self._add(Node(op, inputs, field=self.field, position=token.position, **known))

    # -- the grammar
    def parse(self) -> int:
        root = self.expression()
        if self.token.kind != "end":
            raise self._fail("an operator + - * / ^ or the end")
        return root

    def expression(self) -> int:
        return self._chain(self.term, ("+", "-"))

    def term(self) -> int:
        return self._chain(self.factor, ("*", "/"))

    def _chain(self, operand, signs: tuple[str, ...]) -> int:
        """operand (sign operand)*, read left to right: x − y − z is (x − y) − z."""
        left = operand()
        while (token := self.token) and (sign := self._take(*signs)):
            right = operand()
            left = self._node(OPERATORS[sign.text], token, (left, right))
        return left

    def factor(self) -> int:
        token = self.token
        if self._take("-"):
            self._enter()
            inner = self.factor()
            self.depth -= 1
            return self._node("neg", token, (inner,))
        return self.power()

    def power(self) -> int:
        base = self.atom()
        token = self.token
        if not self._take("^", "**"):
            return base
        bracketed = self._take("(")
        negative = self._take("-")
        if self.token.kind != "number" or not self.token.text.isdigit():
            raise self._fail("a whole-number exponent")
        n = int(self.token.text[:6]) * (-1 if negative else 1)  # [:6]: a huge one stays cheap
        if not 1 <= abs(n) <= MAX_EXPONENT or len(self.token.text) > 6:
            raise Invalid(
                f"position {self.token.position}: expected an exponent from {-MAX_EXPONENT} "
                f"to {MAX_EXPONENT}, not 0, got {'-' if negative else ''}{self.token.text[:20]}",
                self.field,
            )
        self.at += 1
        if bracketed and not self._take(")"):
            raise self._fail("')' after the exponent")
        if self.token.kind == "op" and self.token.text in ("^", "**"):
            raise Invalid(
                f"position {self.token.position}: a power of a power needs brackets, as (x^2)^3",
                self.field,
            )
        return self._node("pow", token, (base,), exponent=n)

    def atom(self) -> int:
        token = self.token
        if token.kind == "number":
            self.at += 1
            value = float(token.text)  # digits: never nan, inf when past float64
            if math.isinf(value):
                raise Invalid(f"position {token.position}: the number is too large", self.field)
            return self._node("const", token, constant=value)
        if token.kind == "name":
            self.at += 1
            if token.text in FUNCTIONS:
                return self.call(token)
            if self.token.kind == "op" and self.token.text == "(":
                known = ", ".join(FUNCTIONS)
                raise Invalid(
                    f"position {token.position}: {token.text} is not a function (the "
                    f"functions are {known})",
                    self.field,
                )
            if token.text not in self.names:
                raise Invalid(
                    f"position {token.position}: unknown name {token.text} (expected an input "
                    "of [graph.values] or a name defined above in [graph])",
                    self.field,
                )
            return self.names[token.text]
        if self._take("("):
            self._enter()
            inner = self.expression()
            self.depth -= 1
            if not self._take(")"):
                raise self._fail("')'")
            return inner
        raise self._fail("a number, a name, a function or '('")

    def call(self, function: _Token) -> int:
        if not self._take("("):
            raise self._fail(f"'(' after {function.text}")
        self._enter()
        arguments = [self.expression()]
        while self._take(","):
            arguments.append(self.expression())
        self.depth -= 1
        if not self._take(")"):
            raise self._fail("',' or ')'")
        arity = OPERATIONS[function.text].arity
        if len(arguments) != arity:
            raise Invalid(
                f"position {function.position}: {function.text} takes {arity} "
                f"argument{'s' * (arity > 1)}, got {len(arguments)}",
                self.field,
            )
        return self._node(function.text, function, tuple(arguments))


def parse_graph(definitions: Mapping[str, str], inputs: Sequence[str]) -> Graph:
    """The graph of ``definitions`` ({"q": "x + y", "f": "q*z"}: [graph]'s expressions, in
    order, the output ``f`` last) over the ``inputs`` (their names).

    Raises:
        Invalid: a name or an expression the grammar does not accept, an intermediate the
            output does not use, an input no expression uses, a graph past the bounds.
    """
    nodes: list[Node] = []
    names: dict[str, int] = {}
    for name in inputs:
        _check_name(name, f"graph.values.{name}")
        if name in definitions:
            raise Invalid(
                f"{name} is an input and an expression: name one of them otherwise",
                f"graph.values.{name}",
            )
        nodes.append(Node("input", name=name, field=f"graph.values.{name}"))
        names[name] = len(nodes) - 1
    if "f" not in definitions:
        raise Invalid("expected f, the output's expression", "graph")
    order = [key for key in definitions if key != "f"] + ["f"]
    for key in order:
        field = f"graph.{key}"
        _check_name(key, field)
        text = definitions[key]
        if not isinstance(text, str):
            raise Invalid(f"expected an expression in a string, got {type(text).__name__}", field)
        root = _Parser(text, field, nodes, names).parse()
        node = nodes[root]
        if node.op in ("input", "const") or node.name is not None:
            raise Invalid("expected an operation, got a single name or number", field)
        nodes[root] = replace(node, name=key)
        names[key] = root
    used = {i for node in nodes for i in node.inputs}
    for key, index in names.items():
        if key != "f" and index not in used:
            field = f"graph.values.{key}" if key in inputs else f"graph.{key}"
            raise Invalid("defined but never used on the way to f", field)
    return Graph(tuple(nodes), tuple(inputs))  # f parsed last: its root is the last node
