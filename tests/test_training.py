"""Training runs and mini-batches: the trajectory and the batch gradients against PyTorch
(float64, ``torch.optim.SGD``, ``F.cross_entropy(reduction="mean")``), results.json, the
rendered .tex, and two real PDFs."""

from __future__ import annotations

import json
import re
import subprocess
import time
from dataclasses import replace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from instances import HOMEWORK_CONFIG, ROOT, random_problem

from orchestration.single import build_solution
from orchestration.single import render_solution as render_tex
from report.context import plot_indices
from report.results import results_dict
from solver.config import load_problem
from solver.errors import DivergedError
from solver.instance import Problem
from solver.network import solve, train

TRAINING_CONFIG = ROOT / "problems" / "training.toml"
BATCH_CONFIG = ROOT / "problems" / "batch.toml"
RTOL = 1e-10
PARAMS = ("W1", "b1", "W2", "b2")


def assert_close(ours, theirs, what: str = "") -> None:
    """|a − b| ≤ 1e-10·max(|a|, |b|) entry by entry: relative, and two exact zeros agree."""
    a, b = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    assert a.shape == b.shape, what
    bad = np.abs(a - b) > RTOL * np.maximum(np.abs(a), np.abs(b))
    assert not bad.any(), f"{what}: {a[bad]} vs {b[bad]}"


def random_batch(seed: int, m: int, d: int = 3, n: int = 4, q: int = 3, steps: int = 1) -> Problem:
    """m instances as rows, float weights (no ReLU input on the kink), labels of every class."""
    rng = np.random.default_rng(seed)
    problem = random_problem(rng, d, n, q)
    return replace(
        problem,
        x=rng.normal(size=(m, d)),
        y=np.eye(q)[rng.integers(q, size=m)],
        learning_rate=0.5,
        steps=steps,
    )


def _torch_params(problem: Problem) -> dict[str, torch.Tensor]:
    return {
        name: torch.tensor(value, dtype=torch.float64, requires_grad=True)
        for name, value in problem.params.as_dict().items()
    }


def _torch_batch(problem: Problem) -> tuple[torch.Tensor, torch.Tensor]:
    """X (m, d) and the class indices (m,); one instance is a batch of one row."""
    x = torch.tensor(np.atleast_2d(problem.x), dtype=torch.float64)
    return x, torch.tensor(np.atleast_2d(problem.y).argmax(axis=1))


def _torch_loss(p: dict[str, torch.Tensor], x, targets, epsilon: float):
    h = x @ p["W1"] + p["b1"]  # row r: W1ᵀxᵣ + b1
    a = torch.relu(h)
    z = a @ p["W2"] + p["b2"]
    loss = F.cross_entropy(z, targets, label_smoothing=epsilon, reduction="mean")
    return h, a, z, loss


def torch_trajectory(problem: Problem) -> list[tuple[float, dict[str, np.ndarray]]]:
    """``problem.steps`` steps of torch.optim.SGD: (Loss(θᵗ), θᵗ⁺¹) for each."""
    params = _torch_params(problem)
    x, targets = _torch_batch(problem)
    optimizer = torch.optim.SGD(list(params.values()), lr=problem.learning_rate)
    run = []
    for _ in range(problem.steps):
        optimizer.zero_grad()
        loss = _torch_loss(params, x, targets, problem.epsilon)[-1]
        loss.backward()
        optimizer.step()
        run.append((loss.item(), {k: v.detach().numpy().copy() for k, v in params.items()}))
    return run


# --- the trajectory ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "problem",
    [
        pytest.param(replace(load_problem(HOMEWORK_CONFIG), steps=25), id="homework-25"),
        pytest.param(load_problem(TRAINING_CONFIG), id="training.toml"),
        pytest.param(load_problem(BATCH_CONFIG), id="batch.toml"),
        *(
            pytest.param(replace(random_problem(np.random.default_rng(s), 3, 5, 4), steps=8))
            for s in range(3)
        ),
        *(
            pytest.param(random_batch(s, m, steps=6), id=f"batch-m{m}")
            for s, m in enumerate([2, 5])
        ),
    ],
)
def test_trajectory_matches_torch_sgd(problem):
    """Every step's loss and parameters are PyTorch's SGD run's, to 1e-10 relative."""
    ours = train(problem)
    theirs = torch_trajectory(problem)
    assert len(ours) == len(theirs) == problem.steps
    for t, (step, (loss, params)) in enumerate(zip(ours, theirs, strict=True), 1):
        assert_close(step.loss, loss, f"step {t} loss")
        for name in PARAMS:
            assert_close(step.params.as_dict()[name], params[name], f"step {t} {name}")


