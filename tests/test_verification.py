"""The Verification appendix: each check's figure is measured, shown, and can fail."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from instances import ROOT, random_problem

from orchestration.single import render_solution as render_tex
from solver.instance import Params, Problem
from solver.network import solve
from solver.verification import GRADIENT_TOLERANCE, gradient_errors, verify


def test_homework_checks_pass(homework):
    solution = solve(homework)
    from solver.exact_values import agreement, exact_values

    check = verify(solution, agreement(exact_values(homework), solution))
    assert set(check.gradient_errors) == {"W1", "b1", "W2", "b2"}
    assert max(check.gradient_errors.values()) < GRADIENT_TOLERANCE and check.gradients_pass
    assert check.exact_agreement < 1e-14 and check.exact_pass
    assert check.proof is None  # only with prove=True


def test_a_wrong_gradient_fails_the_check(homework):
    """Central differences are independent of the backward pass: corrupt it and they disagree."""
    solution = solve(homework)
    grads = solution.backward.grads
    wrong = dataclasses.replace(
        solution,
        backward=dataclasses.replace(
            solution.backward, grads=Params(**{**grads.as_dict(), "W2": grads.W2 * 1.001})
        ),
    )
    assert gradient_errors(wrong)["W2"] > 1e-4


def test_kinks_are_reported_not_measured(homework):
    """A ReLU input of exactly 0: no derivative there, so the check says why it did not run."""
    params = dataclasses.replace(homework.params, b1=np.array([-3.0, -4.0, -3.0]))  # h₂ = 0
    problem = Problem(**{**homework.__dict__, "params": params})
    check = verify(solve(problem))
    assert check.min_abs_h == 0 and check.gradient_errors is None and check.gradients_pass is None


def test_appendix_shows_the_figures(homework):
    tex = render_tex(solve(homework))
    appendix = tex[tex.index(r"\section{Appendix: Verification}") :]
    assert r"\clearpage" in tex[tex.index(r"\section{Problem 2}") : tex.index("Appendix")]
    assert "agree" in appendix and "Not run} for this document" in appendix
    assert "PyTorch" in appendix and r"\ReLU'(0) = 0" in appendix
    # one check for every network, and the exact forms the homework's Problem 2 shows
    assert "50-digit arithmetic" in appendix and "the exact forms of Problem~2" in appendix
    # the measured figures, in scientific form, never rounded away to 0
    assert re.search(
        r"float64 values: \$\\num\[parse-numbers=true\]\{[1-9]\.\de-1[4-6]\}\$", appendix
    )
    assert re.search(
        r"\\vect\{W\}_\{1\}\\colon \\num\[parse-numbers=true\]\{[1-9]\.\de-(9|1\d)\}", appendix
    )


def test_exact_forms_beside_the_decimals(homework):
    tex = render_tex(solve(homework))
    assert r"\hat{y}_{1} &= \frac{1}{1 + e^{-3} + e} \approx \num{0.2654}" in tex
    assert r"\Loss &= \ln{\left(1 + e^{-3} + e \right)} + \frac{1}{5} \approx \num{1.5266}" in tex


def test_no_exact_forms_for_long_decimals():
    problem = random_problem(np.random.default_rng(3), 2, 3, 3)
    tex = render_tex(solve(problem))
    assert r"\approx" not in tex and "short decimals" in tex


@pytest.mark.parametrize("shape", [(2, 3, 3), (1, 2, 2)])
def test_prove_reports_the_verdict(shape):
    problem = random_problem(np.random.default_rng(0), *shape)
    tex = render_tex(solve(problem), prove=True)
    proof = tex[tex.index("Symbolic proof") :][:1200]
    assert r"\textbf{all hold} exactly" in proof
    # the homework's network proved like any other: at widths 2, 2, 2, every class
    assert "widths $2, 2, 2$" in proof and "each of the 2 choices of the true class" in proof


@pytest.mark.parametrize(("activation", "words"), [("relu", "ReLU"), ("leaky_relu", "leaky ReLU")])
def test_a_kink_is_named_by_the_units_it_is_in(activation, words):
    """An input at the kink of a leaky ReLU is called so, not "a ReLU input"."""
    from instances import kink_problem

    problem = dataclasses.replace(kink_problem(), activations=(activation,))
    tex = render_tex(solve(problem))
    assert f"an input of a {words} unit lies within" in tex


def test_the_proof_names_only_the_symbols_and_patterns_the_network_has():
    """A tanh network with MSE: no ε, no slope, no slope patterns in the proof's words."""
    from solver.config import load_problem

    problem = load_problem(ROOT / "problems" / "tanh-mse.toml")
    tex = render_tex(solve(problem), prove=True)
    proof = tex[tex.index("Symbolic proof") :][:900]
    assert "epsilon" not in proof and "slope" not in proof and "pattern" not in proof


def test_central_differences_are_sampled_by_a_budget_of_forward_passes(homework):
    """Every entry of the homework's; of the largest network's (5e6 multiply-adds a pass)
    20 entries of each parameter, not 200 (3000 passes took 51 s of a tanh build)."""
    from solver.verification import MIN_SAMPLE, sampled_per_parameter

    widths = [100] * 6
    largest = dataclasses.replace(
        homework,
        x=np.ones((100, 100)),
        y=np.eye(100)[np.arange(100) % 100],
        params=Params(
            weights=[np.ones((a, b)) for a, b in zip(widths, widths[1:], strict=False)],
            biases=[np.zeros(b) for b in widths[1:]],
        ),
        activations=("tanh",) * 4,
    )
    assert sampled_per_parameter(solve(homework)) is None
    assert sampled_per_parameter(solve(largest)) == 20
    one_row = dataclasses.replace(largest, x=np.ones(100), y=np.eye(100)[0])
    assert sampled_per_parameter(solve(one_row)) == 200  # a hundredth of the work a pass
    assert MIN_SAMPLE <= 20
