"""Turn a Solution into the template context: formatted LaTeX strings, never new numbers.

Plain ``str`` values (the user's report strings) are escaped by the Jinja environment on
output; everything built here is LaTeX on purpose and is marked ``NoEscape``.
"""

from __future__ import annotations

from functools import partial

import numpy as np
from pylatex.utils import NoEscape

from report.figures import layer_titles, network_figure, schematic
from report.format import HEAD, MAX_SHOWN, TAIL, as_typed, matrix, num, sci
from report.notation import equation_numbers, hidden_vector, param_tex
from report.settings import DEFAULT_INFO, ReportInfo
from solver.activations import ACTIVATIONS
from solver.exactness import MAX_DIGITS, PRECISION
from solver.high_precision import WORKING_DIGITS
from solver.instance import Params
from solver.losses import LOSSES
from solver.solution import Solution, Step
from solver.verification import (
    EXACT_TOLERANCE,
    GRADIENT_FLOOR,
    GRADIENT_TOLERANCE,
    KINK_MARGIN,
    STEP,
    Verification,
)

# The loss table lists every step up to TABLE_ALL steps; past that, the first and last few.
TABLE_ALL = 12
TABLE_ENDS = 5
# The loss curve draws at most this many points; marks only when there are few.
PLOT_POINTS = 400
PLOT_MARKS = 40
# A y-axis on a log scale when the loss spans more than this factor (two decades).
LOG_SPAN = 100.0


def _params(params: Params, fmt) -> dict[str, NoEscape]:
    return {name: fmt(value) for name, value in params.as_dict().items()}


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


def loss_rows(trajectory: tuple[Step, ...], fmt_num) -> list[dict | None]:
    """Rows (step t, Loss(θᵗ)) of the loss table; None marks the elided middle of a long run."""
    steps = range(1, len(trajectory) + 1)
    if len(steps) > TABLE_ALL:
        steps = [*steps[:TABLE_ENDS], None, *steps[-TABLE_ENDS:]]
    return [
        None if t is None else {"step": t, "loss": fmt_num(trajectory[t - 1].loss)} for t in steps
    ]


def plot_indices(count: int, most: int = PLOT_POINTS) -> list[int]:
    """At most ``most`` indices of ``count`` points, evenly spread, first and last included.

    >>> plot_indices(5), plot_indices(1000, 4)
    ([0, 1, 2, 3, 4], [0, 333, 666, 999])
    """
    if count <= most:
        return list(range(count))
    return sorted({round(i * (count - 1) / (most - 1)) for i in range(most)})


def step_ticks(steps: int) -> str:
    """Ticks on the step axis: each step of a short run, else round numbers, at most 8.

    >>> step_ticks(3), step_ticks(50), step_ticks(10000)
    ('1,2,3', '10,20,30,40,50', '2000,4000,6000,8000,10000')
    """
    if steps <= 10:
        return ",".join(str(t) for t in range(1, steps + 1))
    spacing = next(
        base * 10**power
        for power in range(len(str(steps)))
        for base in (1, 2, 5)
        if steps // (base * 10**power) <= 8
    )
    return ",".join(str(t) for t in range(spacing, steps + 1, spacing))


def loss_plot(trajectory: tuple[Step, ...]) -> dict:
    """The loss curve for pgfplots: its coordinates (t, Loss(θᵗ)), and how to draw them."""
    losses = [step.loss for step in trajectory]
    points = " ".join(f"({i + 1},{losses[i]:.10g})" for i in plot_indices(len(losses)))
    low, high = min(losses), max(losses)
    return {
        "coordinates": NoEscape(points),
        "log": low > 0 and high > LOG_SPAN * low,
        "marks": len(losses) <= PLOT_MARKS,
        "steps": len(losses),
        "xticks": NoEscape(step_ticks(len(losses))),
    }


def training_context(solution: Solution, mat, fnum) -> dict | None:
    """The run of gradient descent, when there is more than the first step to show."""
    trajectory = solution.trajectory
    if len(trajectory) < 2:
        return None
    return {
        "steps": len(trajectory),
        "final_step": len(trajectory) + 1,
        "rows": loss_rows(trajectory, fnum),
        "plot": loss_plot(trajectory),
        "first_loss": fnum(trajectory[0].loss),
        "last_loss": fnum(trajectory[-1].loss),
        "final": _params(solution.final, mat),
    }


def verification_context(
    check: Verification | None, problem, *, exact_forms: bool = False
) -> dict | None:
    """The appendix's figures, in scientific notation where they are error sizes;
    ``exact_forms``: Problem 2 shows exact forms, which the check covers too."""
    if check is None:
        return None
    power = partial(num, decimals=0, places=0)  # 1e-6 as 10⁻⁶
    errors = check.gradient_errors
    loss = LOSSES[problem.loss]
    proof = check.proof
    used = [ACTIVATIONS[name] for name in dict.fromkeys(problem.activations)]
    return {
        "exact_forms": exact_forms,
        # The units the words name: "ReLU", "leaky ReLU", or both (with "or"/"and").
        "kinked": " or ".join(a.words for a in used if a.kinked),
        "patterned": " and ".join(a.words for a in used if a.pieces is not None),
        "symbols": NoEscape(
            ", and ".join(
                [r"$\epsilon$"] * loss.smoothing
                + ["the leaky ReLU's slope"] * any(a.uses_alpha for a in used)
            )
        ),
        "pytorch": NoEscape(loss.pytorch),
        "conventions": [
            NoEscape(text)
            for text in (
                loss.convention,
                *(ACTIVATIONS[name].convention for name in dict.fromkeys(problem.activations)),
                loss.stable_form,
            )
            if text
        ],
        "gradient_rows": None
        if errors is None
        else [{"tex": param_tex(k), "value": sci(v)} for k, v in errors.items()],
        "gradients": None if errors is None else {k: sci(v) for k, v in errors.items()},
        "gradients_pass": check.gradients_pass,
        "gradient_tolerance": power(GRADIENT_TOLERANCE),
        "gradient_floor": power(GRADIENT_FLOOR),
        "kink_margin": power(KINK_MARGIN),
        "step": power(STEP),
        "sampled": check.sampled,
        "min_abs_h": num(check.min_abs_h, decimals=4),
        "exact": None if check.exact_agreement is None else sci(check.exact_agreement),
        "exact_pass": check.exact_pass,
        "exact_tolerance": power(EXACT_TOLERANCE),
        "precision": PRECISION,
        "working_digits": WORKING_DIGITS,
        "max_digits": MAX_DIGITS,
        "proof": None
        if proof is None
        else {
            "holds": proof.holds,
            "identities": proof.identities,
            "masks": proof.masks,
            "classes": proof.classes,
            "shape": proof.shape,
        },
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

    ``exact`` holds the rows of exact forms Problem 2 shows (report.exact_forms.exact_context:
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
        "updated": _params(solution.updated, mat),
        "training": training_context(solution, mat, fnum),
        "exact": exact,
        "verification": verification_context(verification, problem, exact_forms=exact is not None)
        if info.appendix
        else None,
        "param_names": [{"key": name, "tex": param_tex(name)} for name in problem.params.as_dict()],
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
    forward = {"z": mat(fwd.z), "y_hat": mat(fwd.y_hat), "loss": fnum(fwd.loss)}
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