def test_first_entry_is_the_step_shown_in_full(homework):
    """Entry 0: the loss of the forward pass and, bit for bit, the updated parameters."""
    solution = solve(replace(homework, steps=5))
    first = solution.trajectory[0]
    assert first.loss == solution.forward.loss
    for name in PARAMS:
        np.testing.assert_array_equal(
            first.params.as_dict()[name], solution.updated.as_dict()[name]
        )
    assert solution.final is solution.trajectory[-1].params


def test_default_is_one_step(homework):
    solution = solve(homework)
    assert len(solution.trajectory) == 1
    assert solution.final is solution.trajectory[0].params


def test_train_is_pure(homework):
    before = {k: v.copy() for k, v in homework.params.as_dict().items()}
    train(replace(homework, steps=3))
    for name, value in homework.params.as_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_divergence_is_one_clear_error():
    """A learning rate that overflows the parameters is one clear error (exit 2), not a
    traceback."""
    problem = replace(random_problem(np.random.default_rng(0), 2, 3, 3), learning_rate=1e300)
    with pytest.raises(DivergedError, match=r"training.learning_rate: .*diverged at step 2"):
        solve(replace(problem, steps=5))


def test_ten_thousand_steps_stay_fast(homework):
    """The longest run the config allows, on the homework's shape (measured: about 0.4 s)."""
    start = time.perf_counter()
    trajectory = train(replace(homework, steps=10_000))
    assert len(trajectory) == 10_000
    assert time.perf_counter() - start < 5.0  # a guard against a quadratic loop, not a benchmark


# --- mini-batch gradients ------------------------------------------------------------------


