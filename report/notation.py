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


def hidden_vector(letter: str, l: int, hidden_layers: int) -> NoEscape:
    r"""Hidden layer l's vector ``letter`` (h or a, or H, A for a batch's rows): numbered,
    except the one hidden layer of a shallow network, named as the homework names it.

    >>> print(hidden_vector("h", 1, 1), hidden_vector("A", 2, 3))
    \vect{h} \vect{A}_{2}
    """
    return NoEscape(rf"\vect{{{letter}}}" + ("" if hidden_layers == 1 else f"_{{{l}}}"))


def equation_numbers(hidden_layers: int) -> dict[str, NoEscape]:
    """Problem 1's equation numbers, consecutive whatever the depth: with no hidden layer there
    is no (1.1) of h_l nor (1.2) of a_l, so z is (1.1) and the rest move up by two.

    >>> no_hidden, deep = equation_numbers(0), equation_numbers(2)
    >>> print(no_hidden["loss"], deep["loss"], no_hidden["backward"], deep["backward"])
    1.2 1.4 (1.3)--(1.4) (1.5)--(1.7)
    """
    names = ("h", "a", "z", "loss", "dz", "grads", "recursion")
    if hidden_layers == 0:
        names = names[2:-1]
    eq = {name: NoEscape(f"1.{k}") for k, name in enumerate(names, 1)}
    first = eq.get("h", eq["z"])
    last = eq.get("recursion", eq["grads"])
    eq["forward"] = NoEscape(f"({first})--({eq['z']})" if hidden_layers else f"({eq['z']})")
    eq["backward"] = NoEscape(f"({eq['dz']})--({last})")
    return eq
