"""The data that flows through the pipeline: plain frozen dataclasses of numpy arrays.

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
    """The network's parameters: W1 (d, n), b1 (n,), W2 (n, q), b2 (q,)."""

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


@dataclass(frozen=True)
class Forward:
    """Every intermediate of the forward pass, each (q,) or (n,) as in the homework.

    Softmax goes through the max-shifted exponentials: ``z_max = max z``, ``exp_shifted =
    exp(z − max z)``, ``exp_sum`` their sum, so ``y_hat = exp_shifted / exp_sum`` and
    ``log_y_hat`` = ln ŷ stay finite for any finite logits.

    For a mini-batch each array has one row per instance, (m, q) or (m, n); ``z_max``,
    ``exp_sum`` and ``losses`` (each instance's loss) are (m,), and ``loss`` is their mean.
    For one instance ``z_max``, ``exp_sum`` and ``losses`` are numbers, ``losses == loss``.
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
    z_max: float | np.ndarray
    losses: float | np.ndarray


@dataclass(frozen=True)
class Backward:
    """Every intermediate gradient of the loss, named after what it is taken with respect to.

    ``y_hat`` is ∂Loss/∂ŷ (q,), ``z`` is ∂Loss/∂z (q,), ``a`` (n,), ``h`` (n,), ``relu_mask``
    is ReLU'(h) (n,), and ``params`` holds ∂Loss/∂W1, ∂Loss/∂b1, ∂Loss/∂W2, ∂Loss/∂b2.
    For a mini-batch they are the gradients of the mean loss with respect to the stacked
    rows, (m, q) or (m, n): each row carries the factor 1/m, e.g. ``z`` is (Ŷ − Yˢ)/m.
    """

    y_hat: np.ndarray
    z: np.ndarray
    a: np.ndarray
    relu_mask: np.ndarray
    h: np.ndarray
    params: Params


@dataclass(frozen=True)
class Step:
    """One step of gradient descent, θᵗ → θᵗ⁺¹: ``loss`` is Loss(θᵗ), at the parameters the
    step starts from, and ``params`` is θᵗ⁺¹, where it ends."""

    loss: float
    params: Params


@dataclass(frozen=True)
class Solution:
    """The worked solution: the forward and backward passes and the parameters after the
    first step, in full; then the whole run, one :class:`Step` per step of gradient descent
    (``trajectory[0].params`` equals ``updated``)."""

    problem: Problem
    forward: Forward
    backward: Backward
    updated: Params
    trajectory: tuple[Step, ...] = ()

    @property
    def final(self) -> Params:
        """The parameters after the last step (``updated`` when there is only one)."""
        return self.trajectory[-1].params if self.trajectory else self.updated


@dataclass(frozen=True)
class ExactSummary:
    """What the report shows of the exact values (solver.exact.summarize), as plain data:
    reading it needs no SymPy, so it can come back from another process cheaply.

    ``y_hat`` and ``d_z`` hold the LaTeX of each entry's exact form, ``None`` where it is not
    short; ``loss`` likewise; ``agreement`` is the largest relative difference between the
    exact values and the float64 solution.
    """

    y_hat: tuple[str | None, ...]
    loss: str | None
    d_z: tuple[str | None, ...]
    agreement: float
