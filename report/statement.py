"""The problem sheet: the homework as handed out, with one instance's numbers and no answer."""

from __future__ import annotations

import functools

from report.format import matrix, num, row_vector
from solver.instance import Problem


def statement_context(problem: Problem, name: str) -> dict:
    """What problem_statement.tex.j2 shows: the instance's given numbers, never an answer."""
    d, n, q = problem.shape
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
        "d": d,
        "n": n,
        "q": q,
        "batch": batch,
        "given": given,
    }
