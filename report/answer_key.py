"""The answer key of a class: one row a variant, the answers its [question] asks (the loss and
the updated parameters by default: report.question; a computational-graph exercise's f and
the gradients it asks), as CSV for a grader's program and as a table a grader can print."""

from __future__ import annotations

import csv
import io

import numpy as np
from pylatex.utils import NoEscape

from report.format import HEAD, MAX_SHOWN, TAIL, as_typed, matrix, num
from report.optimizer_context import rule_words
from report.question import (
    asked_answers,
    before_rule,
    every_answer,
    named,
    part_tex,
    task_words,
)
from report.settings import DEFAULT_INFO, ReportInfo
from report.spreadsheet import text_cell
from solver.instance import Problem
from solver.losses import LOSSES

# The answer key's page in pt: A4's text width and height at 1.5 cm margins (portrait), what
# the first page's title and notes take, and the table's header and rules.
_A4_TEXT_PT = (512, 759)
_KEY_TITLE_PT, _KEY_HEAD_PT = 125, 30


def key_columns(results: dict) -> dict[str, float]:
    """One variant's row of the key: the answers its question asks, by column, in order
    (entries 1-based, row-major); a results.json that does not say, the loss and every
    updated entry.

    >>> row = key_columns({"forward": {"loss": 1.5}, "updated": {"W1": [[1.0, 2.0]], "b1": [3.0],
    ...                    "W2": [[4.0]], "b2": [5.0, 6.0]}})
    >>> list(row), row["W1_1_2"]
    (['loss', 'W1_1_1', 'W1_1_2', 'b1_1', 'W2_1_1', 'b2_1', 'b2_2'], 2.0)
    """
    return {answer.column: answer.value for answer in asked_answers(results)}


