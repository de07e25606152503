"""The instance a build starts from: plain frozen dataclasses of numpy arrays.

Shapes follow the homework, layer by layer: ``W_l`` is (units in) × (units out),
``h_l = W_lᵀ a_{l−1} + b_l`` with ``a_0 = x`` and ``a_l = f_l(h_l)`` for the L hidden layers,
and the output ``z = W_{L+1}ᵀ a_L + b_{L+1}``. The homework is L = 1: ``W1`` is d×n, ``W2``
is n×q. A mini-batch stacks m instances as rows: ``X`` is m×d and ``H = X W1 + 1 b1ᵀ`` is
m×n, each row one instance's ``hᵀ``; every per-instance array gains a leading axis of m.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from solver.activations import DEFAULT
from solver.losses import DEFAULT as DEFAULT_LOSS
from solver.optimizers import Optimizer

_NAME = re.compile(r"([Wb])([1-9][0-9]*)")


@dataclass(frozen=True, init=False)
class Params:
    """The network's parameters, layer by layer: ``weights[l-1]`` is W_l, ``biases[l-1]`` b_l.

    Built and read by name as in the homework, ``Params(W1=…, b1=…, W2=…, b2=…)`` and
    ``params.W2``; ``as_dict()`` lists them in the order W1, b1, W2, b2, …. Also holds their
    gradients, and their exact values (SymPy matrices, in solver.exact_values): the
    container does not care what kind of array it holds.
    """

    weights: tuple
    biases: tuple

    def __init__(self, weights=(), biases=(), **named) -> None:
        layers = {"W": list(weights), "b": list(biases)}
        for name, value in named.items():
            match = _NAME.fullmatch(name)
            if match is None:
                raise TypeError(f"Params got an unexpected parameter {name!r}")
            kind, index = match[1], int(match[2]) - 1
            layers[kind] += [None] * (index + 1 - len(layers[kind]))
            layers[kind][index] = value
        if len(layers["W"]) != len(layers["b"]) or any(
            v is None for v in layers["W"] + layers["b"]
        ):
            raise TypeError("Params needs W1, b1, …, W_k, b_k, every one of them")
        object.__setattr__(self, "weights", tuple(layers["W"]))
        object.__setattr__(self, "biases", tuple(layers["b"]))

    def __getattr__(self, name: str):
        match = _NAME.fullmatch(name)
        if match is None or "weights" not in self.__dict__:
            raise AttributeError(name)
        layers = self.weights if match[1] == "W" else self.biases
        index = int(match[2]) - 1
        if index >= len(layers):
            raise AttributeError(name)
        return layers[index]

    @property
    def layers(self) -> int:
        """How many weight matrices: L + 1 for L hidden layers."""
        return len(self.weights)

    def as_dict(self) -> dict:
        """``{"W1": …, "b1": …, "W2": …, …}``, layer by layer."""
        out = {}
        for index, (weight, bias) in enumerate(zip(self.weights, self.biases, strict=True), 1):
            out[f"W{index}"], out[f"b{index}"] = weight, bias
        return out


@dataclass(frozen=True)
class Problem:
    """The instance: input x (d,) and target y (q,), or a mini-batch of rows X (m, d) and
    Y (m, q); initial parameters; the network's activations and loss; hyper-parameters,
    ``steps`` of the optimizer among them.

    ``activations`` names each hidden layer's activation (empty: ReLU for every one, the
    homework's); ``negative_slope`` is leaky ReLU's; ``epsilon`` the label smoothing (for
    cross-entropy only, 0 otherwise); ``optimizer`` the update rule and its options
    (solver.optimizers; plain gradient descent by default); ``l2`` the λ of the penalty
    (λ/2)·Σ_l ‖W_l‖² added to the loss (weights only), 0 for none.
    """

    x: np.ndarray
    y: np.ndarray
    params: Params
    epsilon: float
    learning_rate: float
    steps: int = 1
    activations: tuple[str, ...] = ()
    negative_slope: float = 0.01
    loss: str = DEFAULT_LOSS
    optimizer: Optimizer = field(default_factory=Optimizer)
    l2: float = 0.0

    def __post_init__(self) -> None:
        if not self.activations:
            object.__setattr__(self, "activations", (DEFAULT,) * self.hidden_layers)

    @property
    def hidden_layers(self) -> int:
        """L, the number of hidden layers (0 for softmax, linear or logistic regression)."""
        return self.params.layers - 1

    @property
    def shape(self) -> tuple[int, ...]:
        """The widths (d, n1, …, nL, q): for the homework's one hidden layer (d, n, q)."""
        return (self.params.W1.shape[0], *(b.shape[0] for b in self.params.biases))

    @property
    def homework_family(self) -> bool:
        """One ReLU hidden layer and softmax with cross-entropy: the homework's own network."""
        return self.activations == (DEFAULT,) and self.loss == DEFAULT_LOSS

    @property
    def plain_descent(self) -> bool:
        """The homework's step: plain gradient descent on the unpenalized loss."""
        return self.optimizer.plain and not self.l2

    @property
    def batch(self) -> bool:
        """Whether x is a mini-batch of rows (m, d) rather than the homework's one vector (d,)."""
        return self.x.ndim == 2

    @property
    def m(self) -> int:
        """The number of instances: the rows of a mini-batch, 1 for a single vector."""
        return self.x.shape[0] if self.batch else 1
