"""results.json: every number of the solution at full float64 precision, in the homework's
shapes."""

from __future__ import annotations

import json

import numpy as np

from solver.problem import Params, Solution


def _lists(params: Params) -> dict[str, list]:
    return {name: value.tolist() for name, value in params.as_dict().items()}


def results_dict(solution: Solution) -> dict:
    """Forward values, gradients and updated parameters as plain lists and floats."""
    fwd = solution.forward
    forward = {
        name: np.asarray(getattr(fwd, name)).tolist()
        for name in ("h", "a", "z", "y_hat", "y_smooth")
    }
    forward["loss"] = fwd.loss
    return {
        "forward": forward,
        "gradients": _lists(solution.backward.params),
        "updated": _lists(solution.updated),
    }


def results_json(solution: Solution) -> str:
    """The JSON text; floats are written with repr, so they read back bit for bit."""
    return json.dumps(results_dict(solution), indent=2, allow_nan=False) + "\n"
