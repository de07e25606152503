"""Whether an instance has exact values worth showing, decided without SymPy.

solver.exact_values computes them with SymPy (a third of a second to import); this module
answers first, from the inputs alone, so that an instance without them never loads it.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction

import numpy as np

from solver.activations import ACTIVATIONS
from solver.instance import Problem
from solver.losses import LOSSES
from solver.solution import Solution

# Past these limits the instance is "not exact-able": the exact forms would not be short.
MAX_DIGITS = 6  # significant decimals of any one input
MAX_WEIGHTS = 60  # d·n + n·q
MAX_LOGIT = 10_000  # |zₖ|: exp(zₖ) stays a number evalf handles quickly
PRECISION = 30  # digits for evalf in solver.exact_values.agreement()


def short_fraction(value: float) -> Fraction | None:
    """The decimal a float was written as, if it has at most MAX_DIGITS significant digits.

    >>> short_fraction(0.3), short_fraction(-5.0), short_fraction(0.1234567)
    (Fraction(3, 10), Fraction(-5, 1), None)
    """
    if not math.isfinite(value):
        return None
    digits = Decimal(repr(float(value))).normalize().as_tuple().digits
    if len(digits) > MAX_DIGITS:
        return None
    return Fraction(repr(float(value)))


def exactable(problem: Problem) -> bool:
    """Whether solver.exact_values may find exact values: one hidden layer whose activation
    and a loss whose registry entries say it can write them (``exact_forms``: the homework's
    ReLU, softmax and cross-entropy), one instance, at most MAX_WEIGHTS weights, and every
    input a short decimal, with plain gradient descent on the unpenalized loss (an optimizer's
    square roots have no short exact form). (The target's sum and the logits' size are
    checked there.)"""
    if not problem.plain_descent:
        return False
    if problem.hidden_layers != 1 or not LOSSES[problem.loss].exact_forms:
        return False
    if not all(ACTIVATIONS[name].exact_forms for name in problem.activations):
        return False
    d, n, q = problem.shape
    if d * n + n * q > MAX_WEIGHTS or np.ndim(problem.x) != 1 or np.ndim(problem.y) != 1:
        return False
    inputs = [problem.x, problem.y, *problem.params.as_dict().values()]
    scalars = [problem.epsilon, problem.learning_rate]
    values = [*(float(v) for array in inputs for v in np.ravel(array)), *scalars]
    return all(short_fraction(v) is not None for v in values)


# ∂Loss/∂ŷ = −yˢ/ŷ is ±inf in float64 wherever ŷᵢ underflows (the solver keeps it so, for
# display); it feeds nothing, so the headline agreement leaves it out.
AGREEMENT_EXCLUDES = frozenset({"dy_hat"})
DECIMAL = re.compile(r"-?[0-9]{1,40}(\.[0-9]{0,40})?(e[-+]?[0-9]{1,6})?")


def exact_floats(solution: Solution) -> dict[str, np.ndarray]:
    """The float64 counterpart of each exact quantity (solver.exact_values), by name."""
    fwd, bwd = solution.forward, solution.backward
    out = {
        name: np.asarray(getattr(fwd, name), dtype=float)
        for name in ("h", "a", "z", "y_hat", "y_smooth", "loss")
    }
    out |= {"relu_mask": bwd.relu_mask, "dy_hat": bwd.dy_hat, "dz": bwd.dz}
    out |= {"da": bwd.da, "dh": bwd.dh}
    out |= {f"d{k}": v for k, v in bwd.grads.as_dict().items()}
    out |= {f"updated_{k}": v for k, v in solution.updated.as_dict().items()}
    return out


def decimal_differences(decimals: dict[str, list[str]], solution: Solution) -> dict[str, float]:
    """max |e − f| / max(|e|, |f|) per quantity (0 where both are 0), e the exact value as
    a decimal (solver.exact_values.exact_decimals), f the float64 entry at its exact binary
    value: float64's own error. A non-finite float beside a finite value counts as inf.
    ValueError when ``decimals`` does not name every quantity, entry for entry, in plain
    decimals (a kept record that is not whole)."""
    import mpmath

    floats = exact_floats(solution)
    if set(decimals) != set(floats):
        raise ValueError("the exact values do not name the solution's quantities")
    out = {}
    with mpmath.workdps(PRECISION + 10):
        for name, values in decimals.items():
            entries = np.asarray(floats[name], dtype=float).ravel()
            if not isinstance(values, list) or len(values) != entries.size:
                raise ValueError(f"the exact values of {name} do not fit its shape")
            if not all(isinstance(v, str) and DECIMAL.fullmatch(v) for v in values):
                raise ValueError(f"the exact values of {name} are not decimals")
            out[name] = max(
                (_relative(mpmath.mpf(e), float(f)) for e, f in zip(values, entries, strict=True)),
                default=0.0,
            )
    return out


def decimal_agreement(decimals: dict[str, list[str]], solution: Solution) -> float:
    """The largest relative difference between the exact values (as decimals) and the
    float64 solution, over every quantity but ∂Loss/∂ŷ: the forward pass, the gradients at
    z, a, h and at the parameters, and the updated parameters. About 1e-16 to 1e-15 on the
    homework: the float64 solution is right to nearly every digit it has."""
    differences = decimal_differences(decimals, solution)
    return max(v for k, v in differences.items() if k not in AGREEMENT_EXCLUDES)


def _relative(exact, value: float) -> float:
    import mpmath

    if not math.isfinite(value):
        return math.inf
    f = mpmath.mpf(value)  # the double's exact binary value
    scale = max(abs(exact), abs(f))
    return 0.0 if scale == 0 else float(abs(exact - f) / scale)