@pytest.mark.parametrize("m", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("seed", [0, 1])
def test_batch_forward_and_gradients_match_torch(m, seed):
    """The mean loss, the stacked forward values and every gradient, against PyTorch."""
    problem = random_batch(seed, m, d=2 + seed, n=3 + m, q=2 + m % 3)
    solution = solve(problem)
    fwd, bwd = solution.forward, solution.backward
    params = _torch_params(problem)
    x, targets = _torch_batch(problem)
    h, a, z, loss = _torch_loss(params, x, targets, problem.epsilon)
    for t in (h, a, z):
        t.retain_grad()
    loss.backward()
    assert fwd.h.shape == (m, problem.shape[1])
    assert_close(fwd.loss, loss.item(), "loss")
    assert_close(fwd.losses.mean(), loss.item(), "mean of the instances' losses")
    assert_close(fwd.h, h.detach().numpy(), "H")
    assert_close(fwd.z, z.detach().numpy(), "Z")
    assert_close(fwd.y_hat, torch.softmax(z, dim=1).detach().numpy(), "Ŷ")
    assert_close(bwd.dz, z.grad.numpy(), "∂Loss/∂Z")
    assert_close(bwd.da, a.grad.numpy(), "∂Loss/∂A")
    assert_close(bwd.dh, h.grad.numpy(), "∂Loss/∂H")
    for name in PARAMS:
        assert_close(bwd.grads.as_dict()[name], params[name].grad.numpy(), f"∂Loss/∂{name}")


def test_batch_gradient_is_the_mean_of_the_instances_gradients():
    """∂Loss/∂θ of a batch = the mean over its rows of each instance's own ∂Loss/∂θ."""
    problem = random_batch(7, m=4)
    batch = solve(problem).backward.grads
    singles = [
        solve(replace(problem, x=problem.x[r], y=problem.y[r])).backward.grads for r in range(4)
    ]
    for name in PARAMS:
        mean = np.mean([s.as_dict()[name] for s in singles], axis=0)
        np.testing.assert_allclose(batch.as_dict()[name], mean, rtol=1e-12, atol=1e-15)


def test_a_batch_of_one_row_is_the_vector_case(homework):
    """x as a 1×d matrix gives the vector case's numbers, with a leading axis of length 1."""
    vector = solve(replace(homework, steps=4))
    row = solve(replace(homework, x=homework.x[None, :], y=homework.y[None, :], steps=4))
    for name in ("h", "a", "z", "y_hat", "log_y_hat", "y_smooth"):
        np.testing.assert_allclose(getattr(row.forward, name)[0], getattr(vector.forward, name))
    assert row.forward.loss == pytest.approx(vector.forward.loss, rel=1e-15)
    for name in ("dy_hat", "dz", "da", "dh"):
        np.testing.assert_allclose(getattr(row.backward, name)[0], getattr(vector.backward, name))
    for ours, theirs in zip(row.trajectory, vector.trajectory, strict=True):
        assert ours.loss == pytest.approx(theirs.loss, rel=1e-15)
        for name in PARAMS:
            np.testing.assert_allclose(
                ours.params.as_dict()[name], theirs.params.as_dict()[name], rtol=1e-15
            )


# --- results.json --------------------------------------------------------------------------


def test_results_hold_the_trajectory():
    """K entries of {loss, W1, b1, W2, b2}; entry 0 is "updated", its loss the forward loss."""
    solution = solve(load_problem(TRAINING_CONFIG))
    results = json.loads(json.dumps(results_dict(solution)))
    trajectory = results["trajectory"]
    assert len(trajectory) == 50
    assert all(set(entry) == {"loss", *PARAMS} for entry in trajectory)
    assert {k: v for k, v in trajectory[0].items() if k != "loss"} == results["updated"]
    assert trajectory[0]["loss"] == results["forward"]["loss"]
    assert trajectory[-1]["loss"] == solution.trajectory[-1].loss
    assert trajectory[-1]["W2"] == solution.final.W2.tolist()


def test_results_of_a_batch_have_a_row_per_instance():
    results = results_dict(solve(load_problem(BATCH_CONFIG)))
    assert np.shape(results["forward"]["h"]) == (4, 3)
    assert np.shape(results["forward"]["y_hat"]) == (4, 3)
    assert isinstance(results["forward"]["loss"], float)
    assert np.shape(results["gradients"]["W1"]) == (2, 3)
    assert len(results["trajectory"]) == 3


# --- the .tex ------------------------------------------------------------------------------


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
    assert r"\subsection*{Training for 50 steps}" in training_tex
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
    assert r"\subsection*{Answer}" in homework_tex and "After one step" not in homework_tex


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
    assert r"$\theta^{51}$" in training_tex
    assert r"\Loss(\theta^{1}) = \num{1.5266}" in training_tex
    assert r"\Loss(\theta^{50}) = \num{0.6424}" in training_tex


def test_batch_forms_are_shown(batch_tex):
    """H = XW1 + 1b1ᵀ, the mean loss, (1/m)Xᵀ Δ1, ∂Loss/∂Z = (1/4)(Ŷ − Yˢ), with numbers."""
    for text in [
        "A mini-batch of $m = 4$ instances",
        r"\vect{H} &= \vect{X} \vect{W}_1 + \mathbf{1}_m \vect{b}_1^\top",
        r"\vect{Z} &= \vect{A} \vect{W}_2 + \mathbf{1}_m \vect{b}_2^\top",
        r"\Loss &= \frac{1}{m} \sum_{r=1}^{m} \ell_r",
        r"\pd{\Loss}{\vect{W}_1} = \frac{1}{m} \vect{X}^\top \vect{\Delta}_1",
        r"\frac{1}{4} \left(",
        r"\pd{\Loss}{\vect{W}_1} &= \vect{X}^\top \pd{\Loss}{\vect{H}}",
        r"\num{8.3233}",  # the mean loss of the 4 instances
    ]:
        assert text in batch_tex, text
    problem2 = batch_tex[batch_tex.index(r"\section*{Problem 2}") :]
    assert r"\vect{h} &= \vect{W}_1^\top \vect{x}" not in problem2


def test_a_long_batch_shows_its_first_and_last_rows():
    """m = 20 rows: each stacked matrix shows 3 + 2 rows around a row of ⋮."""
    tex = render_tex(solve(random_batch(3, m=20, d=2, n=3, q=3)))
    given_x = re.search(r"\\vect\{X\} = (\\begin\{bmatrix\*\}.*?\\end\{bmatrix\*\})", tex).group(1)
    assert given_x.count(r"\\") == 5 and r"\vdots" in given_x
    assert r"\cdots" in tex  # Xᵀ and Aᵀ: 20 columns, elided


# --- end to end: real PDFs -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "final_loss", "pages_text"),
    [
        (TRAINING_CONFIG, "0.6424", ["Training for 50 steps", "46"]),
        (BATCH_CONFIG, "4.2931", ["mini-batch of m = 4 instances", "Training for 3 steps"]),
    ],
    ids=["training", "batch"],
)
def test_pdf_shows_the_run(tmp_path, config, final_loss, pages_text):
    """The PDF compiles, and its text holds the last step's loss and the run's headings."""
    assert build_solution(config, tmp_path)
    solution = solve(load_problem(config))
    assert f"{solution.trajectory[-1].loss:.4f}" == final_loss
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "solution.pdf"), "-"], capture_output=True, check=True
    ).stdout.decode()
    steps = len(solution.trajectory)
    assert f"Loss(θ{steps} ) = {final_loss} at the last" in " ".join(text.split("\n"))
    for phrase in pages_text:
        assert phrase in text, phrase
    results = json.loads((tmp_path / "results.json").read_text())
    assert len(results["trajectory"]) == solution.problem.steps
