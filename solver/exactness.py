"""Whether an instance has exact values worth showing, decided without SymPy.

solver.exact_values computes them with SymPy (a third of a second to import); this module
answers first, from the inputs alone, so that an instance without them never loads it.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np

from solver.activations import ACTIVATIONS
from solver.instance import Problem
from solver.losses import LOSSES

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
    input a short decimal. (The target's sum and the logits' size are checked there.)"""
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
