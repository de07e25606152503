"""Independent checks of the back-propagated gradients: central differences in float64."""

from __future__ import annotations

import numpy as np

from solver.instance import Params, Problem
from solver.network import loss_at


def central_differences(problem: Problem, step: float = 1e-6, most: int | None = None) -> Params:
    """∂Loss/∂θ ≈ (Loss(θ + s) − Loss(θ − s)) / 2s for every entry of every parameter.

    With ``most``, a parameter of more entries has only ``most`` of them checked, the same
    ones every time (see :func:`checked_entries`); the others are nan.
    """
    base = problem.params.as_dict()
    grads = {}
    for name, value in base.items():
        grad = np.full(value.shape, np.nan)
        for index in checked_entries(value.shape, most):
            losses = []
            for sign in (1.0, -1.0):
                shifted = value.copy()
                shifted[index] += sign * step
                losses.append(loss_at(problem, Params(**{**base, name: shifted})))
            grad[index] = (losses[0] - losses[1]) / (2 * step)
        grads[name] = grad
    return Params(**grads)


def checked_entries(shape: tuple[int, ...], most: int | None = None) -> list[tuple[int, ...]]:
    """Every index of an array of ``shape``, or ``most`` of them drawn with a fixed seed.

    >>> len(checked_entries((3, 4))), len(checked_entries((30, 40), most=50))
    (12, 50)
    >>> checked_entries((30, 40), most=5) == checked_entries((30, 40), most=5)
    True
    """
    indices = list(np.ndindex(shape))
    if most is None or len(indices) <= most:
        return indices
    chosen = np.random.default_rng(0).choice(len(indices), size=most, replace=False)
    return [indices[i] for i in sorted(chosen)]


def relative_error(analytic: np.ndarray, numeric: np.ndarray, floor: float = 0.0) -> float:
    """max |a − n| / max(|a|, |n|, floor) over the entries (as in CS231n); 0 where both are 0.

    ``floor`` keeps entries far smaller than the difference quotient's own noise (about
    1e-10 for a loss of size 1 and a step of 1e-6) from counting as errors.

    >>> relative_error(np.array([1.0, 0.0]), np.array([1.001, 0.0]))  # doctest: +ELLIPSIS
    0.000999...
    >>> relative_error(np.array([2e-9]), np.array([1e-9])), relative_error(
    ...     np.array([2e-9]), np.array([1e-9]), floor=1e-4)
    (0.5, 1e-05)
    """
    checked = ~np.isnan(numeric)  # entries left out of a sampled check are nan
    analytic, numeric = np.asarray(analytic)[checked], np.asarray(numeric)[checked]
    scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), floor)
    diff = np.abs(analytic - numeric)
    ratio = np.divide(diff, scale, out=np.zeros_like(diff), where=scale > 0)
    return float(ratio.max(initial=0.0))
