"""The problem sheet: the homework as handed out, with one instance's numbers and no answer."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from pylatex.utils import NoEscape

from report.figures import layer_titles, network_figure
from report.format import as_typed, matrix, num, row_vector
from report.optimizer_context import rule_words
from report.question import DEFAULT_QUESTION, answer_tex, before_rule, later_step_words, task_words
from report.settings import DEFAULT_INFO, ReportInfo
from solver.activations import ACTIVATIONS
from solver.instance import Problem
from solver.losses import LOSSES


def statement_context(
    problem: Problem,
    name: str | None = None,
    *,
    info: ReportInfo = DEFAULT_INFO,
    answers: Sequence[str] = (),
) -> dict:
    """What problem_statement.tex.j2 shows: the instance's given numbers, never an answer.
    ``name`` (``variant-007``) heads a class variant's sheet under the course's title;
    ``answers``, the columns asked (results.json's question), add the answer sheet: a
    labelled box for each, in answer-key.csv's order."""
    widths = problem.shape
    places = as_typed(info.decimals)  # the sheet shows given numbers only, each as typed
    mat = functools.partial(matrix, decimals=places)
    batch = problem.x.shape[0] if problem.x.ndim == 2 else 0
    inline = functools.partial(row_vector, decimals=places)
    given = {key: mat(value) for key, value in problem.params.as_dict().items()}
    given.update(
        x=mat(problem.x) if batch else inline(problem.x),
        y=mat(problem.y) if batch else inline(problem.y),
        epsilon=num(problem.epsilon, places),
        eta=num(problem.learning_rate, places),
    )
    subtitle = name.replace("-", " ").capitalize() if name else None
    if name and info.student:  # a roster's handout: the student names it
        subtitle = None
    return {
        "report": {
            "title": info.course,
            "author": info.author,
            "date": info.date,
            "student": info.student,
            "student_id": info.student_id,
        },
        "course": info.course,
        "subtitle": subtitle,
        "pdf_title": f"{info.course}: {subtitle}" if subtitle else info.course,
        "pdf_author": info.student or info.author,
        "paper": f"{info.paper}paper",
        "fig": {
            "net": network_figure(*widths),
            "titles": layer_titles(widths, problem.activations, problem.loss),
        },
        "answer_boxes": [
            NoEscape(answer_tex(column, bool(batch), info.question.step)) for column in answers
        ],
        "task": NoEscape(task_words(info.question)),
        "before_rule": before_rule(info.question),  # ", for one step of", " of"
        "later_step": NoEscape(later_step_words()) if info.question.step > 1 else None,
        "rule": rule_words(problem, info.decimals),  # the step asked, with its hyperparameters
        "rule_plain": problem.optimizer.plain,  # η is then given after it
        "default_task": info.question.ask == DEFAULT_QUESTION.ask
        and not info.question.parameters
        and info.question.step == 1,
        "ask_given": info.question.ask_given,
        "decimals": info.decimals,
        "d": widths[0],
        "n": widths[1] if len(widths) == 3 else None,
        "q": widths[-1],
        "widths": widths,
        "batch": batch,
        "given": given,
        "homework_family": problem.homework_family and len(widths) == 3,
        "loss": problem.loss,
        "loss_words": LOSSES[problem.loss].words,
        "smoothing": LOSSES[problem.loss].smoothing,
        "layers": [
            {
                "l": l,
                "key_W": f"W{l}",
                "key_b": f"b{l}",
                "rows": widths[l - 1],
                "cols": widths[l],
                "activation": problem.activations[l - 1] if l <= problem.hidden_layers else None,
                "f": NoEscape(ACTIVATIONS[problem.activations[l - 1]].symbol)
                if l <= problem.hidden_layers
                else None,
            }
            for l in range(1, len(widths))
        ],
        "negative_slope": num(problem.negative_slope, places),
        "layer_range": _layer_range(len(widths) - 1),
        "hidden_words": ("no", "one", "two", "three", "four")[problem.hidden_layers],
        "definitions": _definitions(problem),
        "uses_alpha": any(ACTIVATIONS[name].uses_alpha for name in problem.activations),
    }


def _definitions(problem: Problem) -> list[NoEscape]:
    """The functions the sheet's equations use, in order of appearance, each defined once."""
    used = [ACTIVATIONS[name].definition for name in problem.activations]
    used += [LOSSES[problem.loss].output_definition]
    return [NoEscape(text) for text in dict.fromkeys(used) if text]


def _layer_range(count: int) -> NoEscape:
    r"""The layers' numbers as the sheet lists them.

    >>> print(_layer_range(2), _layer_range(5), sep="; ")
    1, 2; 1, \dots, 5
    """
    return NoEscape(
        ", ".join(map(str, range(1, count + 1))) if count <= 3 else rf"1, \dots, {count}"
    )
