"""Any network in 50-digit arithmetic (solver/high_precision.py) against float64."""

from __future__ import annotations

from instances import ROOT

from solver.network import solve


def test_other_networks_agree_with_high_precision_arithmetic():
    """Every example network: float64 within 1e-13 of the 50-digit closed forms."""
    from solver.config import load_problem
    from solver.high_precision import network_agreement

    for name in ("tanh-mse", "multilabel"):
        problem = load_problem(ROOT / "problems" / f"{name}.toml")
        assert network_agreement(problem, solve(problem)).largest < 1e-13, name


def test_the_agreement_sees_a_wrong_gradient():
    """The check can fail: an updated parameter off by 1e-9 relative is measured as such."""
    from dataclasses import replace

    from solver.config import load_problem
    from solver.high_precision import network_agreement

    problem = load_problem(ROOT / "problems" / "tanh-mse.toml")
    solution = solve(problem)
    updated = replace(solution.updated, W1=solution.updated.W1 * (1 + 1e-9))
    assert network_agreement(problem, replace(solution, updated=updated)).largest > 1e-10


def test_the_softmax_lines_problem_2_prints_are_checked_too():
    """The homework's network agrees, and each value Problem 2 prints on the way to the loss
    (μ, e^{z−μ}, their sum, ln ŷ, yˢ, ∂Loss/∂ŷ) is compared: one off by 1e-9 relative is
    measured as such."""
    from dataclasses import replace

    from solver.config import load_problem
    from solver.high_precision import network_agreement

    problem = load_problem(ROOT / "problems" / "hw3.toml")
    solution = solve(problem)
    assert network_agreement(problem, solution).largest < 1e-13
    for field in ("z_max", "exp_shifted", "exp_sum", "log_y_hat", "y_smooth"):
        off = replace(solution.forward, **{field: getattr(solution.forward, field) * (1 + 1e-9)})
        assert network_agreement(problem, replace(solution, forward=off)).largest > 1e-10, field
    off = replace(solution.backward, dy_hat=solution.backward.dy_hat * (1 + 1e-9))
    assert network_agreement(problem, replace(solution, backward=off)).largest > 1e-10


def test_values_past_float64s_range_are_compared_as_float64_holds_them(tmp_path):
    """Logits in the thousands: e^{−2000} is 0 in float64 and −yˢ/ŷ is −inf, both the right
    rounding of the exact value, so they agree; an inf where the exact value is finite does
    not."""
    from dataclasses import replace

    import numpy as np

    from solver.config import load_problem
    from solver.high_precision import network_agreement

    config = tmp_path / "extreme.toml"
    text = (ROOT / "problems" / "hw3.toml").read_text().replace("x = [0, 2]", "x = [1000, 3]")
    config.write_text(text.replace("epsilon = 0.3", "epsilon = 0.0"))
    problem = load_problem(config)
    solution = solve(problem)
    assert np.isinf(solution.backward.dy_hat).any() and (solution.forward.y_hat == 0).any()
    assert network_agreement(problem, solution).largest < 1e-13
    W1 = solution.updated.W1.copy()
    W1[0, 0] = np.inf
    wrong = replace(solution, updated=replace(solution.updated, W1=W1))
    assert network_agreement(problem, wrong).largest == np.inf
