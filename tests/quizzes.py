"""Quiz questions for the LMS tests: real variants of the homework and of other networks."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cache

from instances import ROOT

from report.quiz import QuizQuestion, quiz_question
from report.results import results_json
from report.settings import DEFAULT_INFO
from solver.config import load_problem
from solver.instance import Problem
from solver.network import solve

# The homework, a mini-batch of it, and two tanh layers with MSE.
CONFIGS = ("hw3", "batch", "tanh-mse")
# Text a user types, hostile to HTML, to Moodle's cloze syntax and to Canvas's blanks.
HOSTILE = 'Zoë & <b>"Ål"</b> {1:SHORTANSWER:=x} [loss] ~#/\\ ]]>'


@cache
def variant(config: str) -> tuple[Problem, dict]:
    """The instance of ``problems/<config>.toml`` and its results.json."""
    problem = load_problem(ROOT / "problems" / f"{config}.toml")
    return problem, json.loads(results_json(solve(problem)))


def questions(config: str, count: int = 3, **report) -> list[QuizQuestion]:
    """``count`` questions variant-001, … of ``config``, each with its numbers moved a little
    (so that no two variants share an answer), ``report`` fields replaced."""
    problem, _ = variant(config)
    info = replace(DEFAULT_INFO, **report)
    out = []
    for number in range(1, count + 1):
        shifted = replace(problem, learning_rate=problem.learning_rate * (1 + number / 10))
        results = json.loads(results_json(solve(shifted)))
        out.append(quiz_question(f"variant-{number:03d}", shifted, results, info=info))
    return out
