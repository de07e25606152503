"""results.json (report/results.py): every number at full precision, in the homework's shapes."""

from __future__ import annotations

import json

import numpy as np
from instances import BATCH_CONFIG, TRAINING_CONFIG

from report.results import results_dict
from solver.config import load_problem
from solver.network import solve

PARAMS = ("W1", "b1", "W2", "b2")


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
