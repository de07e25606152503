"""Exact values for Problem 2: the homework in closed form, and float64 measured on it."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import sympy as sp
from instances import ISSUE_UPDATED, ROOT, kink_problem

from report.exact_forms import latex_of
from solver.exact_values import (
    agreement,
    exact_number,
    exact_values,
    relative_differences,
)
from solver.instance import Params, Problem
from solver.network import solve

# The homework's softmax denominator for z = [0, -3, 1], divided through by e^{z₁} = 1.
S = 1 + sp.exp(-3) + sp.E


def _with(problem: Problem, **changes) -> Problem:
    return Problem(**{**problem.__dict__, **changes})


def _integer_problem(seed: int, d: int, n: int, q: int, low: int = -2, high: int = 2) -> Problem:
    """Small integer weights: h, a, z whole numbers, and ReLU inputs of exactly 0 do occur."""
    rng = np.random.default_rng(seed)

    def ints(*shape: int) -> np.ndarray:
        return rng.integers(low, high + 1, size=shape).astype(float)

    y = np.zeros(q)
    y[rng.integers(q)] = 1.0
    params = Params(W1=ints(d, n), b1=ints(n), W2=ints(n, q), b2=ints(q))
    return Problem(x=ints(d), y=y, params=params, epsilon=0.25, learning_rate=0.5)


def test_forward_pass_is_whole_numbers(homework):
    """h, a, z are integers; yˢ = (1 − 0.3)·y + 0.3/3 is exactly [4/5, 1/10, 1/10]."""
    exact = exact_values(homework)
    assert list(exact.h) == [-13, 2, -5]
    assert list(exact.relu_mask) == [0, 1, 0]
    assert list(exact.a) == [0, 2, 0]
    assert list(exact.z) == [0, -3, 1]
    assert list(exact.y_smooth) == [sp.Rational(4, 5), sp.Rational(1, 10), sp.Rational(1, 10)]


def test_softmax_is_the_closed_form(homework):
    """ŷ₁ = 1/(1 + e⁻³ + e), and each ŷᵢ = e^{zᵢ}/S, exactly."""
    y_hat = exact_values(homework).y_hat
    assert sp.simplify(y_hat[0] - 1 / S) == 0
    for i, zi in enumerate([0, -3, 1]):
        assert sp.simplify(y_hat[i] - sp.exp(zi) / S) == 0


def test_loss_is_the_closed_form(homework):
    """−Σ yˢᵢ ln ŷᵢ = ln(1 + e⁻³ + e) − (0.8·0 + 0.1·(−3) + 0.1·1) = ln(1 + e⁻³ + e) + 1/5."""
    loss = exact_values(homework).loss
    assert sp.simplify(loss - (sp.log(S) + sp.Rational(1, 5))) == 0
    assert latex_of(loss) == r"\ln{\left(1 + e^{-3} + e \right)} + \frac{1}{5}"


def test_gradients_are_the_closed_forms(homework):
    """dz = ŷ − yˢ; only a₂ = 2 and x₂ = 2 are non-zero, so dW2 = 2·dz in row 2 alone."""
    exact = exact_values(homework)
    dz = sp.Matrix([sp.exp(k) / S for k in (0, -3, 1)]) - exact.y_smooth
    assert sp.simplify(exact.dz - dz) == sp.zeros(3, 1)
    assert sp.simplify(exact.grads.b2 - dz) == sp.zeros(3, 1)
    assert sp.simplify(exact.grads.W2.row(1) - 2 * dz.T) == sp.zeros(1, 3)
    assert exact.grads.W2.row(0) == sp.zeros(1, 3) == exact.grads.W2.row(2)
    d_h2 = (sp.Matrix([[-2, -4, -2]]) * dz)[0]  # row 2 of W2, the only active unit
    assert sp.simplify(exact.grads.b1[1] - d_h2) == 0
    assert sp.simplify(exact.grads.W1[1, 1] - 2 * d_h2) == 0
    assert [exact.grads.W1[i, j] for i, j in [(0, 0), (0, 1), (1, 0), (1, 2)]] == [0] * 4


def test_updated_parameters_match_the_issue_to_ten_decimals(homework):
    """The exact updated values, at 30 digits, round to the issue's 10-decimal values."""
    updated = exact_values(homework).updated
    for name, value in ISSUE_UPDATED.items():
        exact = np.array(updated.as_dict()[name].evalf(30), dtype=float).reshape(np.shape(value))
        np.testing.assert_allclose(exact, value, rtol=0, atol=5e-11)
    # Untouched entries stay the given integers: their gradients are exactly 0.
    assert updated.W1[0, 0] == -5 and updated.b2.shape == (3, 1)


