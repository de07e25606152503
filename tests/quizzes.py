"""Quiz questions for the LMS tests: real variants of the homework and of other networks."""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import replace
from functools import cache

from instances import ROOT
from lxml import etree

from report.quiz import QuizQuestion, quiz_question
from report.results import results_json
from report.settings import DEFAULT_INFO
from solver.config import load_problem
from solver.instance import Problem
from solver.network import solve

# The homework, a mini-batch of it, and two tanh layers with MSE.
CONFIGS = ("hw3", "batch", "tanh-mse")
# Text a user types, hostile to HTML, to Moodle's cloze syntax and to Canvas's blanks.
FIELD = re.compile(r"\{1:NUMERICAL:([^}]*)\}")  # a Moodle cloze field
QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
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


def moodle_fields(data: bytes) -> list[list[tuple[float, float, float]]]:
    """Each cloze field of each question: its answers as (mark, value, tolerance)."""
    quiz = etree.fromstring(data)
    fields = []
    for question in quiz.findall("question")[1:]:
        for field in FIELD.findall(question.findtext("questiontext/text")):
            answers = []
            for answer in re.split(r"(?<!\\)~", field):  # a feedback's ~ is escaped
                answer = re.split(r"(?<!\\)#", answer)[0]  # the feedback left out
                mark, rest = ("100", answer[1:]) if answer[0] == "=" else answer[1:].split("%", 1)
                value, tolerance = rest.split(":")
                answers.append((float(mark), float(value), float(tolerance)))
            fields.append(answers)
    return fields


def moodle_right(typed: str, answers: list[tuple[float, float, float]]) -> bool:
    """Moodle's verdict: the mark of the first answer whose interval holds the number."""
    value = float(typed)
    for mark, answer, tolerance in answers:
        slack = tolerance + 10.0**-14 * max(1.0, abs(answer))  # PHP's precision, 14
        if answer - slack <= value <= answer + slack:
            return mark == 100
    return False


def canvas_blanks(data: bytes) -> list[set[str]]:
    """Each blank of each item: the strings it accepts."""
    package = zipfile.ZipFile(io.BytesIO(data))
    name = next(n for n in package.namelist() if n != "imsmanifest.xml")
    assessment = etree.fromstring(package.read(name))
    return [
        {text.text for text in blank.iter(f"{QTI}mattext")}
        for blank in assessment.iter(f"{QTI}response_lid")
    ]
