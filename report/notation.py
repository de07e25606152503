"""How the network's parts are named: in formulas (LaTeX) and in words (each activation's
and loss's names are in its registry entry: solver.activations, solver.losses)."""

from __future__ import annotations

from pylatex.utils import NoEscape


def param_tex(name: str) -> NoEscape:
    r"""``W2`` as ``\vect{W}_{2}``.

    >>> print(param_tex("b3"))
    \vect{b}_{3}
    """
    return NoEscape(rf"\vect{{{name[0]}}}_{{{name[1:]}}}")
