"""Central differences (solver/gradcheck.py): back-propagation checked entry by entry."""

from __future__ import annotations

import numpy as np
import pytest
from instances import random_problem

from solver.gradcheck import central_differences, relative_error
from solver.instance import Problem
from solver.network import backward, forward, solve


def _max_gradient_error(problem: Problem) -> float:
    analytic = solve(problem).backward.grads
    numeric = central_differences(problem)
    names = ("W1", "b1", "W2", "b2")
    return max(relative_error(analytic.as_dict()[k], numeric.as_dict()[k]) for k in names)


def test_central_differences_agree_on_the_homework(homework):
    """No hidden input of the homework is near the kink (h = [-13, 2, -5])."""
    assert _max_gradient_error(homework) < 1e-7


@pytest.mark.parametrize("shape", [(1, 1, 2), (2, 3, 3), (4, 5, 2), (3, 7, 6), (6, 2, 4)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_central_differences_agree_on_random_instances(shape, seed):
    problem = random_problem(np.random.default_rng(seed), *shape)
    assert _max_gradient_error(problem) < 1e-6


def test_central_differences_catch_a_wrong_gradient(homework):
    """The check itself can fail: a gradient off by 1% is caught."""
    fwd = forward(homework.params, homework.x, homework.y, homework.epsilon)
    grads = backward(homework.params, homework.x, fwd).grads
    numeric = central_differences(homework)
    assert relative_error(grads.W2 * 1.01, numeric.W2) > 1e-3


def test_relative_error_is_zero_where_both_are_zero():
    """CS231n's measure: 0 where both entries are 0, the largest ratio elsewhere."""
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.array([0.0, 2.0]), np.array([0.0, 1.0])) == 0.5
