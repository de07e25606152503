"""The instance a build starts from: plain frozen dataclasses of numpy arrays.

Shapes follow the homework: ``W1`` is d×n, ``h = W1ᵀx + b1``; ``W2`` is n×q, ``z = W2ᵀa + b2``.
A mini-batch stacks m instances as rows: ``X`` is m×d and ``H = X W1 + 1 b1ᵀ`` is m×n, each
row one instance's ``hᵀ``; every per-instance array gains a leading axis of length m.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

HOMEWORK_TITLE = "Machine Learning Course 2024 Spring, Homework 3"


@dataclass(frozen=True)
class ReportInfo:
    """Strings for the title block, as the user typed them (escaped later, by the report)."""

    title: str = "Solutions to Homework 3"
    author: str = ""
    course: str = HOMEWORK_TITLE
    date: str = ""
    decimals: int = 4


@dataclass(frozen=True)
class Params:
    """The network's parameters: W1 (d, n), b1 (n,), W2 (n, q), b2 (q,).

    Also their gradients, and their exact values (SymPy matrices, in solver.exact_values):
    the container does not care what kind of array it holds.
    """

    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray

    def as_dict(self) -> dict[str, np.ndarray]:
        return {"W1": self.W1, "b1": self.b1, "W2": self.W2, "b2": self.b2}


@dataclass(frozen=True)
class Problem:
    """The instance: input x (d,) and one-hot y (q,), or a mini-batch of rows X (m, d) and
    Y (m, q); initial parameters; hyper-parameters, ``steps`` of gradient descent among them."""

    x: np.ndarray
    y: np.ndarray
    params: Params
    epsilon: float
    learning_rate: float
    steps: int = 1
    report: ReportInfo = field(default_factory=ReportInfo)

    @property
    def shape(self) -> tuple[int, int, int]:
        """(d, n, q): input, hidden and output widths."""
        d, n = self.params.W1.shape
        return d, n, self.params.W2.shape[1]

    @property
    def batch(self) -> bool:
        """Whether x is a mini-batch of rows (m, d) rather than the homework's one vector (d,)."""
        return self.x.ndim == 2

    @property
    def m(self) -> int:
        """The number of instances: the rows of a mini-batch, 1 for a single vector."""
        return self.x.shape[0] if self.batch else 1
