"""Forward pass, back-propagation and gradient descent, in the homework's notation.

Each backward rule sits right below its forward rule (as in micrograd): the local derivative
times the upstream gradient. All functions are pure: they return new arrays.

One instance is the homework's case: x (d,), y (q,). A mini-batch stacks m instances as rows,
X (m, d) and Y (m, q), and the same rules apply row by row: ``x @ W + b`` is Wᵀx + b for one
instance and X W + 1 bᵀ for a batch. The batch loss is the mean of the instances' losses
(PyTorch's ``reduction="mean"``), so every per-row gradient carries a factor 1/m, and the
parameter gradients sum over the rows: ∂Loss/∂W = Xᵀ ∂Loss/∂OUT. A single vector takes
exactly the homework's path (m = 1, no batch axis), number for number.
"""

from __future__ import annotations

import math

import numpy as np

from solver.errors import DivergedError
from solver.instance import Params, Problem
from solver.solution import Backward, Forward, Solution, Step


# h = W1ᵀx + b1                                   (1.1)
# For a batch H = X W1 + 1 b1ᵀ: row r is hᵀ of instance r.
def linear(W: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Affine map Wᵀx + b for W (k, j), b (j,), x (k,); rows X (m, k) give X W + 1bᵀ (m, j)."""
    return x @ W + b


# ∂Loss/∂W = x (∂Loss/∂out)ᵀ,  ∂Loss/∂b = ∂Loss/∂out,  ∂Loss/∂x = W ∂Loss/∂out.
# For a batch each parameter sums its rows' gradients: ∂Loss/∂W = Xᵀ ∂Loss/∂OUT,
# ∂Loss/∂b = (∂Loss/∂OUT)ᵀ 1, and ∂Loss/∂X = ∂Loss/∂OUT Wᵀ, row by row.
def linear_backward(W: np.ndarray, x: np.ndarray, d_out: np.ndarray):
    """Gradients of an affine map: (dW (k, j), db (j,), dx like x) for upstream d_out like out."""
    rows, d_rows = _rows(x), _rows(d_out)
    return rows.T @ d_rows, d_rows.sum(axis=0), d_out @ W.T


def _rows(values: np.ndarray) -> np.ndarray:
    """A batch as it is, one instance as a batch of one row: (m, k) or (1, k)."""
    return values.reshape(-1, values.shape[-1])


# a = ReLU(h)                                      (1.2)
def relu(h: np.ndarray) -> np.ndarray:
    return np.maximum(h, 0.0)


# ReLU'(h) = 1 where h > 0, else 0: ReLU'(0) = 0, as PyTorch's relu backward.
def relu_mask(h: np.ndarray) -> np.ndarray:
    return (h > 0).astype(float)


# ŷ = Softmax(z) = exp(z − μ) / Σₖ exp(zₖ − μ) for μ = max z          (1.4)
def softmax_parts(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(max z, exp(z − max z), their sum, ln Softmax(z)): the shift keeps all finite.

    For rows Z (m, q), each row on its own: the max and the sum are (m,).
    """
    z_max = z.max(axis=-1)
    shifted = z - _per_row(z_max)
    exp_shifted = np.exp(shifted)
    exp_sum = exp_shifted.sum(axis=-1)
    return z_max, exp_shifted, exp_sum, shifted - np.log(_per_row(exp_sum))


def _per_row(values: np.ndarray | float) -> np.ndarray:
    """One number per row (m,), as a column (m, 1) that meets every entry of its row."""
    return values[..., None]


# yˢ = (1 − ε) y + ε/q, as PyTorch's cross_entropy(label_smoothing=ε).
def smooth_labels(y: np.ndarray, epsilon: float) -> np.ndarray:
    return (1.0 - epsilon) * y + epsilon / y.shape[-1]


# Loss = −Σ yˢᵢ ln ŷᵢ;  ∂Loss/∂ŷᵢ = −yˢᵢ / ŷᵢ
# For a batch Loss = (1/m) Σᵣ Lossᵣ, the mean of the rows' losses: ∂Loss/∂Ŷ = −Yˢ / (m Ŷ).
def cross_entropy(y_smooth: np.ndarray, log_y_hat: np.ndarray) -> tuple[np.ndarray, float]:
    """(each instance's loss, their mean): (m,) and a number, or a number twice."""
    losses = -np.vecdot(y_smooth, log_y_hat)
    return losses, float(losses.sum() / losses.size)


# Softmax and cross-entropy together: ∂Loss/∂zⱼ = Σᵢ (−yˢᵢ/ŷᵢ) ŷᵢ(δᵢⱼ − ŷⱼ) = ŷⱼ Σᵢ yˢᵢ − yˢⱼ,
# and Σᵢ yˢᵢ = (1 − ε)·1 + q·ε/q = 1, so ∂Loss/∂z = ŷ − yˢ; for the mean over m rows,
# ∂Loss/∂Z = (Ŷ − Yˢ)/m.
def softmax_cross_entropy_backward(
    y_hat: np.ndarray, y_smooth: np.ndarray, m: int = 1
) -> np.ndarray:
    return (y_hat - y_smooth) / m


def forward(params: Params, x: np.ndarray, y: np.ndarray, epsilon: float) -> Forward:
    """Feed x (d,) through the network, y (q,) the one-hot target; or rows X (m, d), Y (m, q)."""
    h = linear(params.W1, params.b1, x)
    a = relu(h)
    z = linear(params.W2, params.b2, a)
    z_max, exp_shifted, exp_sum, log_y_hat = softmax_parts(z)
    y_smooth = smooth_labels(y, epsilon)
    losses, loss = cross_entropy(y_smooth, log_y_hat)
    return Forward(
        h=h,
        a=a,
        z=z,
        exp_shifted=exp_shifted,
        exp_sum=exp_sum,
        y_hat=exp_shifted / _per_row(exp_sum),
        log_y_hat=log_y_hat,
        y_smooth=y_smooth,
        loss=loss,
        z_max=z_max,
        losses=losses,
    )


def backward(params: Params, x: np.ndarray, fwd: Forward) -> Backward:
    """Back-propagate from the loss to every parameter, keeping each intermediate."""
    m = len(_rows(x))
    # ŷᵢ may underflow to (nearly) 0: −yˢᵢ/ŷᵢ is then shown as −∞, and never used below.
    # A class with yˢᵢ = 0 (ε = 0) has no term in the loss: its derivative is 0, not 0/0.
    with np.errstate(divide="ignore", over="ignore"):
        dy_hat = np.divide(
            -fwd.y_smooth, m * fwd.y_hat, out=np.zeros_like(fwd.y_hat), where=fwd.y_smooth != 0
        )
    dz = softmax_cross_entropy_backward(fwd.y_hat, fwd.y_smooth, m)
    dW2, db2, da = linear_backward(params.W2, fwd.a, dz)
    mask = relu_mask(fwd.h)
    dh = da * mask
    dW1, db1, _ = linear_backward(params.W1, x, dh)
    grads = Params(W1=dW1, b1=db1, W2=dW2, b2=db2)
    return Backward(dy_hat=dy_hat, dz=dz, da=da, relu_mask=mask, dh=dh, grads=grads)


def gradient_step(params: Params, grads: Params, learning_rate: float) -> Params:
    """θ ← θ − η ∇θ Loss, for every parameter; returns new arrays."""
    gradients = grads.as_dict()
    return Params(**{k: v - learning_rate * gradients[k] for k, v in params.as_dict().items()})


def loss_at(params: Params, x: np.ndarray, y: np.ndarray, epsilon: float) -> float:
    """The loss alone, for finite differences."""
    return forward(params, x, y, epsilon).loss


def train(problem: Problem) -> tuple[Step, ...]:
    """``problem.steps`` steps of gradient descent from the given parameters θ¹.

    Step t records Loss(θᵗ), the loss where it starts, and θᵗ⁺¹ = θᵗ − η ∇θ Loss(θᵗ).

    Raises:
        DivergedError: a loss or a parameter is no longer finite (the learning rate is too
            large for the instance).
    """
    return solve(problem).trajectory


def _descend(problem: Problem, first: Step) -> tuple[Step, ...]:
    """The run, from its first step (already computed in full) to ``problem.steps``."""
    params, steps = first.params, [first]
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below, once
        for _ in range(problem.steps - 1):
            fwd = forward(params, problem.x, problem.y, problem.epsilon)
            grads = backward(params, problem.x, fwd).grads
            params = gradient_step(params, grads, problem.learning_rate)
            steps.append(Step(loss=fwd.loss, params=params))
    _check_finite(steps, problem.learning_rate)
    return tuple(steps)


def _finite(step: Step) -> bool:
    return math.isfinite(step.loss) and all(
        np.isfinite(v).all() for v in step.params.as_dict().values()
    )


def _check_finite(steps: list[Step], learning_rate: float) -> None:
    """Raise if the run overflowed. θ − ηg keeps an inf or a nan for good, so it is enough to
    look at every loss and the last parameters; the loop stays lean."""
    if all(math.isfinite(step.loss) for step in steps) and _finite(steps[-1]):
        return
    t = next(t for t, step in enumerate(steps, 1) if not _finite(step))
    raise DivergedError(
        f"training.learning_rate: gradient descent with η = {learning_rate:g} diverged at "
        f"step {t}: a loss or a parameter overflowed; try a smaller learning rate"
    )


def solve(problem: Problem) -> Solution:
    """Forward pass, backward pass and the first step of gradient descent in full, then every
    further step of the run (``problem.steps``)."""
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is reported once
        fwd = forward(problem.params, problem.x, problem.y, problem.epsilon)
        bwd = backward(problem.params, problem.x, fwd)
        updated = gradient_step(problem.params, bwd.grads, problem.learning_rate)
    trajectory = _descend(problem, Step(loss=fwd.loss, params=updated))
    return Solution(
        problem=problem, forward=fwd, backward=bwd, updated=updated, trajectory=trajectory
    )
