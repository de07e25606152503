"""The template context (report/context.py), seen in the rendered .tex: loss tables and
curves of training runs, batch forms, elision of long batches."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from instances import BATCH_CONFIG, TRAINING_CONFIG, random_batch

from orchestration.single import render_solution as render_tex
from report.training_context import plot_indices
from solver.config import load_problem
from solver.network import solve


@pytest.fixture(scope="module")
def training_tex() -> str:
    return render_tex(solve(load_problem(TRAINING_CONFIG)))


@pytest.fixture(scope="module")
def batch_tex() -> str:
    return render_tex(solve(load_problem(BATCH_CONFIG)))


def _table_steps(tex: str) -> list[str]:
    """The step column of the loss table, ⋮ included, in order."""
    table = tex[tex.index(r"\midrule") : tex.index(r"\bottomrule")]
    return [line.split("&")[0].strip() for line in table.splitlines()[1:] if "&" in line]


def test_loss_table_of_a_long_run_is_elided(training_tex):
    """50 steps: rows 1–5, a row of ⋮, rows 46–50."""
    assert r"\subsection{Training for 50 steps}" in training_tex
    expected = ["1", "2", "3", "4", "5", r"$\vdots$", "46", "47", "48", "49", "50"]
    assert _table_steps(training_tex) == expected
    assert r"\toprule" in training_tex and r"\bottomrule" in training_tex


def test_short_run_lists_every_step(batch_tex):
    assert _table_steps(batch_tex) == ["1", "2", "3"]


def test_loss_curve_only_for_a_run(training_tex, homework):
    """pgfplots draws the curve for K > 1; the homework (K = 1) has neither curve nor table."""
    assert training_tex.count(r"\begin{axis}") == 1
    points = re.search(r"coordinates \{(.*?)\};", training_tex).group(1).split()
    assert len(points) == 50 and points[0].startswith("(1,1.52656264")
    homework_tex = render_tex(solve(homework))
    assert r"\begin{axis}" not in homework_tex and "Training for" not in homework_tex
    assert r"\subsection{Answer}" in homework_tex and "After one step" not in homework_tex


def test_long_run_is_subsampled_and_log_scaled(homework):
    """10000 steps at η = 1: at most 400 points, first and last kept; loss spans > 2 decades."""
    problem = replace(homework, epsilon=0.0, learning_rate=1.0, steps=10_000)
    tex = render_tex(solve(problem))
    points = re.search(r"coordinates \{(.*?)\};", tex).group(1).split()
    assert len(points) <= 400
    assert points[0].startswith("(1,") and points[-1].startswith("(10000,")
    assert "ymode=log" in tex
    assert _table_steps(tex)[-1] == "10000"


def test_plot_indices_spread_evenly():
    indices = plot_indices(10_000)
    assert len(indices) == 400 and indices[0] == 0 and indices[-1] == 9_999
    assert indices == sorted(set(indices))


def test_final_parameters_and_losses_are_shown(training_tex):
    """The answer is θ⁵¹; the text names Loss(θ¹) and Loss(θ⁵⁰)."""
    assert r"$\theta^{(51)}$" in training_tex
    assert r"\Loss(\theta^{(1)}) = \num{1.5266}" in training_tex
    assert r"\Loss(\theta^{(50)}) = \num{0.6424}" in training_tex


def test_batch_forms_are_shown(batch_tex):
    """H = XW1 + 1b1ᵀ, the mean loss, (1/m)Xᵀ Δ1, ∂Loss/∂Z = (1/4)(Ŷ − Yˢ), with numbers."""
    for text in [
        "A mini-batch of $m = 4$ instances",
        r"\vect{H} &= \vect{X} \vect{W}_{1} + \mathbf{1}_m \vect{b}_{1}^\top",
        r"\vect{Z} &= \vect{A} \vect{W}_{2} + \mathbf{1}_m \vect{b}_{2}^\top",
        r"\Loss &= \frac{1}{m} \sum_{r=1}^{m} \ell_r",
        r"\vect{\Delta}_{2} &= \pd{\Loss}{\vect{Z}} = \frac{1}{m}\bigl(",
        r"\frac{1}{4} \left(",
        r"\pd{\Loss}{\vect{W}_{1}} &= \vect{X}^\top \vect{\Delta}_{1}",
        r"\num{8.3233}",  # the mean loss of the 4 instances
    ]:
        assert text in batch_tex, text
    problem2 = batch_tex[batch_tex.index(r"\section{Problem 2}") :]
    assert r"\vect{h} &= \vect{W}_{1}^\top \vect{x}" not in problem2


def test_a_long_batch_shows_its_first_and_last_rows():
    """m = 20 rows: each stacked matrix shows 3 + 2 rows around a row of ⋮."""
    tex = render_tex(solve(random_batch(3, m=20, d=2, n=3, q=3)))
    given_x = re.search(r"\\vect\{X\} = (\\begin\{bmatrix\*\}.*?\\end\{bmatrix\*\})", tex).group(1)
    assert given_x.count(r"\\") == 5 and r"\vdots" in given_x
    assert r"\cdots" in tex  # Xᵀ and Aᵀ: 20 columns, elided


def test_no_hidden_layer_reads_as_such():
    """L = 0: equations numbered (1.1), (1.2), … with no gap, no hidden neuron, h_l, δ_l or
    f′ in the words, and the schematic's labels numbered alike."""
    import re

    from orchestration.single import render_solution
    from solver.config import parse_problem

    config = {
        "network": {
            "x": [1, -2, 0.5],
            "y": [1, 0],
            "W1": [[0.5, -1], [0.25, 0.5], [-1, 0.5]],
            "b1": [0.1, 0],
        },
        "training": {"epsilon": 0.1, "learning_rate": 0.1},
    }
    tex = render_solution(solve(parse_problem(config, "L0")))
    problem1 = tex[: tex.index(r"\section{Problem 2}")]
    tags = re.findall(r"\\tag\{(1\.\d)\}", problem1)
    assert tags == [f"1.{k}" for k in range(1, len(tags) + 1)], tags
    assert "hidden neuron" not in problem1 and r"f'(\vect{h})" not in problem1
    notation = problem1[problem1.index(r"\subsection{Notation}") :]
    notation = notation[: notation.index(r"\end{itemize}")]
    assert r"\vect{\delta}_l" not in notation and r"\vect{h}" not in notation
