"""What solving an instance gives: the forward and backward passes and the run of gradient
descent, as plain frozen dataclasses of numpy arrays (shapes as in solver.instance)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from solver.instance import Params, Problem


@dataclass(frozen=True)
class Forward:
    """Every intermediate of the forward pass, each (q,) or (n_l,) as in the homework.

    ``hs[l-1]`` and ``activations[l-1]`` are h_l and a_l = f_l(h_l) of hidden layer l (none
    for L = 0); ``h`` and ``a`` are those of the first hidden layer, the homework's.
    ``z`` are the output units, ``y_hat`` the prediction: Softmax(z) for cross-entropy, z for
    MSE, σ(z) for binary cross-entropy.

    Cross-entropy only (None otherwise): softmax goes through the max-shifted exponentials,
    ``z_max = max z``, ``exp_shifted = exp(z − max z)``, ``exp_sum`` their sum, so
    ``y_hat = exp_shifted / exp_sum`` and ``log_y_hat`` = ln ŷ stay finite for any finite
    logits; ``y_smooth`` is the label-smoothed target.

    For a mini-batch each array has one row per instance, (m, q) or (m, n); ``z_max``,
    ``exp_sum`` and ``losses`` (each instance's loss) are (m,), and ``loss`` is their mean.
    For one instance ``z_max``, ``exp_sum`` and ``losses`` are numbers, ``losses == loss``.
    """

    hs: tuple[np.ndarray, ...]
    activations: tuple[np.ndarray, ...]
    z: np.ndarray
    y_hat: np.ndarray
    loss: float
    losses: float | np.ndarray
    exp_shifted: np.ndarray | None = None
    exp_sum: float | np.ndarray | None = None
    log_y_hat: np.ndarray | None = None
    y_smooth: np.ndarray | None = None
    z_max: float | np.ndarray | None = None
    # (λ/2)·Σ_l ‖W_l‖², the L2 penalty ``loss`` includes (0 without one); ``losses`` do not.
    penalty: float = 0.0

    # The first hidden layer's, under the homework's names.
    h = property(lambda self: self.hs[0])
    a = property(lambda self: self.activations[0])


@dataclass(frozen=True)
class Backward:
    """Every intermediate gradient of the loss, named ``d`` + what it is taken with respect to.

    ``dy_hat`` is ∂Loss/∂ŷ (q,), ``dz`` is ∂Loss/∂z (q,); for each hidden layer l,
    ``das[l-1]`` is ∂Loss/∂a_l, ``slopes[l-1]`` is f_l′(h_l) and ``dhs[l-1]`` is ∂Loss/∂h_l
    (n_l,); ``da``, ``relu_mask`` and ``dh`` are the first hidden layer's (the homework's
    ReLU′(h) is its slope). ``grads`` holds ∂Loss/∂W_l and ∂Loss/∂b_l. For a mini-batch they
    are the gradients of the mean loss with respect to the stacked rows, (m, q) or (m, n):
    each row carries the factor 1/m, e.g. ``dz`` is (Ŷ − Yˢ)/m.
    """

    dy_hat: np.ndarray
    dz: np.ndarray
    das: tuple[np.ndarray, ...]
    slopes: tuple[np.ndarray, ...]
    dhs: tuple[np.ndarray, ...]
    grads: Params

    # The first hidden layer's, under the homework's names.
    da = property(lambda self: self.das[0])
    relu_mask = property(lambda self: self.slopes[0])
    dh = property(lambda self: self.dhs[0])


@dataclass(frozen=True)
class Step:
    """One step of the optimizer, θᵗ → θᵗ⁺¹: ``loss`` is Loss(θᵗ), at the parameters the
    step starts from, and ``params`` is θᵗ⁺¹, where it ends.

    With an optimizer that keeps state (solver.optimizers), ``state`` holds it after the
    step, by PyTorch's names ({"exp_avg": Params of m, …}); ``grads`` is ∇Loss(θᵗ) and
    ``shown`` what the solution writes on the way (the intermediates of the optimizer's lines),
    kept for the first few steps only. Plain gradient descent keeps none of these.
    """

    loss: float
    params: Params
    grads: Params | None = None
    state: dict[str, Params] = field(default_factory=dict)
    shown: dict[str, Params] = field(default_factory=dict)


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
