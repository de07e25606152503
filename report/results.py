"""results.json: every number of the solution at full float64 precision, in the homework's
shapes (for a mini-batch the forward arrays have one row per instance, and "loss" is the mean).

"forward" holds h and a of the one hidden layer (the homework's names), or h1, a1, …, hL, aL
of L ≠ 1 hidden layers; then z, y_hat (Softmax(z), z or σ(z) by the loss), y_smooth for
cross-entropy, and the loss.
"""

from __future__ import annotations

import json

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
    forward = {}
    hidden = len(fwd.hs)
    for layer, (h, a) in enumerate(zip(fwd.hs, fwd.activations, strict=True), 1):
        suffix = "" if hidden == 1 else str(layer)  # one hidden layer: "h", "a" as ever
        forward[f"h{suffix}"], forward[f"a{suffix}"] = h.tolist(), a.tolist()
    forward["z"], forward["y_hat"] = fwd.z.tolist(), fwd.y_hat.tolist()
    if fwd.y_smooth is not None:
        forward["y_smooth"] = fwd.y_smooth.tolist()
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