def test_exact_and_float_agree_on_the_homework(homework):
    """float64 is right to ~1e-15 relative on every quantity, not just to the 4 printed decimals."""
    exact = exact_values(homework)
    assert agreement(exact, solve(homework)) < 1e-12
    assert set(relative_differences(exact, solve(homework))) >= {"loss", "dW1", "updated_b2"}


@pytest.mark.parametrize("shape", [(1, 1, 2), (2, 3, 3), (3, 4, 5), (5, 5, 6)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exact_and_float_agree_on_small_integer_instances(shape, seed):
    """Whole-number weights in [−2, 2]: logits stay small, so no entry loses digits."""
    problem = _integer_problem(seed, *shape)
    assert agreement(exact_values(problem), solve(problem)) < 1e-12


def test_agreement_sees_a_wrong_float(homework):
    """The measure can fail: a float solution off in the 8th digit shows up as ~1e-8."""
    solution = solve(homework)
    b2 = solution.updated.b2 * (1 + 1e-8)
    wrong = type(solution)(
        **{
            **solution.__dict__,
            "updated": Params(
                W1=solution.updated.W1, b1=solution.updated.b1, W2=solution.updated.W2, b2=b2
            ),
        }
    )
    assert 5e-9 < agreement(exact_values(homework), wrong) < 2e-8


def test_relu_derivative_at_zero_is_zero():
    """h₁ = 0 exactly: the mask is 0 there (ReLU'(0) = 0), so ∂Loss/∂h₁ and ∂Loss/∂b1₁ are 0."""
    problem = kink_problem(1)
    exact = exact_values(problem)
    assert list(exact.h) == [0, 2] and list(exact.relu_mask) == [0, 1]
    assert exact.dh[0] == 0 and exact.grads.b1[0] == 0 and exact.da[0] != 0
    assert agreement(exact, solve(problem)) < 1e-12


@pytest.mark.parametrize(
    "change",
    [
        {"epsilon": 0.1234567},  # 7 significant digits
        {"learning_rate": 0.1 + 0.2},  # 0.30000000000000004: a computed float
        {"x": np.array([np.pi, 2.0])},
    ],
)
def test_long_decimals_are_not_exactable(homework, change):
    """More than 6 significant digits in any input: None, and the report shows decimals only."""
    assert exact_values(_with(homework, **change)) is None


def test_large_shapes_are_not_exactable():
    """d·n + n·q > 60: None (the exact forms would fill pages)."""
    assert exact_values(_integer_problem(0, 5, 5, 6)) is not None  # 25 + 30 = 55
    assert exact_values(_integer_problem(0, 6, 6, 5)) is None  # 36 + 30 = 66


def test_short_decimals_are_read_as_written():
    """A float is the decimal it was typed as: 0.3 is 3/10, 1e-3 is 1/1000."""
    assert exact_number(0.3) == sp.Rational(3, 10)
    assert exact_number(-2.5e-3) == sp.Rational(-1, 400)
    assert exact_number(123456.0) == 123456 and exact_number(1234567.0) is None
    assert exact_number(float("inf")) is None


def test_the_default_build_does_not_import_sympy():
    """SymPy (≈0.3 s to import) is loaded by the exact values, the proof and their LaTeX
    only: the solver's other modules and the build cache's path do without it."""
    code = (
        "import sys, solver.instance, solver.solution, solver.network, solver.gradcheck, "
        "solver.config, solver.draw, solver.verification, orchestration.single; "
        "print('sympy' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
