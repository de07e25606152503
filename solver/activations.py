"""The hidden units' activations: one entry each, holding everything about it.

An entry is the float64 rule and its derivative (as PyTorch's forward and backward compute
them), the same pair in high-precision arithmetic (mpmath) and in SymPy for the proof, how
the text names it (its symbol, its words, its definition and the derivation of its slope,
as TeX written in the templates' own delimiters), and whether it has a kink that variants
and the gradient check must treat with care. Nothing else in the project branches on an
activation's name: adding one is one entry here (and its tests), as scikit-learn keeps
``ACTIVATIONS`` and ``DERIVATIVES`` in one table.

``alpha`` is the network's ``negative_slope`` (leaky ReLU's α); the others ignore it.
SymPy is imported only when a symbolic form is asked for (it takes a while to import).
The module grows by one entry per activation (about 40 lines: four forms and their text);
that is its reason to pass ~300 lines, as solver/losses.py's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Activation:
    """One activation a = f(h), entry by entry, and all that is said about it."""

    name: str  # as the config writes it (PyTorch's name)
    forward: Callable[[np.ndarray, float], np.ndarray]  # (h, α) → a = f(h)
    slope: Callable[[np.ndarray, np.ndarray, float], np.ndarray]  # (h, a, α) → f′(h)
    precise: Callable  # (h, α, mpmath) → (f(h), f′(h)) in mpmath numbers
    # Piecewise-linear units: their slopes (for h ≤ 0, for h > 0), "alpha" for α; the proof
    # then covers every pattern of slopes. None for a smooth unit, which has ``symbolic``.
    pieces: tuple | None
    symbolic: Callable | None  # h (SymPy) → (f(h), f′(h)), functions kept whole
    symbol: str  # TeX, in formulas: \ReLU
    words: str  # in the text: "leaky ReLU"
    definition: str  # TeX, as the problem sheet defines it, t a real number
    derivation: str  # TeX in the templates' delimiters: Step 2's item on f′
    # A kink at h = 0 with a flat or shallow side: variants keep some units on each side,
    # and central differences are not trusted next to it.
    kinked: bool = False
    convention: str = ""  # TeX: the appendix's item on a convention it follows, if any
    # Whether solver.exact_values writes a layer of it in exact rationals (a 0/1 mask).
    exact_forms: bool = False
    # A squashing unit: |h| past which its slope is below 1% of its largest, so that the
    # step barely moves what feeds it (a class's draw keeps h inside it: solver.draw).
    saturates_past: float | None = None

    @property
    def uses_alpha(self) -> bool:
        """Whether the network's ``negative_slope`` α is part of this activation."""
        return self.pieces is not None and "alpha" in self.pieces


# a = ReLU(h) = max(h, 0)                                      (1.2)
# ReLU′(h) = 1 where h > 0, else 0: ReLU′(0) = 0, as PyTorch's relu backward.
def relu(h: np.ndarray, alpha: float = 0.0) -> np.ndarray:
    return np.maximum(h, 0.0)


def relu_mask(h: np.ndarray) -> np.ndarray:
    return (h > 0).astype(float)


def _relu_slope(h: np.ndarray, a: np.ndarray, alpha: float) -> np.ndarray:
    return relu_mask(h)


# Leaky ReLU: h where h > 0, else α·h; its slope 1 where h > 0, else α: leaky ReLU′(0) = α,
# as PyTorch's backward.
def _leaky_relu(h: np.ndarray, alpha: float) -> np.ndarray:
    return np.where(h > 0, h, alpha * h)


def _leaky_relu_slope(h: np.ndarray, a: np.ndarray, alpha: float) -> np.ndarray:
    return np.where(h > 0, 1.0, alpha)


