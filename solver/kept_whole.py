"""Transcendental functions kept whole, for the proofs (solver.proof, solver.network_proof).

Each is SymPy's function minus its automatic simplifications: its derivative is written in
itself (exp′ = exp, σ′ = σ(1 − σ), tanh′ = 1 − tanh²), and nothing merges or rewrites it, so
after differentiating every application is still whole and the proofs rename each one to a
symbol: the difference of two forms is then a rational function of symbols, whose equality
SymPy decides exactly.
"""

from __future__ import annotations

import sympy as sp


class Exp(sp.Function):
    """exp(u), kept as one unevaluated factor: d/du Exp(u) = Exp(u), and nothing else.

    SymPy's own ``exp`` rewrites ``exp(u)·exp(v)`` as ``exp(u + v)``, which would hide the
    factors ``exp(zₖ)`` the proof renames to symbols.

    >>> u = sp.Symbol("u")
    >>> sp.diff(Exp(2 * u), u), Exp(u).rewrite(sp.exp)
    (2*Exp(2*u), exp(u))
    """

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return self

    def _eval_rewrite_as_exp(self, arg: sp.Expr, **kwargs) -> sp.Expr:
        return sp.exp(arg)

    def _eval_is_positive(self) -> bool | None:
        return self.args[0].is_extended_real


class Sig(sp.Function):
    """σ(u), kept whole: d/du σ(u) = σ(u)(1 − σ(u))."""

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return self * (1 - self)


class Tanh(sp.Function):
    """tanh(u), kept whole: d/du tanh(u) = 1 − tanh(u)²."""

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return 1 - self**2
