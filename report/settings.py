"""What a document says around the mathematics: the config's [report] table (titles, names,
decimals, paper, the appendix) and what it asks (the [question] table: report.question),
carried beside the instance, never in it.

The schema (solver.schema) reads the table's types and lengths with the rest of the config;
this module says whether its text can be typeset, which is the report's to know
(report.scripts), and makes it a ReportInfo.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from report.question import DEFAULT_QUESTION, Question, question_of
from report.scripts import unsettable
from solver.errors import ConfigError
from solver.limits import DEFAULT_PAPER

if TYPE_CHECKING:
    from solver.instance import Problem

# What a document says when its config has no [report]: neutral words, no homework's own
# title or course (problems/hw3.toml states the homework's).
DEFAULT_TITLE = "Back-propagation: a worked solution"
DEFAULT_COURSE = "Back-propagation exercise"


@dataclass(frozen=True)
class ReportInfo:
    """Strings for the title block, as the user typed them (escaped later, by the report)."""

    title: str = DEFAULT_TITLE
    author: str = ""
    course: str = DEFAULT_COURSE
    date: str = ""
    decimals: int = 4
    student: str = ""
    student_id: str = ""
    paper: str = DEFAULT_PAPER  # or "letter"
    appendix: bool = True  # False: the PDF reads as the student's own work, no tool mentioned
    question: Question = DEFAULT_QUESTION  # the [question] table

    def table(self) -> dict[str, Any]:
        """As the config's [report] table (solver.config.problem_toml writes it back)."""
        return {
            f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "question"
        }


# What a document says when no [report] is given.
DEFAULT_INFO = ReportInfo()


def report_info(settings: Mapping[str, Mapping[str, Any]], source: str) -> ReportInfo:
    """The [report] and [question] tables, as solver.config.parse_config read them, once
    every string is known to be settable.

    Raises:
        ConfigError: a string holds a character no font of the PDF sets; the message is one
            line, ``source: report.KEY: …``, naming the character.
    """
    table = settings.get("report", {})
    for key, value in table.items():
        if isinstance(value, str) and (why := unsettable(value)) is not None:
            raise ConfigError(f"{source}: report.{key}: {why}")
    return ReportInfo(**table, question=question_of(settings.get("question", {})))


def load_instance(path: Path) -> tuple[Problem, ReportInfo]:
    """An instance file read once: the instance, and beside it its [report] settings.

    Raises:
        ConfigError: as solver.config.parse_config and :func:`report_info` say.
    """
    return read_instance(path)[1:]


def read_instance(path: Path) -> tuple[str, Problem, ReportInfo]:
    """:func:`load_instance`, with the file's text as read."""
    from solver.config import parse_config
    from solver.reading import read_config

    text, data = read_config(path)
    problem, table = parse_config(data, str(path))
    return text, problem, report_info(table, str(path))