# σ(h) = 1/(1 + e^{−h}), through e^{−|h|} so that no exponential overflows; σ′ = σ(1 − σ).
def sigmoid(h: np.ndarray, alpha: float = 0.0) -> np.ndarray:
    e = np.exp(-np.abs(h))
    return np.where(h >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _sigmoid_slope(h: np.ndarray, a: np.ndarray, alpha: float) -> np.ndarray:
    return a * (1.0 - a)


# tanh′ = 1 − tanh², written through a = tanh(h) as one computes it by hand.
def _tanh(h: np.ndarray, alpha: float) -> np.ndarray:
    return np.tanh(h)


def _tanh_slope(h: np.ndarray, a: np.ndarray, alpha: float) -> np.ndarray:
    return 1.0 - a * a


def _identity(h: np.ndarray, alpha: float) -> np.ndarray:
    return np.array(h, dtype=float)


def _identity_slope(h: np.ndarray, a: np.ndarray, alpha: float) -> np.ndarray:
    return np.ones_like(h, dtype=float)


# Softplus(h) = ln(1 + e^h), as PyTorch's F.softplus (β = 1, threshold 20): h itself where
# h > 20, where the two differ by less than e^{−20} ≈ 2.1e-9. Its slope is e^h/(1 + e^h) =
# σ(h), and 1 past the threshold (PyTorch's backward). logaddexp keeps e^h from overflowing.
SOFTPLUS_THRESHOLD = 20


def _softplus(h: np.ndarray, alpha: float) -> np.ndarray:
    return np.where(h > SOFTPLUS_THRESHOLD, h, np.logaddexp(0.0, h))


def _softplus_slope(h: np.ndarray, a: np.ndarray, alpha: float) -> np.ndarray:
    return np.where(h > SOFTPLUS_THRESHOLD, 1.0, sigmoid(h))


# SiLU(h) = h·σ(h), as PyTorch's F.silu (the swish of β = 1): its slope is
# σ(h) + h·σ(h)(1 − σ(h)) = σ(h)(1 + h(1 − σ(h))).
def _silu(h: np.ndarray, alpha: float) -> np.ndarray:
    return h * sigmoid(h)


def _silu_slope(h: np.ndarray, a: np.ndarray, alpha: float) -> np.ndarray:
    return sigmoid(h) * (1.0 + h * sigmoid(-h))  # 1 − σ(h) as σ(−h): no cancellation


# The same rules in mpmath numbers, with PyTorch's conventions at the kinks.
def _relu_precise(h, alpha, mp):
    return (h, 1) if h > 0 else (mp.mpf(0), 0)


def _leaky_relu_precise(h, alpha, mp):
    return (h, 1) if h > 0 else (alpha * h, alpha)


def _sigmoid_precise(h, alpha, mp):
    a = 1 / (1 + mp.exp(-h))
    return a, a * (1 - a)


def _tanh_precise(h, alpha, mp):
    a = mp.tanh(h)
    return a, 1 - a * a


def _identity_precise(h, alpha, mp):
    return h, 1


def _softplus_precise(h, alpha, mp):
    if h > SOFTPLUS_THRESHOLD:
        return h, 1
    e = mp.exp(h)
    return mp.log(1 + e), e / (1 + e)


def _silu_precise(h, alpha, mp):
    s = 1 / (1 + mp.exp(-h))
    return h * s, s * (1 + h * (1 - s))


# The smooth ones in SymPy, each transcendental function kept whole (solver.kept_whole) so
# that the proof can rename each application to a symbol.
def _sigmoid_symbolic(h):
    from solver.kept_whole import Sig

    a = Sig(h)
    return a, a * (1 - a)


def _tanh_symbolic(h):
    from solver.kept_whole import Tanh

    a = Tanh(h)
    return a, 1 - a**2


def _identity_symbolic(h):
    return h, 1


def _silu_symbolic(h):
    from solver.kept_whole import Sig

    s = Sig(h)
    return h * s, s * (1 + h * (1 - s))


def _softplus_symbolic(h):
    import sympy as sp

    from solver.kept_whole import Exp

    e = Exp(h)
    return sp.log(1 + e), e / (1 + e)


_TOOLS = r"\BLOCK{if tools}"

ACTIVATIONS: dict[str, Activation] = {
    entry.name: entry
    for entry in (
        Activation(
            name="relu",
            forward=relu,
            slope=_relu_slope,
            precise=_relu_precise,
            pieces=(0, 1),
            symbolic=None,
            symbol=r"\ReLU",
            words="ReLU",
            definition=r"\ReLU(t) = \max(0, t)",
            derivation=r"""$\ReLU(h) = \max(0, h)$ has slope $1$ for $h > 0$ and $0$ for $h < 0$;
    at the kink $h = 0$ we take $\ReLU'(0) = 0$"""
            + _TOOLS
            + r""", as PyTorch does\BLOCK{endif} (any value in $[0, 1]$ is a valid
    subgradient there): $\ReLU'(\vect{h}) = \mathbf{1}[\vect{h} > 0]$, so the gradient
    passes through the neurons with $h_k > 0$ and is cut at the others.""",
            kinked=True,
            convention=r"$\ReLU'(0) = 0$, as PyTorch's \texttt{relu} backward.",
            exact_forms=True,
        ),
        Activation(
            name="leaky_relu",
            forward=_leaky_relu,
            slope=_leaky_relu_slope,
            precise=_leaky_relu_precise,
            pieces=("alpha", 1),
            symbolic=None,
            symbol=r"\LeakyReLU",
            words="leaky ReLU",
            definition=r"\LeakyReLU(t) = \max(\alpha t, t)",
            derivation=r"""$\LeakyReLU(h) = h$ for $h > 0$ and $\alpha h$ for $h \le 0$, with slope
    $\alpha = \VAR{negative_slope}$: its derivative is $1$ for $h > 0$ and $\alpha$ for
    $h \le 0$ (at $h = 0$ the slope $\alpha$"""
            + _TOOLS
            + r""", as PyTorch's backward\BLOCK{endif}).""",
            kinked=True,
            convention=r"""The leaky ReLU's derivative at $0$ is its slope, as PyTorch's
  \texttt{leaky\_relu} backward.""",
        ),
        Activation(
            name="sigmoid",
            forward=sigmoid,
            slope=_sigmoid_slope,
            precise=_sigmoid_precise,
            pieces=None,
            symbolic=_sigmoid_symbolic,
            symbol=r"\sigma",
            words="sigmoid",
            definition=r"\sigma(t) = \frac{1}{1 + e^{-t}}",
            derivation=r"""$\sigma(h) = (1 + e^{-h})^{-1}$: by the chain rule
    $\sigma'(h) = e^{-h} (1 + e^{-h})^{-2} = \sigma(h) \cdot \frac{e^{-h}}{1 + e^{-h}}
    = \sigma(h) \bigl(1 - \sigma(h)\bigr)$, so $\sigma'(\vect{h}) = \vect{a} \odot (1 - \vect{a})$
    with $\vect{a} = \sigma(\vect{h})$, already computed.""",
            saturates_past=6.0,  # σ'(6) = 0.0025 = 1% of σ'(0)
        ),
        Activation(
            name="tanh",
            forward=_tanh,
            slope=_tanh_slope,
            precise=_tanh_precise,
            pieces=None,
            symbolic=_tanh_symbolic,
            symbol=r"\tanh",
            words="tanh",
            definition=r"\tanh(t) = \frac{e^{t} - e^{-t}}{e^{t} + e^{-t}}",
            derivation=r"""$\tanh(h) = \sinh h / \cosh h$: by the quotient rule
    $\tanh'(h) = (\cosh^2 h - \sinh^2 h) / \cosh^2 h = 1 - \tanh^2 h$, so
    $\tanh'(\vect{h}) = 1 - \vect{a} \odot \vect{a}$ with $\vect{a} = \tanh(\vect{h})$.""",
            saturates_past=3.0,  # tanh'(3) = 0.0099 = 1% of tanh'(0)
        ),
        Activation(
            name="identity",
            forward=_identity,
            slope=_identity_slope,
            precise=_identity_precise,
            pieces=None,
            symbolic=_identity_symbolic,
            symbol=r"\operatorname{id}",
            words="identity",
            definition=r"\operatorname{id}(t) = t",
            derivation=r"""The identity $\operatorname{id}(h) = h$ has slope $1$ everywhere:
    $\operatorname{id}'(\vect{h}) = \mathbf{1}$.""",
        ),
        Activation(
            name="softplus",
            forward=_softplus,
            slope=_softplus_slope,
            precise=_softplus_precise,
            pieces=None,
            symbolic=_softplus_symbolic,
            symbol=r"\operatorname{softplus}",
            words="softplus",
            definition=r"\operatorname{softplus}(t) = \ln(1 + e^{t})",
            derivation=r"""$\operatorname{softplus}(h) = \ln(1 + e^{h})$: by the chain rule
    $\operatorname{softplus}'(h) = \frac{e^{h}}{1 + e^{h}} = \frac{1}{1 + e^{-h}} = \sigma(h)$,
    the sigmoid of the same input, so
    $\operatorname{softplus}'(\vect{h}) = \sigma(\vect{h})$. For $h > 20$ we take
    $\operatorname{softplus}(h) = h$ and slope $1$, which differ from these by less than
    $e^{-20} \approx 2 \cdot 10^{-9}$"""
            + _TOOLS
            + r""", as PyTorch does\BLOCK{endif}.""",
            convention=r"""Softplus is $h$ itself for $h > 20$, with slope $1$, as PyTorch's
  \texttt{softplus} (threshold $20$).""",
        ),
        Activation(
            name="silu",
            forward=_silu,
            slope=_silu_slope,
            precise=_silu_precise,
            pieces=None,
            symbolic=_silu_symbolic,
            symbol=r"\operatorname{SiLU}",
            words="SiLU",
            definition=r"\operatorname{SiLU}(t) = t\, \sigma(t) = \frac{t}{1 + e^{-t}}",
            derivation=r"""$\operatorname{SiLU}(h) = h\, \sigma(h)$: by the product rule, with
    $\sigma' = \sigma (1 - \sigma)$,
    $\operatorname{SiLU}'(h) = \sigma(h) + h\, \sigma(h)\bigl(1 - \sigma(h)\bigr)$, so
    $\operatorname{SiLU}'(\vect{h}) = \sigma(\vect{h}) \odot
    \bigl(\mathbf{1} + \vect{h} \odot (\mathbf{1} - \sigma(\vect{h}))\bigr)$.""",
        ),
    )
}


# The homework's hidden layer, and every layer's when a config names none.
DEFAULT = "relu"
