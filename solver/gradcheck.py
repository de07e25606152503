"""Independent checks of the back-propagated gradients: central differences in float64."""

from __future__ import annotations

import numpy as np

from solver.instance import Params
from solver.network import loss_at


def central_differences(
    params: Params, x: np.ndarray, y: np.ndarray, epsilon: float, step: float = 1e-6
) -> Params:
    """∂Loss/∂θ ≈ (Loss(θ + s) − Loss(θ − s)) / 2s for every entry of every parameter."""
    base = params.as_dict()
    grads = {}
    for name, value in base.items():
        grad = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            losses = []
            for sign in (1.0, -1.0):
                shifted = value.copy()
                shifted[index] += sign * step
                losses.append(loss_at(Params(**{**base, name: shifted}), x, y, epsilon))
            grad[index] = (losses[0] - losses[1]) / (2 * step)
        grads[name] = grad
    return Params(**grads)


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """max |a − n| / max(|a|, |n|) over the entries (as in CS231n); 0 where both are 0.

    >>> relative_error(np.array([1.0, 0.0]), np.array([1.001, 0.0]))  # doctest: +ELLIPSIS
    0.000999...
    """
    scale = np.maximum(np.abs(analytic), np.abs(numeric))
    diff = np.abs(analytic - numeric)
    ratio = np.divide(diff, scale, out=np.zeros_like(diff), where=scale > 0)
    return float(ratio.max(initial=0.0))
