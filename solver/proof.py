"""Problem 1's closed forms, proved with SymPy at a small shape, for every network.

The closed forms are those Problem 1 derives: the output error for the loss (ŷ − yˢ,
(2/q)(ŷ − y) or (1/q)(σ(z) − y)), the recursion δ_l = (W_{l+1} δ_{l+1}) ⊙ f_l′(h_l), and
∂Loss/∂W_l = a_{l−1} δ_lᵀ, ∂Loss/∂b_l = δ_l.

Every entry of x, y, the weights and biases (and ε, and leaky ReLU's slope) is a symbol;
SymPy differentiates the whole loss by every weight and bias, and the difference to the
closed form must cancel to exactly 0. The transcendental functions are kept whole
(solver.kept_whole) so that the difference is a rational function of them: exp, σ and tanh
are functions whose derivatives are written in themselves (exp′ = exp, σ′ = σ(1 − σ),
tanh′ = 1 − tanh²), and after differentiating, each application is renamed to a positive
symbol; an identity between rational functions of free symbols holds in particular at their
true values. (``simplify`` on the raw difference took ~10 s at (2, 3, 3); this ~1 s.)

ReLU and leaky ReLU are a fixed pattern of slopes, 0/1 or α/1: SymPy would differentiate
``Max(h, 0)`` to ``Heaviside(h)``, and ``Heaviside(0) = 1/2``, while our convention (and
PyTorch's) is ReLU′(0) = 0. On the inputs with that pattern the network is exactly the one
written here, and at 0 the pattern gives PyTorch's derivative; the proof runs over every
pattern. A one-hot target is proved for each of the q classes. The shape is small, every
width 2 by default: the closed forms are the same formulas at every shape, entry by entry.
SymPy is imported here, in solver.exact_values and in report.exact_forms only.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import sympy as sp

from solver.activations import ACTIVATIONS
from solver.kept_whole import Exp, Sig, Tanh
from solver.losses import LOSSES

WIDTH = 2  # every layer's width in the proof


@dataclass(frozen=True)
class NetworkProof:
    """The verdict: how many entry-wise identities were checked, and whether all hold."""

    widths: tuple[int, ...]
    activations: tuple[str, ...]
    loss: str
    holds: bool
    identities: int
    patterns: int  # slope patterns of the (leaky) ReLU layers covered
    classes: int  # the hot classes of a one-hot target covered (1: y is all symbols)
    seconds: float


def _symbols(name: str, rows: int, cols: int | None = None) -> sp.Matrix:
    if cols is None:
        return sp.Matrix([sp.Symbol(f"{name}_{i + 1}", real=True) for i in range(rows)])
    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{i + 1}{j + 1}", real=True))


def _patterns(activations: tuple[str, ...], widths: tuple[int, ...], alpha: sp.Symbol):
    """Every slope pattern of the piecewise-linear layers (None for the smooth ones)."""
    choices = []
    for name, width in zip(activations, widths[1:-1], strict=True):
        pieces = ACTIVATIONS[name].pieces
        if pieces is None:
            choices.append([None])
            continue
        slopes = [alpha if piece == "alpha" else piece for piece in pieces]
        choices.append(list(itertools.product(slopes, repeat=width)))
    return list(itertools.product(*choices))


def _activate(name: str, h: sp.Matrix, pattern) -> tuple[sp.Matrix, sp.Matrix]:
    """(a, f′(h)) for a layer: a pattern of slopes for a piecewise-linear unit, else the
    function's own symbolic form."""
    if pattern is not None:
        slopes = sp.Matrix(list(pattern))
        return h.multiply_elementwise(slopes), slopes
    pairs = [ACTIVATIONS[name].symbolic(v) for v in h]
    return sp.Matrix([a for a, _ in pairs]), sp.Matrix([slope for _, slope in pairs])


def _output(loss: str, z: sp.Matrix, y: sp.Matrix, epsilon: sp.Symbol):
    """(the loss as the homework's formulas write it, the closed-form ∂Loss/∂z)."""
    return LOSSES[loss].symbolic(z, y, epsilon)


def _renamed(expr: sp.Expr, names: dict) -> sp.Expr:
    """Each application of Exp, Sig or Tanh replaced by its own positive symbol."""

    def rename(application):
        if application not in names:
            names[application] = sp.Symbol(f"F{len(names)}", positive=True)
        return names[application]

    return expr.replace(lambda e: isinstance(e, Exp | Sig | Tanh), rename)


def prove_network(widths: tuple[int, ...], activations: tuple[str, ...], loss: str) -> NetworkProof:
    """Check the closed forms against SymPy's derivative of the loss, entry by entry, for
    every slope pattern of the (leaky) ReLU layers. A one-hot target (cross-entropy) is
    proved for each class; for the other losses every yᵢ is a symbol."""
    start = time.perf_counter()
    q = widths[-1]
    hots = range(q) if LOSSES[loss].one_hot else [None]
    holds, identities, patterns = True, 0, 0
    for hot in hots:
        one = _prove(widths, activations, loss, hot)
        holds, identities, patterns = holds and one[0], identities + one[1], one[2]
    return NetworkProof(
        widths=tuple(widths),
        activations=tuple(activations),
        loss=loss,
        holds=holds,
        identities=identities,
        patterns=patterns,
        classes=len(hots),
        seconds=time.perf_counter() - start,
    )


def _prove(
    widths: tuple[int, ...], activations: tuple[str, ...], loss: str, hot: int | None
) -> tuple[bool, int, int]:
    """(whether every identity holds, how many were checked, how many slope patterns) for
    one target: class ``hot`` of a one-hot y, or (None) every yᵢ a symbol."""
    alpha, epsilon = sp.Symbol("alpha", positive=True), sp.Symbol("epsilon", real=True)
    layers = len(widths) - 1
    W = [_symbols(f"W{k + 1}", widths[k], widths[k + 1]) for k in range(layers)]
    b = [_symbols(f"b{k + 1}", widths[k + 1]) for k in range(layers)]
    x = _symbols("x", widths[0])
    q = widths[-1]
    y = _symbols("y", q) if hot is None else sp.Matrix([int(i == hot) for i in range(q)])
    holds, identities = True, 0
    patterns = _patterns(activations, widths, alpha)
    for pattern in patterns:
        a, inputs, slopes = x, [x], []
        for k, name in enumerate(activations):
            a, slope = _activate(name, W[k].T * a + b[k], pattern[k])
            inputs.append(a)
            slopes.append(slope)
        z = W[-1].T * a + b[-1]
        value, delta = _output(loss, z, y, epsilon)
        for k in range(layers - 1, -1, -1):
            closed = {f"W{k + 1}": inputs[k] * delta.T, f"b{k + 1}": delta}
            for name, form in closed.items():
                variables = W[k] if name[0] == "W" else b[k]
                for index in itertools.product(*(range(n) for n in variables.shape)):
                    derivative = sp.diff(value, variables[index])
                    names: dict = {}
                    difference = _renamed(derivative - form[index], names)
                    identities += 1
                    if sp.cancel(sp.together(difference)) != 0:
                        holds = False
            if k:
                delta = (W[k] * delta).multiply_elementwise(slopes[k - 1])
    return holds, identities, len(patterns)


def proof_widths(hidden_layers: int) -> tuple[int, ...]:
    """The small shape the proof runs at: every layer WIDTH wide."""
    return (WIDTH,) * (hidden_layers + 2)
