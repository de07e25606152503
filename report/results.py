"""results.json: every number of the solution at full float64 precision, in the homework's
shapes (for a mini-batch the forward arrays have one row per instance, and "loss" is the mean).

"forward" holds h and a of the one hidden layer (the homework's names), or h1, a1, …, hL, aL
of L ≠ 1 hidden layers; then z, y_hat (Softmax(z), z or σ(z) by the loss), y_smooth for
cross-entropy, and the loss (with the L2 penalty, if any). "trajectory" holds each step: the
loss where it starts, the parameters where it ends and the optimizer's state after it;
"optimizer" (absent for plain gradient descent) the rule and its options, as torch.optim
names them. "question" says what is asked and how it is judged: "decimals",
the places the key prints answers at (an answer is right when it rounds to the printed
value: report.answer_rule), the [question]'s "ask" and "parameters" (and "step", when the
parameters asked are those after a later step than the first: then "updated" holds them),
and the "columns" asked of this instance (report.question). "mistakes" holds, for each known
mistake (and pair of them) that changes an asked answer, the answers it changes and the
values it gives them (solver.mistakes): what ``check`` and ``grade`` match a wrong answer against.
"""

from __future__ import annotations

import json
from collections.abc import Collection

import numpy as np

from report.answer_rule import printed
from report.question import asked_answers, asked_columns, part_of
from report.settings import DEFAULT_INFO, ReportInfo
from solver.errors import DivergedError
from solver.instance import Params, Problem
from solver.mistakes import candidates, parts_of
from solver.network import first_step
from solver.solution import Forward, Solution, Step

DEFAULT_DECIMALS = DEFAULT_INFO.decimals  # a results.json that does not say is read at 4
# The mistaken answers results.json keeps at most (~3.5 MB of JSON): every one of a network a
# class works by hand (the 64-unit wide.toml keeps ~76 000), and what fits of the largest
# accepted network's, whose results.json then stays under reading.MAX_RESULTS_BYTES.
MISTAKEN_ANSWERS = 100_000


def _lists(params: Params) -> dict[str, list]:
    return {name: value.tolist() for name, value in params.as_dict().items()}


def _step(step: Step) -> dict:
    """One step of the run: Loss(θᵗ), where it starts, and θᵗ⁺¹, where it ends; with an
    optimizer that keeps state, its state after the step under PyTorch's names
    ({"exp_avg": {"W1": …, …}, …})."""
    entry = {"loss": step.loss, **_lists(step.params)}
    if step.state:
        entry["state"] = {name: _lists(values) for name, values in step.state.items()}
    return entry


def _arrays(fwd: Forward, grads: Params, updated: Params) -> dict[str, dict[str, np.ndarray]]:
    """The forward values, the gradients and the updated parameters, as results.json names
    them (a number for the loss)."""
    forward = {}
    hidden = len(fwd.hs)
    for layer, (h, a) in enumerate(zip(fwd.hs, fwd.activations, strict=True), 1):
        suffix = "" if hidden == 1 else str(layer)  # one hidden layer: "h", "a" as ever
        forward[f"h{suffix}"], forward[f"a{suffix}"] = h, a
    forward["z"], forward["y_hat"] = fwd.z, fwd.y_hat
    if fwd.y_smooth is not None:
        forward["y_smooth"] = fwd.y_smooth
    forward["loss"] = np.float64(fwd.loss)
    return {"forward": forward, "gradients": grads.as_dict(), "updated": updated.as_dict()}


def _tables(fwd: Forward, grads: Params, updated: Params) -> dict:
    """The same as plain lists and floats."""
    return {
        table: {name: value.tolist() for name, value in values.items()}
        for table, values in _arrays(fwd, grads, updated).items()
    }


def results_dict(
    solution: Solution, *, info: ReportInfo = DEFAULT_INFO, mistakes: bool = True
) -> dict:
    """Forward values, gradients and updated parameters of the first step (the updated ones
    of the step the question asks) as plain lists and floats, then the trajectory: one entry
    per step (entry k − 1's parameters are "updated", k the step asked), then
    the question ``info`` asks: its decimals, what it asks, and the columns that makes; then
    what each known mistake makes of the answers asked (:func:`mistaken_answers`), unless
    ``mistakes`` is false (a class's draw, weighing a candidate by its answers alone)."""
    question = info.question
    asked = solution.trajectory[question.step - 1].params  # the first step's, unless later
    results = _tables(solution.forward, solution.backward.grads, asked)
    results["trajectory"] = [_step(step) for step in solution.trajectory]
    problem = solution.problem
    if not problem.plain_descent:  # the rule the run used, as torch.optim names it
        optimizer = problem.optimizer
        results["optimizer"] = {
            "name": optimizer.name,
            "torch": optimizer.entry.torch,
            "lr": problem.learning_rate,
            **{k: list(v) if isinstance(v, tuple) else v for k, v in optimizer.options.items()},
            "l2": problem.l2,
        }
    start = solution.problem.params.as_dict()
    results["question"] = {
        "decimals": info.decimals,
        "ask": list(question.ask),
        "parameters": list(question.parameters),
        **({"step": question.step} if question.step > 1 else {}),
        "columns": asked_columns(results, start, question, info.decimals),
    }
    if mistakes:
        results["mistakes"] = mistaken_answers(solution.problem, results)
    return results


