"""results.json: every number of the solution at full float64 precision, in the homework's
shapes (for a mini-batch the forward arrays have one row per instance, and "loss" is the mean).
"""

from __future__ import annotations

import json

import numpy as np

from solver.instance import Params
from solver.solution import Solution, Step


def _lists(params: Params) -> dict[str, list]:
    return {name: value.tolist() for name, value in params.as_dict().items()}


def _step(step: Step) -> dict:
    """One step of the run: Loss(θᵗ), where it starts, and θᵗ⁺¹, where it ends."""
    return {"loss": step.loss, **_lists(step.params)}


def results_dict(solution: Solution) -> dict:
    """Forward values, gradients and updated parameters of the first step as plain lists and
    floats, then the trajectory: one entry per step (entry 0's parameters are "updated")."""
    fwd = solution.forward
    forward = {
        name: np.asarray(getattr(fwd, name)).tolist()
        for name in ("h", "a", "z", "y_hat", "y_smooth")
    }
    forward["loss"] = fwd.loss
    return {
        "forward": forward,
        "gradients": _lists(solution.backward.grads),
        "updated": _lists(solution.updated),
        "trajectory": [_step(step) for step in solution.trajectory],
    }


def results_json(solution: Solution) -> str:
    """The JSON text; floats are written with repr, so they read back bit for bit."""
    return json.dumps(results_dict(solution), indent=2, allow_nan=False) + "\n"
