"""The data that flows through the pipeline: plain frozen dataclasses of numpy arrays.

Shapes follow the homework: ``W1`` is d×n, ``h = W1ᵀx + b1``; ``W2`` is n×q, ``z = W2ᵀa + b2``.
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
    """The network's parameters: W1 (d, n), b1 (n,), W2 (n, q), b2 (q,)."""

    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray

    def as_dict(self) -> dict[str, np.ndarray]:
        return {"W1": self.W1, "b1": self.b1, "W2": self.W2, "b2": self.b2}


@dataclass(frozen=True)
class Problem:
    """One instance: input x (d,), one-hot y (q,), initial parameters, hyper-parameters."""

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


@dataclass(frozen=True)
class Forward:
    """Every intermediate of the forward pass, each (q,) or (n,) as in the homework.

    Softmax goes through the max-shifted exponentials: ``exp_shifted = exp(z − max z)``,
    ``exp_sum`` their sum, so ``y_hat = exp_shifted / exp_sum`` and ``log_y_hat`` = ln ŷ
    stay finite for any finite logits.
    """

    h: np.ndarray
    a: np.ndarray
    z: np.ndarray
    exp_shifted: np.ndarray
    exp_sum: float
    y_hat: np.ndarray
    log_y_hat: np.ndarray
    y_smooth: np.ndarray
    loss: float


@dataclass(frozen=True)
class Backward:
    """Every intermediate gradient of the loss, named after what it is taken with respect to.

    ``y_hat`` is ∂Loss/∂ŷ (q,), ``z`` is ∂Loss/∂z (q,), ``a`` (n,), ``h`` (n,), ``relu_mask``
    is ReLU'(h) (n,), and ``params`` holds ∂Loss/∂W1, ∂Loss/∂b1, ∂Loss/∂W2, ∂Loss/∂b2.
    """

    y_hat: np.ndarray
    z: np.ndarray
    a: np.ndarray
    relu_mask: np.ndarray
    h: np.ndarray
    params: Params


@dataclass(frozen=True)
class Solution:
    """The worked solution: the forward and backward passes and the parameters after the step."""

    problem: Problem
    forward: Forward
    backward: Backward
    updated: Params
