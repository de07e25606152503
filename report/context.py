"""Turn a Solution into the template context: formatted LaTeX strings, never new numbers.

Plain ``str`` values (the user's report strings) are escaped by the Jinja environment on
output; everything built here is LaTeX on purpose and is marked ``NoEscape``.
"""

from __future__ import annotations

from functools import partial

import numpy as np
from pylatex.utils import NoEscape

from report.figures import figure_context
from report.format import matrix, num
from solver.problem import Params, Solution


def _params(params: Params, fmt) -> dict[str, NoEscape]:
    return {name: fmt(value) for name, value in params.as_dict().items()}


def loss_terms(y_smooth: np.ndarray, log_y_hat: np.ndarray, fmt_num) -> NoEscape:
    r"""The sum −Σ yˢᵢ ln ŷᵢ with its numbers written out, one term per class."""
    pairs = zip(y_smooth, log_y_hat, strict=True)
    terms = [rf"{fmt_num(s)} \cdot ({fmt_num(lg)})" for s, lg in pairs]
    return NoEscape(r"-\bigl(" + " + ".join(terms) + r"\bigr)")


def build_context(solution: Solution) -> dict:
    """Everything the templates show, keyed as the templates name it."""
    problem, fwd, bwd = solution.problem, solution.forward, solution.backward
    d, n, q = problem.shape
    info = problem.report
    mat = partial(matrix, decimals=info.decimals)
    fnum = partial(num, decimals=info.decimals)
    given = _params(problem.params, mat)
    given.update(
        W1T=mat(problem.params.W1.T),
        W2T=mat(problem.params.W2.T),
        x=mat(problem.x),
        y=mat(problem.y),
        epsilon=fnum(problem.epsilon),
        eta=fnum(problem.learning_rate),
    )
    forward = {
        name: mat(getattr(fwd, name))
        for name in ("h", "a", "z", "exp_shifted", "y_hat", "log_y_hat", "y_smooth")
    }
    forward.update(
        z_max=fnum(float(fwd.z.max())),
        exp_sum=fnum(fwd.exp_sum),
        loss=fnum(fwd.loss),
        loss_terms=loss_terms(fwd.y_smooth, fwd.log_y_hat, fnum),
    )
    backward = {name: mat(getattr(bwd, name)) for name in ("y_hat", "z", "a", "relu_mask", "h")}
    backward.update(_params(bwd.params, mat))
    backward.update(z_row=mat(bwd.z[None, :]), h_row=mat(bwd.h[None, :]))
    return {
        "report": {
            "title": info.title,
            "author": info.author,
            "course": info.course,
            "date": info.date,
        },
        "pdf_title": info.title,
        "d": d,
        "n": n,
        "q": q,
        "fig": figure_context(d, n, q),
        "given": given,
        "fwd": forward,
        "bwd": backward,
        "updated": _params(solution.updated, mat),
    }
