"""Every network's Problem 2 in 50-digit arithmetic, against the float64 solution.

Problem 1's closed forms are evaluated from the inputs as typed (exact rationals) in 50-digit
arithmetic (mpmath, SymPy's own): nested sigmoids and tanhs have no short exact form, and
SymPy's evalf of the nested expressions takes seconds where this takes milliseconds; 50
digits leave the 30 compared far from any rounding. (Where the exact forms are short enough
to print, solver.exact_values finds them for Problem 2 to show.)
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from fractions import Fraction
from types import SimpleNamespace

import numpy as np

from solver.activations import ACTIVATIONS
from solver.exactness import MAX_WEIGHTS, short_fraction
from solver.instance import Problem
from solver.losses import LOSSES
from solver.solution import Solution

WORKING_DIGITS = 50


@dataclass(frozen=True)
class Agreement:
    """The float64 solution against the 50-digit one."""

    largest: float  # the largest relative difference of any one entry (the appendix's figure)
    # Per quantity (z, dW1, updated_b2, …): its largest absolute difference and its largest
    # entry, from which solver.verification judges whether the solver can be trusted.
    spreads: dict[str, tuple[float, float]]


def network_agreement(problem: Problem, solution: Solution) -> Agreement | None:
    """For any network: every forward value, gradient and updated
    parameter computed from the inputs as typed (exact rationals) with the closed forms of
    Problem 1 in WORKING_DIGITS-digit arithmetic, against float64. None when the instance is
    not exact-able (an input of more than MAX_DIGITS significant decimals, more than
    MAX_WEIGHTS parameters, or a batch)."""
    import mpmath

    params = problem.params
    if sum(v.size for v in params.as_dict().values()) > MAX_WEIGHTS or problem.batch:
        return None
    typed = [problem.x, problem.y, problem.learning_rate, problem.negative_slope, problem.epsilon]
    typed += [problem.l2, *params.as_dict().values()]
    typed += [v for v in problem.optimizer.options.values() if not isinstance(v, bool)]
    if any(short_fraction(float(v)) is None for array in typed for v in np.ravel(array)):
        return None
    largest, spreads = 0.0, {}
    with mpmath.workdps(WORKING_DIGITS):
        exact = _high_precision(problem, mpmath)
        floats = _network_floats(solution)
        for name, values in exact.items():
            pairs = list(zip(values, np.asarray(floats[name], dtype=float).ravel(), strict=True))
            largest = max([largest, *(_relative_mp(e, f, mpmath) for e, f in pairs)])
            difference = max((_absolute_mp(e, f, mpmath) for e, f in pairs), default=0.0)
            spreads[name] = (float(difference), float(max((abs(e) for e, _ in pairs), default=0)))
    return Agreement(largest=largest, spreads=spreads)


# The steps checked in 50 digits (the first few, where a hand computation stops): each is a
# forward and backward pass in mpmath, milliseconds for a network a class works by hand.
PRECISE_STEPS = 10


def _high_precision(problem: Problem, mp) -> dict[str, list]:
    """Problem 2 for any network in mpmath numbers: {name: entries, row-major}: the first
    forward and backward passes, then each of the first PRECISE_STEPS steps of the optimizer
    (solver.optimizers' rule in 50-digit arithmetic): its parameters and state."""

    def number(v: float):
        fraction = Fraction(repr(float(v)))
        return mp.mpf(fraction.numerator) / fraction.denominator

    def array(values) -> np.ndarray:
        return np.vectorize(number, otypes=[object])(np.asarray(values, dtype=float))

    ops = SimpleNamespace(
        number=number,
        sqrt=np.vectorize(mp.sqrt, otypes=[object]),
        maximum=np.vectorize(max, otypes=[object]),
        dtype=object,
    )
    params = {name: array(value) for name, value in problem.params.as_dict().items()}
    out = _pass(problem, params, number, mp)
    optimizer = problem.optimizer
    state = optimizer.initial_state(params, ops)
    for t in range(1, min(problem.steps, PRECISE_STEPS) + 1):
        grads = out if t == 1 else _pass(problem, params, number, mp, gradients_only=True)
        for name, theta in list(params.items()):
            gradient = np.array(grads[f"d{name}"], dtype=object).reshape(np.shape(theta))
            before = {key: state[key][name] for key in state}
            update = optimizer.entry.update(
                theta, gradient, before, t, problem.learning_rate, optimizer.options, ops
            )
            params[name] = update.param
            for key, value in update.state.items():
                state[key][name] = value
                out[f"step{t}_{key}_{name}"] = list(np.ravel(value))
            out[f"step{t}_{name}"] = list(np.ravel(update.param))
            if t == 1:
                out[f"updated_{name}"] = list(np.ravel(update.param))
    return out


def _pass(problem: Problem, params: dict, number, mp, *, gradients_only: bool = False) -> dict:
    """The forward and backward passes at ``params`` (numpy arrays of mpmath numbers), as
    Problem 1's closed forms give them, the L2 penalty included: {name: entries}."""

    def vector(values) -> list:
        return list(np.ravel(values))

    def matrix(values) -> list[list]:
        return [list(row) for row in values]

    slope, epsilon, l2 = map(number, (problem.negative_slope, problem.epsilon, problem.l2))
    weights = [matrix(params[f"W{k}"]) for k in range(1, problem.params.layers + 1)]
    biases = [vector(params[f"b{k}"]) for k in range(1, problem.params.layers + 1)]
    x, y = ([number(v) for v in np.ravel(values)] for values in (problem.x, problem.y))
    out: dict[str, list] = {}
    a, inputs, slopes = x, [x], []
    for layer, name in enumerate(problem.activations):
        W, b = weights[layer], biases[layer]
        h = [sum(W[p][k] * a[p] for p in range(len(a))) + b[k] for k in range(len(b))]
        a, f_prime = zip(*(ACTIVATIONS[name].precise(v, slope, mp) for v in h), strict=True)
        a = list(a)
        out[f"h{layer}"], out[f"a{layer}"] = h, a
        inputs.append(a)
        slopes.append(list(f_prime))
    W, b = weights[-1], biases[-1]
    z = [sum(W[p][k] * a[p] for p in range(len(a))) + b[k] for k in range(len(b))]
    y_hat, loss, delta, shown = LOSSES[problem.loss].precise(z, y, epsilon, mp)
    if problem.l2:  # + (λ/2)·Σ_l ‖W_l‖²
        loss += l2 / 2 * sum(v * v for W in weights for row in W for v in row)
    out |= {"z": z, "y_hat": y_hat, "loss": [loss]} | shown
    for layer in range(len(weights) - 1, -1, -1):
        W, a_in = weights[layer], inputs[layer]
        dW = [[a_in[p] * delta[k] for k in range(len(delta))] for p in range(len(a_in))]
        out[f"dW{layer + 1}"] = [
            v + l2 * w
            for row, w_row in zip(dW, W, strict=True)
            for v, w in zip(row, w_row, strict=True)
        ]
        out[f"db{layer + 1}"] = list(delta)
        if layer:  # δ_l = (W_{l+1} δ_{l+1}) ⊙ f_l′(h_l)
            delta = [
                sum(W[p][k] * delta[k] for k in range(len(delta))) * slopes[layer - 1][p]
                for p in range(len(a_in))
            ]
    if gradients_only:
        return {k: v for k, v in out.items() if k.startswith("d")}
    return out


def _network_floats(solution: Solution) -> dict[str, np.ndarray]:
    """The float64 solution under the names of :func:`_high_precision`."""
    fwd, grads, updated = solution.forward, solution.backward.grads, solution.updated
    floats = {"z": fwd.z, "y_hat": fwd.y_hat, "loss": np.asarray(fwd.loss)}
    intermediates = ("z_max", "exp_shifted", "exp_sum", "log_y_hat", "y_smooth")
    floats |= {name: getattr(fwd, name) for name in intermediates}
    floats["dy_hat"] = solution.backward.dy_hat
    for layer, (h, a) in enumerate(zip(fwd.hs, fwd.activations, strict=True)):
        floats[f"h{layer}"], floats[f"a{layer}"] = h, a
    for name, value in grads.as_dict().items():
        floats[f"d{name}"] = value
    for name, value in updated.as_dict().items():
        floats[f"updated_{name}"] = value
    for t, step in enumerate(solution.trajectory[:PRECISE_STEPS], 1):
        for name, value in step.params.as_dict().items():
            floats[f"step{t}_{name}"] = value
        for key, values in step.state.items():
            for name, value in values.as_dict().items():
                floats[f"step{t}_{key}_{name}"] = value
    return floats


def _absolute_mp(exact, value: float, mp) -> float:
    """|exact − value|, as float64 can hold them (see _relative_mp)."""
    if math.isnan(value):
        return math.inf
    if math.isinf(value):
        overflows = abs(exact) > sys.float_info.max and (exact > 0) == (value > 0)
        return 0.0 if overflows else math.inf
    return abs(exact - mp.mpf(value))


def _relative_mp(exact, value: float, mp) -> float:
    """|exact − value| relative to the larger of the two, as float64 can hold them: a value
    past float64's range (e^{−2000}, −1/ŷ for such a ŷ) rounds to 0 or ±inf, correctly."""
    if math.isnan(value):
        return math.inf
    if math.isinf(value):  # right only where the exact value overflows, with its sign
        overflows = abs(exact) > sys.float_info.max and (exact > 0) == (value > 0)
        return 0.0 if overflows else math.inf
    scale = max(abs(exact), abs(mp.mpf(value)), sys.float_info.min)
    return float(abs(exact - mp.mpf(value)) / scale)
