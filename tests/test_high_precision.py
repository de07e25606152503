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
        assert network_agreement(problem, solve(problem)) < 1e-13, name


def test_the_agreement_sees_a_wrong_gradient():
    """The check can fail: an updated parameter off by 1e-9 relative is measured as such."""
    from dataclasses import replace

    from solver.config import load_problem
    from solver.high_precision import network_agreement

    problem = load_problem(ROOT / "problems" / "tanh-mse.toml")
    solution = solve(problem)
    updated = replace(solution.updated, W1=solution.updated.W1 * (1 + 1e-9))
    assert network_agreement(problem, replace(solution, updated=updated)) > 1e-10
