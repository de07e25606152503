"""The problem sheet: the homework as handed out, with one instance's numbers and no answer."""

from __future__ import annotations

import functools

from pylatex.utils import NoEscape

from report.format import matrix, num, row_vector
from report.notation import ACTIVATION_TEX, LOSS_WORDS
from solver.instance import Problem


def statement_context(problem: Problem, name: str) -> dict:
    """What problem_statement.tex.j2 shows: the instance's given numbers, never an answer."""
    widths = problem.shape
    info = problem.report
    mat = functools.partial(matrix, decimals=info.decimals)
    batch = problem.x.shape[0] if problem.x.ndim == 2 else 0
    inline = functools.partial(row_vector, decimals=info.decimals)
    given = {key: mat(value) for key, value in problem.params.as_dict().items()}
    given.update(
        x=mat(problem.x) if batch else inline(problem.x),
        y=mat(problem.y) if batch else inline(problem.y),
        epsilon=num(problem.epsilon, info.decimals),
        eta=num(problem.learning_rate, info.decimals),
    )
    heading = f"Problem 2, {name.replace('-', ' ')}"
    return {
        "report": {"title": heading, "author": info.author, "date": info.date},
        "course": info.course,
        "heading": heading,
        "pdf_title": f"{info.course}: {heading}",
        "d": widths[0],
        "n": widths[1] if len(widths) == 3 else None,
        "q": widths[-1],
        "widths": widths,
        "batch": batch,
        "given": given,
        "homework_family": problem.homework_family and len(widths) == 3,
        "loss": problem.loss,
        "loss_words": LOSS_WORDS[problem.loss],
        "layers": [
            {
                "l": l,
                "key_W": f"W{l}",
                "key_b": f"b{l}",
                "rows": widths[l - 1],
                "cols": widths[l],
                "activation": problem.activations[l - 1] if l <= problem.hidden_layers else None,
                "f": NoEscape(ACTIVATION_TEX[problem.activations[l - 1]])
                if l <= problem.hidden_layers
                else None,
            }
            for l in range(1, len(widths))
        ],
        "negative_slope": num(problem.negative_slope, info.decimals),
    }
