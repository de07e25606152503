"""Instances for tests: the homework's own, and small random ones of any shape."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from solver.instance import Params, Problem

ROOT = Path(__file__).resolve().parent.parent
HOMEWORK_CONFIG = ROOT / "problems" / "hw3.toml"
# What a build with --no-pdf leaves in its output folder, the lock and the set's records too.
NO_PDF_FOLDER = [".hw3-set.json", ".hw3-stamp.json", ".hw3.lock", "problem.tex", "results.json"]
NO_PDF_FOLDER += ["solution.tex"]
TRAINING_CONFIG = ROOT / "problems" / "training.toml"
BATCH_CONFIG = ROOT / "problems" / "batch.toml"


def homework_problem() -> Problem:
    """Problem 2 of the homework, typed in from the statement (independent of the TOML)."""
    return Problem(
        x=np.array([0.0, 2.0]),
        y=np.array([1.0, 0.0, 0.0]),
        params=Params(
            W1=np.array([[-5.0, 2, 2], [-5, 2, -1]]),
            b1=np.array([-3.0, -2, -3]),
            W2=np.array([[3.0, -4, 1], [-2, -4, -2], [-4, -2, 3]]),
            b2=np.array([4.0, 5, 5]),
        ),
        epsilon=0.3,
        learning_rate=0.1,
    )


def random_problem(rng: np.random.Generator, d: int, n: int, q: int, scale: float = 1.0) -> Problem:
    """Float weights: no ReLU input lands on the kink at 0 (with probability 1)."""
    y = np.zeros(q)
    y[rng.integers(q)] = 1.0
    return Problem(
        x=rng.normal(size=d) * scale,
        y=y,
        params=Params(
            W1=rng.normal(size=(d, n)),
            b1=rng.normal(size=n),
            W2=rng.normal(size=(n, q)),
            b2=rng.normal(size=q),
        ),
        epsilon=float(rng.uniform(0, 1)),
        learning_rate=0.1,
    )


def kink_problem(hot: int = 1) -> Problem:
    """d = 1, n = 2, q = 2 with h = [0, 2]: hidden unit 1 sits exactly on the ReLU kink."""
    return Problem(
        x=np.array([1.0]),
        y=np.eye(2)[hot],
        params=Params(
            W1=np.array([[1.0, 2.0]]),
            b1=np.array([-1.0, 0.0]),
            W2=np.array([[1.0, -1.0], [0.5, 2.0]]),
            b2=np.zeros(2),
        ),
        epsilon=0.1,
        learning_rate=0.1,
    )


# The parameters after one step, to 10 decimals, as the pipeline issue states them.
ISSUE_UPDATED = {
    "W1": [[-5, 2, 2], [-5, 1.9652851548, -1]],
    "b1": [-3, -2.0173574226, -3],
    "W2": [[3, -4, 1], [-1.8930775858, -3.9826425774, -2.1242798369], [-4, -2, 3]],
    "b2": [4.0534612071, 5.0086787113, 4.9378600816],
}


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


def arrays(problem) -> dict[str, np.ndarray]:
    return {"x": problem.x, "y": problem.y, **problem.params.as_dict()}


def assert_same_problem(a, b) -> None:
    for (name, left), right in zip(arrays(a).items(), arrays(b).values(), strict=True):
        np.testing.assert_array_equal(left, right, err_msg=name)
    assert (a.epsilon, a.learning_rate, a.steps, a.activations, a.loss) == (
        b.epsilon,
        b.learning_rate,
        b.steps,
        b.activations,
        b.loss,
    )


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by its relative path (the lock file is not an output)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in (".hw3.lock", ".hw3-set.json")  # bookkeeping
    }
