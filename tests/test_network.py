"""The network (solver/network.py): the homework's numbers pinned, pure steps, stable forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from instances import ISSUE_UPDATED

from solver.activations import relu_mask
from solver.instance import Params, Problem
from solver.network import solve

# Softmax of the homework's logits z = [0, -3, 1], written in closed form by hand.
SOFTMAX_SUM = 1 + math.exp(-3) + math.exp(1)
Y_HAT = np.array([1, math.exp(-3), math.exp(1)]) / SOFTMAX_SUM
Y_SMOOTH = np.array([0.8, 0.1, 0.1])
D_Z = Y_HAT - Y_SMOOTH


def test_forward_pass_matches_the_hand_computation(homework):
    """h, a, z are whole numbers by hand; ŷ and the loss follow in closed form."""
    fwd = solve(homework).forward
    np.testing.assert_array_equal(fwd.h, [-13, 2, -5])
    np.testing.assert_array_equal(fwd.a, [0, 2, 0])
    np.testing.assert_array_equal(fwd.z, [0, -3, 1])
    np.testing.assert_allclose(fwd.y_hat, Y_HAT, rtol=1e-15)
    np.testing.assert_allclose(fwd.y_smooth, Y_SMOOTH, rtol=1e-15)
    assert fwd.loss == pytest.approx(-(Y_SMOOTH @ np.log(Y_HAT)), rel=1e-14)
    assert fwd.loss == pytest.approx(1.5265626413, abs=5e-11)


def test_gradients_match_the_hand_computation(homework):
    """Only hidden unit 2 is active and only x₂ ≠ 0, so each gradient has one live row/column."""
    grads = solve(homework).backward.grads
    expected_W2 = np.zeros((3, 3))
    expected_W2[1] = 2 * D_Z  # a = [0, 2, 0]
    d_h2 = np.array([-2, -4, -2]) @ D_Z  # row 2 of W2, the only active unit
    expected_W1 = np.zeros((2, 3))
    expected_W1[1, 1] = 2 * d_h2  # x = [0, 2]
    np.testing.assert_allclose(grads.W2, expected_W2, rtol=1e-14)
    np.testing.assert_allclose(grads.b2, D_Z, rtol=1e-14)
    np.testing.assert_allclose(grads.W1, expected_W1, rtol=1e-14)
    np.testing.assert_allclose(grads.b1, [0, d_h2, 0], rtol=1e-14)


def test_updated_parameters_match_the_issue_to_ten_decimals(homework):
    """The values stated in the pipeline issue, to 10 decimals."""
    updated = solve(homework).updated
    for name, value in ISSUE_UPDATED.items():
        np.testing.assert_allclose(updated.as_dict()[name], value, rtol=0, atol=5e-11)


def test_step_is_pure(homework):
    """The solver returns new arrays: the instance's parameters are left as given."""
    before = {k: v.copy() for k, v in homework.params.as_dict().items()}
    solve(homework)
    for name, value in homework.params.as_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_relu_derivative_at_zero_is_zero():
    """ReLU'(0) = 0, as PyTorch's relu backward."""
    np.testing.assert_array_equal(relu_mask(np.array([-1.0, 0.0, 1e-300])), [0, 0, 1])


def test_huge_logits_stay_finite():
    """Logits in the thousands: the shifted log-sum-exp keeps loss and gradients finite."""
    problem = Problem(
        x=np.array([1000.0, -2000.0]),
        y=np.array([0.0, 1.0]),
        params=Params(
            W1=np.array([[3.0, -1.0], [-2.0, 1.0]]),
            b1=np.zeros(2),
            W2=np.array([[1.0, -1.0], [2.0, 0.5]]),
            b2=np.zeros(2),
        ),
        epsilon=0.0,
        learning_rate=0.1,
    )
    solution = solve(problem)
    assert abs(solution.forward.z).max() > 1000
    assert np.isfinite(solution.forward.loss) and solution.forward.loss > 1000
    for value in solution.backward.grads.as_dict().values():
        assert np.all(np.isfinite(value))


@pytest.mark.parametrize("epsilon", [0.0, 1.0])
def test_smoothing_extremes(homework, epsilon):
    """ε = 0 is plain cross-entropy; ε = 1 makes the target uniform."""
    problem = Problem(**{**homework.__dict__, "epsilon": epsilon})
    fwd = solve(problem).forward
    expected = homework.y if epsilon == 0 else np.full(3, 1 / 3)
    np.testing.assert_allclose(fwd.y_smooth, expected)
    assert np.isfinite(fwd.loss)