def key_csv(results: dict[str, dict], students: dict[str, dict[str, str]] | None = None) -> str:
    """The key as CSV: a header, then one row a variant; floats by repr, so they read back.
    ``students`` (a roster's class) gives each variant's ``id`` and ``name`` columns, as text
    a spreadsheet will not run (report.spreadsheet)."""
    students = students or {}
    rows = [{"variant": n, **students.get(n, {}), **key_columns(r)} for n, r in results.items()]
    text = io.StringIO()
    # Variants are asked different entries (none that their handout shows): one column for
    # each entry any is asked, in the answers' order, empty where a variant is not asked it.
    asked = {column for row in rows for column in row}
    every = [a.column for a in every_answer(next(iter(results.values())))] if results else []
    named = ["variant", *(c for c in ("id", "name") if c in asked)]
    header = named + [c for c in every if c in asked] if rows else ["variant", "loss"]
    writer = csv.DictWriter(text, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        cells = {k: text_cell(v) if isinstance(v, str) else repr(v) for k, v in row.items()}
        writer.writerow(cells)
    return text.getvalue()


def _shown(count: int) -> int:
    """How many rows (columns) of a matrix of ``count`` the key prints (it elides the rest)."""
    return count if count <= MAX_SHOWN else HEAD + 1 + TAIL


def key_layout(widths: tuple[int, ...], decimals: int) -> dict:
    """Portrait or landscape, and how many variants each page holds.

    Sizes in pt, measured on the typeset key (A4, 1.5 cm margins, small font, 4 pt column
    gaps): a row is 12 pt a matrix line plus 4 pt, for as many lines as the tallest matrix
    shows; the table is about 127 pt plus 47 pt per number column at 4 decimals (each W_l'
    shows its columns, each b_l' one). A table wider than portrait is set in landscape,
    scaled down to the width if it is wider still; the rows per page follow from the
    scaled height.
    """
    weights = list(zip(widths, widths[1:], strict=False))  # W_l is widths[l-1] x widths[l]
    return _layout([*weights, *((n,) for n in widths[1:])], decimals)


def _layout(shapes: list[tuple[int, ...]], decimals: int) -> dict:
    """key_layout for a table whose number columns are matrices of ``shapes``."""
    columns = sum(_shown(shape[-1]) if len(shape) == 2 else 1 for shape in shapes)
    width = 127 + columns * (47 + 5 * (decimals - 4))
    landscape = width > _A4_TEXT_PT[0]
    text_width, text_height = _A4_TEXT_PT[::-1] if landscape else _A4_TEXT_PT
    row = min(1.0, text_width / width) * (12 * max(_shown(s[0]) for s in shapes) + 4)
    first = text_height - _KEY_TITLE_PT - _KEY_HEAD_PT
    rest = text_height - _KEY_HEAD_PT
    return {
        "landscape": landscape,
        "first": max(1, int(first // row)),
        "rest": max(1, int(rest // row)),
    }


def key_pages(rows: list[dict], first: int, rest: int) -> list[list[dict]]:
    """The rows split into pages: ``first`` on the first page, ``rest`` on each other one.

    >>> [len(page) for page in key_pages(list(range(10)), 4, 3)]
    [4, 3, 3]
    """
    pages = [rows[:first]]
    pages += [rows[i : i + rest] for i in range(first, len(rows), rest)]
    return pages


def _key_parts(results: dict, template: Problem, info: ReportInfo) -> list[tuple[str, str, str]]:
    """The key's number columns besides the loss: (header TeX, results.json table, key), the
    quantities the class's question asks, whole (the entries not asked print too)."""
    question = info.question
    parts = {
        answer.part: (
            part_tex(answer.part, template.batch, question.step),
            answer.table,
            answer.name,
        )
        for answer in every_answer(results)
        if answer.part != "loss" and named(answer, question.ask, question.parameters)
    }
    return list(parts.values())


def key_context(
    results: dict[str, dict], template: Problem, heading: dict, *, info: ReportInfo = DEFAULT_INFO
) -> dict:
    """What answer_key.tex.j2 shows: each variant's answers to the class's question (the
    loss, then each quantity asked, whole), formatted; ``info`` is the class's [report] (the
    course, the decimals) and its [question]."""
    places = info.decimals
    first = next(iter(results.values()))
    parts = _key_parts(first, template, info)
    shapes = [np.shape(first[table][name]) for _, table, name in parts]
    layout = _layout([s if len(s) == 2 else (s[0],) for s in shapes] or [(1,)], places)
    rows = [
        {
            "name": name,
            "loss": num(r["forward"]["loss"], places, places, fixed=True),
            "params": [
                matrix(r[table][key], places, places=places, fixed=True) for _, table, key in parts
            ],
        }
        for name, r in results.items()
    ]
    title = f"Answer key: {info.course}"
    return {
        "report": {"title": title, "author": info.author, "date": info.date},
        "pdf_title": title,
        "course": info.course,
        "decimals": info.decimals,
        "epsilon": num(template.epsilon, as_typed(info.decimals)),
        "smoothing": LOSSES[template.loss].smoothing,
        "eta": num(template.learning_rate, as_typed(info.decimals)),
        "layout": layout,
        "params": [NoEscape(header) for header, _, _ in parts],
        "show_loss": "loss" in info.question.ask,
        "task": NoEscape(task_words(info.question)),
        "before_rule": before_rule(info.question),  # ", for one step of", " of"
        "rule": rule_words(template, info.decimals),  # the rule, with its hyperparameters
        "rule_plain": template.optimizer.plain,  # η is then given after it
        "ask_given": info.question.ask_given,
        "graph_task": None,  # a network's
        "pages": key_pages(rows, layout["first"], layout["rest"]),
        **heading,
    }


def graph_key_context(
    results: dict[str, dict], heading: dict, *, info: ReportInfo = DEFAULT_INFO
) -> dict:
    """What answer_key.tex.j2 shows of a computational-graph exercise's class: per variant,
    f and each gradient asked (report.graph_results' "question"), rounded as its answers
    are judged."""
    places = info.decimals
    first = next(iter(results.values()))
    columns = first["question"]["columns"]
    layout = _layout([(1,)] * len(columns), places)
    rows = [
        {
            "name": name,
            "params": [num(value, places, places, fixed=True) for value in key_columns(r).values()],
        }
        for name, r in results.items()
    ]
    labels = [part_tex(column) for column in columns]
    title = f"Answer key: {info.course}"
    return {
        "report": {"title": title, "author": info.author, "date": info.date},
        "pdf_title": title,
        "course": info.course,
        "decimals": places,
        "layout": layout,
        "params": [NoEscape(label) for label in labels],
        "show_loss": False,
        "graph_task": NoEscape(", ".join(f"${label}$" for label in labels)),
        "pages": key_pages(rows, layout["first"], layout["rest"]),
        **heading,
    }
