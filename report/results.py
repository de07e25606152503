"""results.json: every number of the solution at full float64 precision, in the homework's
shapes (for a mini-batch the forward arrays have one row per instance, and "loss" is the mean).

"forward" holds h and a of the one hidden layer (the homework's names), or h1, a1, …, hL, aL
of L ≠ 1 hidden layers; then z, y_hat (Softmax(z), z or σ(z) by the loss), y_smooth for
cross-entropy, and the loss. "question" says what is asked and how it is judged: "decimals",
the places the key prints answers at (an answer is right when it rounds to the printed
value: report.answer_rule), the [question]'s "ask" and "parameters", and the "columns" asked
of this instance (report.question).
"""

from __future__ import annotations

import json

from report.question import asked_columns
from report.settings import DEFAULT_INFO, ReportInfo
from solver.instance import Params
from solver.solution import Solution, Step

DEFAULT_DECIMALS = DEFAULT_INFO.decimals  # a results.json that does not say is read at 4


def _lists(params: Params) -> dict[str, list]:
    return {name: value.tolist() for name, value in params.as_dict().items()}


def _step(step: Step) -> dict:
    """One step of the run: Loss(θᵗ), where it starts, and θᵗ⁺¹, where it ends."""
    return {"loss": step.loss, **_lists(step.params)}


def results_dict(solution: Solution, *, info: ReportInfo = DEFAULT_INFO) -> dict:
    """Forward values, gradients and updated parameters of the first step as plain lists and
    floats, then the trajectory: one entry per step (entry 0's parameters are "updated"), then
    the question ``info`` asks: its decimals, what it asks, and the columns that makes."""
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
    results = {
        "forward": forward,
        "gradients": _lists(solution.backward.grads),
        "updated": _lists(solution.updated),
        "trajectory": [_step(step) for step in solution.trajectory],
    }
    question = info.question
    start = solution.problem.params.as_dict()
    results["question"] = {
        "decimals": info.decimals,
        "ask": list(question.ask),
        "parameters": list(question.parameters),
        "columns": asked_columns(results, start, question, info.decimals),
    }
    return results


def results_json(solution: Solution, *, info: ReportInfo = DEFAULT_INFO) -> str:
    """The JSON text; floats are written with repr, so they read back bit for bit."""
    text = json.dumps(results_dict(solution, info=info), indent=2, allow_nan=False)
    return text + "\n"