def _reprinted(values: np.ndarray, right: np.ndarray, decimals: int) -> np.ndarray:
    """Where ``values`` print otherwise than ``right`` at ``decimals`` places: numpy settles
    the plain cases (equal, or a unit and a half apart), report.answer_rule the rest."""
    scale = 10.0**decimals
    gap = np.abs(values - right) * scale
    differs = gap >= 1.5
    for i in np.flatnonzero((gap > 0) & (gap < 1.5)):
        differs[i] = printed(float(values[i]), decimals) != printed(float(right[i]), decimals)
    return differs


def _as_printed(value: float, decimals: int) -> float:
    """The value as the key prints it (the same answers round to it), unless it is halfway
    between two printings: kept whole, so that both stay right."""
    fraction = abs(value * 10.0**decimals) % 1.0
    if abs(fraction - 0.5) > 1e-6:  # far from halfway: Python's own rounding prints it
        return float(f"{value:.{decimals}f}") + 0.0  # + 0.0: a -0.0 is written 0.0
    shown = printed(value, decimals)
    return float(shown[0]) if len(shown) == 1 else value


def mistaken_answers(
    problem: Problem, results: dict, only: Collection[str] | None = None
) -> dict[str, dict[str, float]]:
    """For each known mistake that can happen in ``problem``, and each pair of them
    (solver.mistakes), the asked answers it gets wrong, column by column, with the value a
    student making it writes, as the key prints it. Only whole parts are kept (report.
    question.part_of: the loss, ∇W1, W1′, …): a part a mistake changes holds every answer of
    it that the mistake gets wrong. A pair keeps only the parts its two mistakes change
    together (where it differs from each alone); a candidate whose numbers overflow, or that
    changes no part, is left out. Singles come first; the candidates stop at the first that
    would take the answers kept past :data:`MISTAKEN_ANSWERS`. With ``only``, those candidates
    alone are computed (and a pair's two mistakes, which it is weighed against): grading
    checks the ones it names against the table it read, without computing them all.
    """
    decimals = results["question"]["decimals"]
    through = results["question"].get("step", 1)  # the step whose parameters are asked
    asked = asked_answers(results)
    right = np.array([a.value for a in asked])
    parts = [part_of(a.column) for a in asked]
    # each array's asked entries, flat (asked_answers lists them array by array, in order)
    where: dict[tuple[str, str], list[int]] = {}
    shapes = {}
    for a in asked:
        if (a.table, a.name) not in shapes:
            shapes[a.table, a.name] = np.shape(results[a.table][a.name])
        flat = int(np.ravel_multi_index(a.index, shapes[a.table, a.name]))
        where.setdefault((a.table, a.name), []).append(flat)
    found: dict[str, dict[str, float]] = {}
    shown: dict[str, dict[str, tuple]] = {}  # per candidate, per part: its printed answers
    stored = 0
    needed = None if only is None else {c for one in only for c in (one, *parts_of(one))}
    for candidate, hooks in candidates(problem):
        if needed is not None and candidate not in needed:
            continue
        try:
            with np.errstate(all="ignore"):
                fwd, bwd, updated = first_step(problem, hooks, through)
            arrays = _arrays(fwd, bwd.grads, updated)
        except DivergedError:
            continue
        values = np.concatenate(
            [np.ravel(arrays[table][name])[flat] for (table, name), flat in where.items()]
        )
        if not np.isfinite(values).all():
            continue
        by_part: dict[str, dict[str, float]] = {}
        for i in np.flatnonzero(_reprinted(values, right, decimals)):
            by_part.setdefault(parts[i], {})[asked[i].column] = _as_printed(
                float(values[i]), decimals
            )
        alone = [shown.get(one, {}) for one in parts_of(candidate)]
        kept = {
            part: answers
            for part, answers in by_part.items()
            if len(alone) == 1 or all(tuple(answers.items()) != a.get(part) for a in alone)
        }
        size = sum(len(answers) for answers in kept.values())
        if stored + size > MISTAKEN_ANSWERS:
            break
        stored += size
        if kept:
            shown[candidate] = {part: tuple(answers.items()) for part, answers in kept.items()}
            found[candidate] = {c: v for answers in kept.values() for c, v in answers.items()}
    return found


def results_json(
    solution: Solution, *, info: ReportInfo = DEFAULT_INFO, mistakes: bool = True
) -> str:
    """The JSON text; floats are written with repr, so they read back bit for bit. Without
    ``mistakes``, it is the text before the "mistakes" table (its last): a results.json's
    text starts with it, but for its closing brace (:func:`same_but_mistakes`)."""
    results = results_dict(solution, info=info, mistakes=mistakes)
    text = json.dumps(results, indent=2, allow_nan=False)
    return text + "\n"


def same_but_mistakes(text: str, solution: Solution, info: ReportInfo) -> bool:
    """Whether ``text`` is the results.json of ``solution`` in all but its "mistakes" table
    (grading checks the mistakes it names alone: :func:`mistaken_answers`'s ``only``)."""
    start = results_json(solution, info=info, mistakes=False).removesuffix("\n}\n")
    return text.startswith(start + ',\n  "mistakes": {') and text.endswith("}\n}\n")
