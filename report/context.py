"""Turn a Solution into the template context: formatted LaTeX strings, never new numbers.

Plain ``str`` values (the user's report strings) are escaped by the Jinja environment on
output; everything built here is LaTeX on purpose and is marked ``NoEscape``.
"""

from __future__ import annotations

from functools import partial

import numpy as np
from pylatex.utils import NoEscape

from report.figures import layer_titles, network_figure, schematic
from report.format import HEAD, MAX_SHOWN, TAIL, as_typed, matrix, num
from report.notation import equation_numbers, hidden_vector, param_tex
from report.optimizer_context import l2_context, loss_symbol, optimizer_context
from report.question import part_tex, unchanged_entries
from report.settings import DEFAULT_INFO, ReportInfo
from report.training_context import params_context, training_context
from report.verification_context import verification_context
from solver.activations import ACTIVATIONS
from solver.instance import Params
from solver.losses import LOSSES
from solver.solution import Solution
from solver.verification import Verification


def _halves(opening: str, terms: list[str], closing: str) -> tuple[NoEscape, NoEscape]:
    r"""A sum of ``terms`` in brackets, in two halves, each a line of its own when the whole is
    too wide (\fitsum): the first opens the bracket, the second closes it; a long sum shows its
    first and last few terms."""
    if len(terms) > MAX_SHOWN:
        terms = [*terms[:HEAD], r"\dots", *terms[-TAIL:]]
    cut = max(1, len(terms) // 2)  # the second half, on a line of its own, has more room
    first = opening + " + ".join(terms[:cut])
    second = "".join(f" + {term}" for term in terms[cut:]) + closing
    return NoEscape(first), NoEscape(second)


def loss_terms(y_smooth: np.ndarray, log_y_hat: np.ndarray, fmt_num) -> tuple[NoEscape, NoEscape]:
    r"""The sum −Σ yˢᵢ ln ŷᵢ with its numbers written out, one term per class, in two halves.

    >>> print(*loss_terms(np.array([0.5, 0.5]), np.array([-1.0, -2.0]), str), sep="|")
    -\bigl(0.5 \cdot (-1.0)| + 0.5 \cdot (-2.0)\bigr)
    """
    terms = [
        rf"{fmt_num(s)} \cdot ({fmt_num(lg)})" for s, lg in zip(y_smooth, log_y_hat, strict=True)
    ]
    return _halves(r"-\bigl(", terms, r"\bigr)")


def mean_terms(losses: np.ndarray, fmt_num) -> tuple[NoEscape, NoEscape]:
    r"""The mean (1/m)(ℓ₁ + … + ℓₘ) with its numbers written out, in two halves."""
    return _halves(rf"\frac{{1}}{{{len(losses)}}}\bigl(", [fmt_num(v) for v in losses], r"\bigr)")


MAX_LISTED = 8  # unchanged entries of a parameter named one by one; past this, counted


def unchanged_context(start: Params, after: Params, decimals: int, step: int = 1) -> list[dict]:
    """The entries the run leaves unchanged from ``start`` to ``after`` (θ after ``step``
    steps) at the printed decimals (dead units, zero inputs, tiny gradients), per parameter:
    what a class's handout does not ask, since it prints their answer already
    (report.question). Entries 1-based, as the key's columns."""
    start_arrays = start.as_dict()
    found = unchanged_entries(start_arrays, after.as_dict(), decimals)
    rows = []
    for name, entries in found.items():
        # "(1,~2)": an entry is never broken across lines
        shown = [",~".join(str(i + 1) for i in index) for index in entries[:MAX_LISTED]]
        shown = [f"({e})" if "," in e else e for e in shown]
        more = len(entries) - len(shown)
        if len(entries) == np.size(start_arrays[name]):
            words = "every entry"
        elif len(entries) == 1:
            words = f"entry {shown[0]}"
        elif more:
            words = f"entries {', '.join(shown)} and {more} more"
        else:
            words = f"entries {', '.join(shown[:-1])} and {shown[-1]}"
        rows.append({"tex": NoEscape(part_tex(name, step=step)), "words": NoEscape(words)})
    return rows


def asked_step_context(solution: Solution, step: int, mat, decimals: int) -> dict | None:
    """The parameters after the step the question asks, θ⁽ᵏ⁺¹⁾, when it is a later one than
    the first (the first's are shown after its step): each with its label, and the entries the
    run leaves as given."""
    if step == 1:
        return None
    after = solution.trajectory[step - 1].params
    return {
        "step": step,
        "last": step == len(solution.trajectory),
        "params": [
            {"tex": NoEscape(part_tex(name, step=step)), "value": mat(value)}
            for name, value in after.as_dict().items()
        ],
        "unchanged": unchanged_context(solution.problem.params, after, decimals, step),
    }


def solution_context(
    solution: Solution,
    exact: dict | None = None,
    verification: Verification | None = None,
    *,
    info: ReportInfo = DEFAULT_INFO,
) -> dict:
    """Everything the solution's templates show, keyed as the templates name it; ``info``
    is the config's [report] (the title block, the decimals, whether the tool is named).

    ``exact`` holds the rows of exact forms Problem 2 shows (orchestration.exact.exact_shown:
    None where there are none; SymPy's work, done by the caller), ``verification``
    the checks run (None: no appendix). Every network, the homework's too, is written layer
    by layer (network_context).
    """
    problem = solution.problem
    mat = partial(matrix, decimals=info.decimals)
    fnum = partial(num, decimals=info.decimals)
    context = {
        "report": {
            "title": info.title,
            "author": info.author,
            "course": info.course,
            "date": info.date,
            "student": info.student,
            "student_id": info.student_id,
        },
        "pdf_title": info.title,
        "pdf_author": info.student or info.author,  # who hands it in, when it is a student
        "paper": f"{info.paper}paper",
        "tools": info.appendix,  # False: no word of the tool, its files or its checks
        "m": problem.m,
        "batch": problem.batch,
        "updated": params_context(solution.updated, mat),
        "training": training_context(solution, mat, fnum),
        "optimizer": optimizer_context(solution, mat, fnum, info.decimals),
        "l2": l2_context(solution, mat, fnum, info.decimals),
        "loss_w": loss_symbol(bool(problem.l2)),  # what a weight's gradient is taken of
        # "gradient descent", "SGD with momentum", "Adam", …
        "method": problem.optimizer.entry.title_of(problem.optimizer.options),
        "exact": exact,
        "verification": verification_context(verification, problem, exact_forms=exact is not None)
        if info.appendix
        else None,
        "param_names": [{"key": name, "tex": param_tex(name)} for name in problem.params.as_dict()],
        "unchanged": unchanged_context(problem.params, solution.updated, info.decimals),
        "asked": asked_step_context(solution, info.question.step, mat, info.decimals),
        "places": info.decimals,
    }
    return context | network_context(solution, mat, fnum, info.decimals)


def _as_typed(decimals: int) -> tuple:
    """(matrix, number) formatters for the given numbers: each as typed (report.format)."""
    places = as_typed(decimals)
    return partial(matrix, decimals=places), partial(num, decimals=places)


def network_context(solution: Solution, mat, fnum, decimals: int) -> dict:
    """The network, layer by layer: ``layers`` holds each layer l = 1 … L + 1 (the last
    is the output layer) with its parameters, forward values and gradients, formatted in the
    orientation the template writes them (columns for one instance, rows for a batch)."""
    problem, fwd, bwd = solution.problem, solution.forward, solution.backward
    widths = problem.shape
    batch = problem.batch
    inputs = (problem.x, *fwd.activations)  # a_0 = x, a_1, …, a_L
    # δ_l = ∂Loss/∂h_l for the hidden layers, ∂Loss/∂z for the output layer
    deltas = (*bwd.dhs, bwd.dz)
    upstream = (*bwd.das, None)  # ∂Loss/∂a_l, the gradient arriving at hidden layer l
    given_mat, given_num = _as_typed(decimals)
    layers = []
    for index, (W, b) in enumerate(zip(problem.params.weights, problem.params.biases, strict=True)):
        l = index + 1
        hidden = l <= problem.hidden_layers
        a_in, delta = inputs[index], deltas[index]
        entry = {
            "l": l,
            "hidden": hidden,
            "width": widths[l],
            "width_in": widths[index],
            "W": given_mat(W),
            "WT": given_mat(W.T),
            "b": given_mat(b),
            "b_row": given_mat(b[None, :]),
            "a_in": mat(a_in),
            "a_inT": mat(a_in.T) if batch else None,
            "a_in_row": None if batch else mat(a_in[None, :]),
            "out": mat(fwd.hs[index]) if hidden else mat(fwd.z),
            "delta": mat(delta),
            "delta_row": None if batch else mat(delta[None, :]),
            "dW": mat(bwd.grads.weights[index]),
            "db": mat(bwd.grads.biases[index]),
            "W_new": mat(solution.updated.weights[index]),
            "b_new": mat(solution.updated.biases[index]),
        }
        if hidden:
            name = problem.activations[index]
            entry.update(
                activation=name,
                f=NoEscape(ACTIVATIONS[name].symbol),
                a=mat(fwd.activations[index]),
                slope=mat(bwd.slopes[index]),
                da=mat(upstream[index]),
            )
        layers.append(entry)
    # The loss as its definition gives it (the L2 penalty, if any, is added after it)
    forward = {"z": mat(fwd.z), "y_hat": mat(fwd.y_hat), "loss": fnum(fwd.loss - fwd.penalty)}
    if batch:
        forward["losses"] = mat(fwd.losses)
        forward["loss_terms"] = mean_terms(fwd.losses, fnum)
    if fwd.y_smooth is not None:  # label smoothing: ŷ's logarithm and the smoothed target
        forward.update(y_smooth=mat(fwd.y_smooth), log_y_hat=mat(fwd.log_y_hat))
        if not batch:
            forward["loss_terms"] = loss_terms(fwd.y_smooth, fwd.log_y_hat, fnum)
    if fwd.z_max is not None:  # softmax, through the max-shifted exponentials
        per_instance = mat if batch else fnum  # one number per instance
        forward.update(
            z_max=per_instance(fwd.z_max),
            exp_shifted=mat(fwd.exp_shifted),
            exp_sum=per_instance(fwd.exp_sum),
        )
    used = list(dict.fromkeys(problem.activations))  # in the order of the layers

    def named(letter: str, name: str, l: int | None) -> NoEscape:
        if l is None:
            return NoEscape(rf"\vect{{{letter}}}")
        if name in ("h", "a") and l >= 1:  # a hidden layer's (a₀ is x)
            return hidden_vector(letter, l, problem.hidden_layers)
        return NoEscape(rf"\vect{{{letter}}}_{{{l}}}")

    def plain(name: str, l: int | None = None) -> NoEscape:
        """A vector of one instance, as Problem 1 writes it: \\vect{h}_2."""
        return named({"delta": r"\delta"}.get(name, name), name, l)

    def sym(name: str, l: int | None = None) -> NoEscape:
        """What Problem 2 writes: the vector of one instance, or a batch's matrix of rows
        (\\vect{H}_2)."""
        if (name, l) == ("a", 0):  # a₀ = x
            return sym("x")
        if not batch:
            return plain(name, l)
        return named({"delta": r"\Delta"}.get(name, name.upper()), name, l)

    return {
        "widths": widths,
        "d": widths[0],
        "q": widths[-1],
        "hidden": problem.hidden_layers,
        "n": widths[1] if problem.hidden_layers == 1 else None,
        "loss": problem.loss,
        "loss_words": LOSSES[problem.loss].words,
        "smoothing": LOSSES[problem.loss].smoothing,
        "eq": equation_numbers(problem.hidden_layers),
        "activations": [
            {
                "name": name,
                "tex": NoEscape(ACTIVATIONS[name].symbol),
                "words": ACTIVATIONS[name].words,
            }
            for name in used
        ],
        "same_activation": len(set(problem.activations)) <= 1,
        "negative_slope": given_num(problem.negative_slope),
        "fig": {
            "net": network_figure(*widths),
            "titles": layer_titles(widths, problem.activations, problem.loss),
        },
        "scheme": schematic(problem.hidden_layers, problem.loss),
        "given": {
            "x": given_mat(problem.x),
            "y": given_mat(problem.y),
            "epsilon": given_num(problem.epsilon),
            "eta": given_num(problem.learning_rate),
        },
        "layers": layers,
        "fwd": forward,
        "bwd": {"dy_hat": mat(bwd.dy_hat), "dz": mat(bwd.dz)},
        "sym": sym,
        "plain": plain,
        "elided": max(*widths, problem.m) > MAX_SHOWN,
        "max_shown": MAX_SHOWN,
    }
