"""How the network's parts are named: in formulas (LaTeX) and in words."""

from __future__ import annotations

from pylatex.utils import NoEscape

# How each activation and loss is named in the text and in formulas.
ACTIVATION_TEX = {
    "relu": r"\ReLU",
    "leaky_relu": r"\LeakyReLU",
    "sigmoid": r"\sigma",
    "tanh": r"\tanh",
    "identity": r"\operatorname{id}",
}
ACTIVATION_WORDS = {
    "relu": "ReLU",
    "leaky_relu": "leaky ReLU",
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "identity": "identity",
}
# Each function as the problem sheet defines it (entry-wise; t a real number).
FUNCTION_DEFINITION = {
    "relu": r"\ReLU(t) = \max(0, t)",
    "leaky_relu": r"\LeakyReLU(t) = \max(\alpha t, t)",
    "sigmoid": r"\sigma(t) = \frac{1}{1 + e^{-t}}",
    "tanh": r"\tanh(t) = \frac{e^{t} - e^{-t}}{e^{t} + e^{-t}}",
    "identity": r"\operatorname{id}(t) = t",
    "softmax": r"\Softmax(\vect{z})_i = \frac{\exp(z_i)}{\sum_{k=1}^{q} \exp(z_k)}",
}
LOSS_WORDS = {
    "cross_entropy": "softmax and cross-entropy with label smoothing",
    "mse": "mean squared error",
    "binary_cross_entropy": "sigmoid and binary cross-entropy",
}


def param_tex(name: str) -> NoEscape:
    r"""``W2`` as ``\vect{W}_{2}``.

    >>> print(param_tex("b3"))
    \vect{b}_{3}
    """
    return NoEscape(rf"\vect{{{name[0]}}}_{{{name[1:]}}}")
