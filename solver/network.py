"""Forward pass, back-propagation and one gradient-descent step, in the homework's notation.

Each backward rule sits right below its forward rule (as in micrograd): the local derivative
times the upstream gradient. All functions are pure: they return new arrays.
"""

from __future__ import annotations

import numpy as np

from solver.problem import Backward, Forward, Params, Problem, Solution


# h = W1ᵀx + b1                                   (1.1)
def linear(W: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Affine map Wᵀx + b for W (k, m), b (m,), x (k,); returns (m,)."""
    return W.T @ x + b


# ∂Loss/∂W = x (∂Loss/∂out)ᵀ,  ∂Loss/∂b = ∂Loss/∂out,  ∂Loss/∂x = W ∂Loss/∂out
def linear_backward(W: np.ndarray, x: np.ndarray, d_out: np.ndarray):
    """Gradients of an affine map: (dW (k, m), db (m,), dx (k,)) for upstream d_out (m,)."""
    return np.outer(x, d_out), d_out.copy(), W @ d_out


# a = ReLU(h)                                      (1.2)
def relu(h: np.ndarray) -> np.ndarray:
    return np.maximum(h, 0.0)


# ReLU'(h) = 1 where h > 0, else 0: ReLU'(0) = 0, as PyTorch's relu backward.
def relu_mask(h: np.ndarray) -> np.ndarray:
    return (h > 0).astype(float)


# ŷ = Softmax(z) = exp(z − m) / Σₖ exp(zₖ − m) for m = max z          (1.4)
def softmax_parts(z: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """(exp(z − max z), their sum, ln Softmax(z)): the shift keeps all three finite."""
    shifted = z - z.max()
    exp_shifted = np.exp(shifted)
    exp_sum = float(exp_shifted.sum())
    return exp_shifted, exp_sum, shifted - np.log(exp_sum)


# yˢ = (1 − ε) y + ε/q, as PyTorch's cross_entropy(label_smoothing=ε).
def smooth_labels(y: np.ndarray, epsilon: float) -> np.ndarray:
    return (1.0 - epsilon) * y + epsilon / y.size


# Loss = −Σ yˢᵢ ln ŷᵢ;  ∂Loss/∂ŷᵢ = −yˢᵢ / ŷᵢ
def cross_entropy(y_smooth: np.ndarray, log_y_hat: np.ndarray) -> float:
    return float(-(y_smooth @ log_y_hat))


# Softmax and cross-entropy together: ∂Loss/∂zⱼ = Σᵢ (−yˢᵢ/ŷᵢ) ŷᵢ(δᵢⱼ − ŷⱼ) = ŷⱼ Σᵢ yˢᵢ − yˢⱼ,
# and Σᵢ yˢᵢ = (1 − ε)·1 + q·ε/q = 1, so ∂Loss/∂z = ŷ − yˢ.
def softmax_cross_entropy_backward(y_hat: np.ndarray, y_smooth: np.ndarray) -> np.ndarray:
    return y_hat - y_smooth


def forward(params: Params, x: np.ndarray, y: np.ndarray, epsilon: float) -> Forward:
    """Feed x (d,) through the network; y (q,) is the one-hot target."""
    h = linear(params.W1, params.b1, x)
    a = relu(h)
    z = linear(params.W2, params.b2, a)
    exp_shifted, exp_sum, log_y_hat = softmax_parts(z)
    y_smooth = smooth_labels(y, epsilon)
    loss = cross_entropy(y_smooth, log_y_hat)
    return Forward(
        h=h,
        a=a,
        z=z,
        exp_shifted=exp_shifted,
        exp_sum=exp_sum,
        y_hat=exp_shifted / exp_sum,
        log_y_hat=log_y_hat,
        y_smooth=y_smooth,
        loss=loss,
    )


def backward(params: Params, x: np.ndarray, fwd: Forward) -> Backward:
    """Back-propagate from the loss to every parameter, keeping each intermediate."""
    with np.errstate(divide="ignore"):  # ŷᵢ may underflow to 0: shown as ±inf, never used below
        d_y_hat = -fwd.y_smooth / fwd.y_hat
    d_z = softmax_cross_entropy_backward(fwd.y_hat, fwd.y_smooth)
    d_W2, d_b2, d_a = linear_backward(params.W2, fwd.a, d_z)
    mask = relu_mask(fwd.h)
    d_h = d_a * mask
    d_W1, d_b1, _ = linear_backward(params.W1, x, d_h)
    grads = Params(W1=d_W1, b1=d_b1, W2=d_W2, b2=d_b2)
    return Backward(y_hat=d_y_hat, z=d_z, a=d_a, relu_mask=mask, h=d_h, params=grads)


def gradient_step(params: Params, grads: Params, learning_rate: float) -> Params:
    """θ ← θ − η ∇θ Loss, for every parameter; returns new arrays."""
    return Params(
        **{k: v - learning_rate * grads.as_dict()[k] for k, v in params.as_dict().items()}
    )


def loss_at(params: Params, x: np.ndarray, y: np.ndarray, epsilon: float) -> float:
    """The loss alone, for finite differences."""
    return forward(params, x, y, epsilon).loss


def solve(problem: Problem) -> Solution:
    """Forward pass, backward pass and one step of gradient descent on the instance."""
    fwd = forward(problem.params, problem.x, problem.y, problem.epsilon)
    bwd = backward(problem.params, problem.x, fwd)
    updated = gradient_step(problem.params, bwd.params, problem.learning_rate)
    return Solution(problem=problem, forward=fwd, backward=bwd, updated=updated)
