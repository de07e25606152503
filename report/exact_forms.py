"""The exact values (solver.exact_values) as LaTeX: the forms Problem 2 shows beside its
decimals, ``label = exact form ≈ decimal``, where a form is short enough to be worth it.

SymPy is loaded here because its LaTeX printer writes the forms; the values themselves
come from the solver.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp
from sympy.printing.latex import LatexPrinter

from report.exact_latex import SHORT, Forms
from solver.exact_values import ExactValues


class _LatexPrinter(LatexPrinter):
    """SymPy's LaTeX, except that c·e^{-k} stays "c e^{-k}" rather than becoming c/e^{k}."""

    def _print_Mul(self, expr: sp.Expr) -> str:
        coeff, rest = expr.as_coeff_Mul()
        if isinstance(rest, sp.exp) and coeff.is_Rational and rest.args[0].is_negative:
            if coeff == -1:
                return "- " + self._print(rest)
            return f"{self._print(coeff)} {self._print(rest)}"
        return super()._print_Mul(expr)


def latex_of(expr: sp.Expr) -> str:
    r"""The exact form as LaTeX: sums in the order they were built, ``\ln`` for the log.

    >>> print(latex_of(1 / sp.Add(1, sp.exp(-3), sp.E, evaluate=False)))
    \frac{1}{1 + e^{-3} + e}
    >>> print(latex_of(sp.Add(1, -9 * sp.exp(-3), sp.E, evaluate=False)))
    1 - 9 e^{-3} + e
    """
    return _LatexPrinter({"order": "none", "ln_notation": True}).doprint(expr)


def is_short(expr: sp.Expr, max_chars: int = 40) -> bool:
    """True when the LaTeX of the exact form has at most ``max_chars`` characters.

    >>> is_short(sp.Rational(-13)), is_short(sp.log(sp.Add(*[sp.exp(k) for k in range(9)])))
    (True, False)
    """
    return len(latex_of(expr)) <= max_chars


def shortest(forms: Sequence[sp.Expr]) -> sp.Expr:
    """Of several equal forms, the one whose LaTeX is shortest (the first among equals)."""
    return min(forms, key=lambda e: len(latex_of(e)))


def short_forms(exact: ExactValues) -> Forms:
    """The forms Problem 2 shows beside its decimals, where short (report.exact_latex makes
    the rows): ŷ, the loss and ∂Loss/∂z, each as (quantity, index, LaTeX)."""
    forward = [("y_hat", i, e) for i, e in enumerate(exact.y_hat)] + [("loss", 0, exact.loss)]
    backward = [("dz", i, shortest(forms)) for i, forms in enumerate(exact.dz_forms)]
    return {
        part: [(name, i, latex_of(form)) for name, i, form in entries if is_short(form, SHORT)]
        for part, entries in (("forward", forward), ("backward", backward))
    }
