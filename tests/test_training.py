"""Training runs and mini-batches end to end: the trajectory and the batch gradients against
PyTorch (float64, ``torch.optim.SGD``, ``F.cross_entropy(reduction="mean")``), and two real
PDFs. (results.json of a run: test_results.py; its .tex: test_context.py.)"""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from instances import BATCH_CONFIG, HOMEWORK_CONFIG, TRAINING_CONFIG, random_batch, random_problem

from orchestration.single import build_solution
from solver.config import load_problem
from solver.errors import DivergedError
from solver.instance import Problem
from solver.network import solve, train

pytestmark = pytest.mark.torch  # compares against PyTorch

RTOL = 1e-10
PARAMS = ("W1", "b1", "W2", "b2")


def assert_close(ours, theirs, what: str = "") -> None:
    """|a − b| ≤ 1e-10·max(|a|, |b|) entry by entry: relative, and two exact zeros agree."""
    a, b = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    assert a.shape == b.shape, what
    bad = np.abs(a - b) > RTOL * np.maximum(np.abs(a), np.abs(b))
    assert not bad.any(), f"{what}: {a[bad]} vs {b[bad]}"


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


def test_ten_thousand_steps_run(homework):
    """The longest run the config allows, on the homework's shape (about 0.4 s; its speed is
    the benchmark's business, not a test's)."""
    trajectory = train(replace(homework, steps=10_000))
    assert len(trajectory) == 10_000


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


# --- end to end: real PDFs -----------------------------------------------------------------


@pytest.mark.tex
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
    assert f"Loss(θ({steps}) ) = {final_loss} at the last" in " ".join(text.split("\n"))
    for phrase in pages_text:
        assert phrase in text, phrase
    results = json.loads((tmp_path / "results.json").read_text())
    assert len(results["trajectory"]) == solution.problem.steps
