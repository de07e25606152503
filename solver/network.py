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

from solver.activations import ACTIVATIONS, DEFAULT, sigmoid
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


# MSE: ŷ = z, Loss = (1/q) Σᵢ (ŷᵢ − yᵢ)², for a batch the mean over all m·q entries, as
# PyTorch's mse_loss: ∂Loss/∂ŷ = ∂Loss/∂z = 2(ŷ − y)/(m q).
def mse(y_hat: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """(each instance's loss, their mean)."""
    losses = ((y_hat - y) ** 2).mean(axis=-1)
    return losses, float(losses.sum() / losses.size)


# Binary cross-entropy on logits: ŷ = σ(z), Loss = −(1/q) Σᵢ [yᵢ ln ŷᵢ + (1 − yᵢ) ln(1 − ŷᵢ)],
# for a batch the mean over all m·q entries, as binary_cross_entropy_with_logits. Each term is
# max(z, 0) − y z + ln(1 + e^{−|z|}), finite for any z. With the sigmoid folded in,
# ∂Loss/∂zᵢ = (1/(mq)) (−yᵢ/ŷᵢ + (1 − yᵢ)/(1 − ŷᵢ)) ŷᵢ(1 − ŷᵢ) = (σ(zᵢ) − yᵢ)/(m q).
def binary_cross_entropy(z: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """(each instance's loss, their mean), from the logits."""
    terms = np.maximum(z, 0.0) - y * z + np.log1p(np.exp(-np.abs(z)))
    losses = terms.mean(axis=-1)
    return losses, float(losses.sum() / losses.size)


def _over(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, with ±∞ (never nan) where the denominator underflowed to 0:
    shown as such in the report, never used further."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = numerator / denominator
    infinite = np.copysign(np.inf, numerator)
    return np.where(denominator != 0, out, np.where(numerator != 0, infinite, 0.0))


def forward(
    params: Params,
    x: np.ndarray,
    y: np.ndarray,
    epsilon: float,
    *,
    activations: tuple[str, ...] | None = None,
    negative_slope: float = 0.01,
    loss: str = "cross_entropy",
) -> Forward:
    """Feed x (d,) through the network, y (q,) the target; or rows X (m, d), Y (m, q).

    ``activations`` names each hidden layer's (default: ReLU for every one).
    """
    names = activations or (DEFAULT,) * (params.layers - 1)
    hs, outs, a = [], [], x
    for (W, b), name in zip(
        zip(params.weights[:-1], params.biases[:-1], strict=True), names, strict=True
    ):
        h = linear(W, b, a)  # h_l = W_lᵀ a_{l−1} + b_l
        a = ACTIVATIONS[name].forward(h, negative_slope)  # a_l = f_l(h_l), (1.2)
        hs.append(h)
        outs.append(a)
    z = linear(params.weights[-1], params.biases[-1], a)  # z = W_{L+1}ᵀ a_L + b_{L+1}
    layers = {"hs": tuple(hs), "activations": tuple(outs), "z": z}
    if loss == "mse":
        losses, mean = mse(z, y)
        return Forward(**layers, y_hat=z, loss=mean, losses=losses)
    if loss == "binary_cross_entropy":
        losses, mean = binary_cross_entropy(z, y)
        return Forward(**layers, y_hat=sigmoid(z), loss=mean, losses=losses)
    z_max, exp_shifted, exp_sum, log_y_hat = softmax_parts(z)
    y_smooth = smooth_labels(y, epsilon)
    losses, mean = cross_entropy(y_smooth, log_y_hat)
    return Forward(
        **layers,
        y_hat=exp_shifted / _per_row(exp_sum),
        loss=mean,
        losses=losses,
        exp_shifted=exp_shifted,
        exp_sum=exp_sum,
        log_y_hat=log_y_hat,
        y_smooth=y_smooth,
        z_max=z_max,
    )


def _output_gradients(fwd: Forward, y: np.ndarray, loss: str, m: int):
    """(∂Loss/∂ŷ, ∂Loss/∂z) for the loss, with the mean's 1/m (and 1/q) taken in."""
    if loss == "mse":
        q = fwd.z.shape[-1]
        dz = 2.0 * (fwd.y_hat - y) / (m * q)
        return dz, dz  # ŷ = z
    if loss == "binary_cross_entropy":
        q = fwd.z.shape[-1]
        dz = (fwd.y_hat - y) / (m * q)
        return _over(dz, fwd.y_hat * (1.0 - fwd.y_hat)), dz
    # ŷᵢ may underflow to (nearly) 0: −yˢᵢ/ŷᵢ is then shown as −∞, and never used below.
    # A class with yˢᵢ = 0 (ε = 0) has no term in the loss: its derivative is 0, not 0/0.
    dy_hat = _over(-fwd.y_smooth, m * fwd.y_hat)
    return dy_hat, softmax_cross_entropy_backward(fwd.y_hat, fwd.y_smooth, m)


def backward(
    params: Params,
    x: np.ndarray,
    fwd: Forward,
    *,
    y: np.ndarray | None = None,
    activations: tuple[str, ...] | None = None,
    negative_slope: float = 0.01,
    loss: str = "cross_entropy",
) -> Backward:
    """Back-propagate from the loss to every parameter, keeping each intermediate.

    The target ``y`` is needed for MSE and binary cross-entropy (cross-entropy's is in
    ``fwd.y_smooth``).
    """
    m = len(_rows(x))
    names = activations or (DEFAULT,) * (params.layers - 1)
    dy_hat, dz = _output_gradients(fwd, y, loss, m)
    inputs = (x, *fwd.activations)  # a_0 = x, a_1, …, a_L
    grads_W, grads_b, das, slopes, dhs = [], [], [], [], []
    d_out = dz
    for layer in range(params.layers - 1, -1, -1):  # from the output layer back to the first
        dW, db, d_in = linear_backward(params.weights[layer], inputs[layer], d_out)
        grads_W.insert(0, dW)
        grads_b.insert(0, db)
        if layer == 0:
            break
        # δ_l = (W_{l+1} δ_{l+1}) ⊙ f_l′(h_l): through hidden layer l's activation
        h, a = fwd.hs[layer - 1], fwd.activations[layer - 1]
        slope = ACTIVATIONS[names[layer - 1]].slope(h, a, negative_slope)
        d_out = d_in * slope
        das.insert(0, d_in)
        slopes.insert(0, slope)
        dhs.insert(0, d_out)
    grads = Params(weights=grads_W, biases=grads_b)
    return Backward(
        dy_hat=dy_hat, dz=dz, das=tuple(das), slopes=tuple(slopes), dhs=tuple(dhs), grads=grads
    )


def forward_of(problem: Problem, params: Params | None = None) -> Forward:
    """The forward pass of ``problem``'s network and data, at ``params`` (default: its own)."""
    return forward(
        problem.params if params is None else params,
        problem.x,
        problem.y,
        problem.epsilon,
        activations=problem.activations,
        negative_slope=problem.negative_slope,
        loss=problem.loss,
    )


def backward_of(problem: Problem, fwd: Forward, params: Params | None = None) -> Backward:
    """The backward pass of ``problem``'s network from its forward pass ``fwd``."""
    return backward(
        problem.params if params is None else params,
        problem.x,
        fwd,
        y=problem.y,
        activations=problem.activations,
        negative_slope=problem.negative_slope,
        loss=problem.loss,
    )


def gradient_step(params: Params, grads: Params, learning_rate: float) -> Params:
    """θ ← θ − η ∇θ Loss, for every parameter; returns new arrays."""
    gradients = grads.as_dict()
    return Params(**{k: v - learning_rate * gradients[k] for k, v in params.as_dict().items()})


def loss_at(problem: Problem, params: Params) -> float:
    """The loss of ``problem`` at ``params`` alone, for finite differences."""
    return forward_of(problem, params).loss


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
            fwd = forward_of(problem, params)
            grads = backward_of(problem, fwd, params).grads
            params = gradient_step(params, grads, problem.learning_rate)
            steps.append(Step(loss=fwd.loss, params=params))
    _check_finite(steps, problem.learning_rate)
    return tuple(steps)


def _forward_finite(fwd: Forward) -> bool:
    """Whether every value of the forward pass is finite (the logits' overflow included)."""
    values = [*fwd.hs, *fwd.activations, fwd.z]
    return math.isfinite(fwd.loss) and all(np.isfinite(v).all() for v in values)


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
        fwd = forward_of(problem)
        if not _forward_finite(fwd):
            raise DivergedError(
                "network: the forward pass overflows float64 at the given parameters "
                "(a value past ±1.8e308): use smaller weights or inputs"
            )
        bwd = backward_of(problem, fwd)
        updated = gradient_step(problem.params, bwd.grads, problem.learning_rate)
    trajectory = _descend(problem, Step(loss=fwd.loss, params=updated))
    return Solution(
        problem=problem, forward=fwd, backward=bwd, updated=updated, trajectory=trajectory
    )
