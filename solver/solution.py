"""What solving an instance gives: the forward and backward passes and the run of gradient
descent, as plain frozen dataclasses of numpy arrays (shapes as in solver.instance)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solver.instance import Params, Problem


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
    """Every intermediate gradient of the loss, named ``d`` + what it is taken with respect to.

    ``dy_hat`` is ∂Loss/∂ŷ (q,), ``dz`` is ∂Loss/∂z (q,), ``da`` (n,), ``dh`` (n,),
    ``relu_mask`` is ReLU'(h) (n,), and ``grads`` holds ∂Loss/∂W1, ∂Loss/∂b1, ∂Loss/∂W2,
    ∂Loss/∂b2. For a mini-batch they are the gradients of the mean loss with respect to the
    stacked rows, (m, q) or (m, n): each row carries the factor 1/m, e.g. ``dz`` is
    (Ŷ − Yˢ)/m.
    """

    dy_hat: np.ndarray
    dz: np.ndarray
    da: np.ndarray
    relu_mask: np.ndarray
    dh: np.ndarray
    grads: Params


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
