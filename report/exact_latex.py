r"""The exact forms Problem 2 shows, read back: a parser of exactly the LaTeX that
report.exact_forms writes (SymPy's printer on sums of e^{rational}), evaluated in mpmath.

A kept form (orchestration.exact's cache) reaches the document only through here: its text
must be in this grammar, and its value must be the value kept beside it, which is itself
compared with float64 at every build. So a damaged or edited entry is refused, never shown.

    expr    := ["-"] term (("+" | "-") term)*
    term    := power power*                      (juxtaposition multiplies)
    power   := atom ["^{" expr "}"]
    atom    := integer | "e" | "\frac{" expr "}{" expr "}"
             | "\ln{\left(" expr "\right)}" | "\left(" expr "\right)"

SymPy-free (a kept form is read without importing SymPy) and rows are made here, for fresh
forms and kept ones alike: each label and decimal is this build's, only the form is kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import mpmath
from pylatex.utils import NoEscape

from solver.exactness import PRECISION
from solver.solution import Solution

SHORT = 64  # characters of LaTeX an exact form may take to be shown beside its decimal
TOKEN = re.compile(
    r" *(\\frac\{|\\ln\{\\left\(|\\left\(|\\right\)\}|\\right\)|\^\{|[0-9]+|[-+e{}])"
)
# Where each kept form belongs: the label Problem 2 gives it, by quantity and index.
LABELS = {
    "y_hat": lambda i: rf"\hat{{y}}_{{{i + 1}}}",
    "loss": lambda i: r"\Loss",
    "dz": lambda i: rf"\pd{{\Loss}}{{z_{{{i + 1}}}}}",
}
PARTS = {"forward": ("y_hat", "loss"), "backward": ("dz",)}


def value_of(latex: str) -> mpmath.mpf:
    r"""The value of an exact form, at PRECISION digits; ValueError when the text is not
    in the grammar (or longer than SHORT).

    >>> mpmath.nstr(value_of(r"\frac{1}{1 + e^{-3} + e}"), 10)
    '0.2653879288'
    >>> mpmath.nstr(value_of(r"\ln{\left(1 + 2 e^{- \frac{1}{2}} \right)} - \frac{3}{10}"), 8)
    '0.49437677'
    >>> value_of(r"\href{x}{1}")
    Traceback (most recent call last):
    ValueError: not an exact form at character 0
    """
    if len(latex) > SHORT:
        raise ValueError(f"an exact form longer than {SHORT} characters")
    tokens, at = [], 0
    while at < len(latex.rstrip()):
        match = TOKEN.match(latex, at)
        if match is None:
            raise ValueError(f"not an exact form at character {at}")
        tokens.append(match.group(1))
        at = match.end()
    with mpmath.workdps(PRECISION + 10):
        reader = _Reader(tokens)
        value = reader.expr()
        if reader.at != len(tokens):
            raise ValueError(f"not an exact form: {tokens[reader.at]!r} left over")
        return +value


class _Reader:
    """Recursive descent over the tokens, evaluating as it goes."""

    def __init__(self, tokens: list[str]):
        self.tokens, self.at = tokens, 0

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, expected: str) -> None:
        if self.peek() != expected:
            raise ValueError(f"not an exact form: {expected!r} expected, not {self.peek()!r}")
        self.at += 1

    def expr(self) -> mpmath.mpf:
        sign = 1
        if self.peek() == "-":
            self.take("-")
            sign = -1
        value = sign * self.term()
        while self.peek() in ("+", "-"):
            op = self.peek()
            self.take(op)
            value = value + self.term() if op == "+" else value - self.term()
        return value

    def term(self) -> mpmath.mpf:
        value = self.power()
        while self.peek() is not None and (
            self.peek().isdigit() or self.peek() in ("e", "\\frac{", "\\ln{\\left(", "\\left(")
        ):
            value *= self.power()
        return value

    def power(self) -> mpmath.mpf:
        base = self.atom()
        if self.peek() == "^{":
            self.take("^{")
            exponent = self.expr()
            self.take("}")
            if abs(exponent) > 10**6:
                raise ValueError("not an exact form: an exponent out of range")
            return base**exponent
        return base

    def atom(self) -> mpmath.mpf:
        token = self.peek()
        if token is not None and token.isdigit():
            self.at += 1
            return mpmath.mpf(int(token))
        if token == "e":
            self.at += 1
            return mpmath.e
        if token == "\\frac{":
            self.take(token)
            numerator = self.expr()
            self.take("}")
            self.take("{")
            denominator = self.expr()
            self.take("}")
            if denominator == 0:
                raise ValueError("not an exact form: a division by zero")
            return numerator / denominator
        if token == "\\ln{\\left(":
            self.take(token)
            argument = self.expr()
            self.take("\\right)}")
            if argument <= 0:
                raise ValueError("not an exact form: the log of a number that is not positive")
            return mpmath.log(argument)
        if token == "\\left(":
            self.take(token)
            value = self.expr()
            self.take("\\right)")
            return value
        raise ValueError(f"not an exact form: {token!r} where a number was expected")


Forms = dict[str, list[tuple[str, int, str]]]  # part → (quantity, index, LaTeX) per row


def exact_rows(forms: Forms, solution: Solution, fnum: Callable[[float], NoEscape]) -> dict:
    """Problem 2's rows ``label = exact form ≈ decimal`` for ``forms`` (each already read
    by :func:`value_of`): the label and the decimal (float64's, rounded) are this build's."""
    fwd, bwd = solution.forward, solution.backward
    floats = {"y_hat": fwd.y_hat, "loss": [fwd.loss], "dz": bwd.dz}
    return {
        part: [
            {
                "label": NoEscape(LABELS[name](index)),
                "exact": NoEscape(latex),
                "decimal": fnum(float(floats[name][index])),
            }
            for name, index, latex in forms[part]
        ]
        for part in PARTS
    }
