"""Each document as LaTeX source: the solution, the problem sheet, the answer key.

One Jinja environment per process, so each template is compiled once however many
documents (a class's variants) are rendered. Turning the source into a PDF is report.tex.

The contexts' modules (and numpy with them) are imported when a document is rendered, not
with this module: :func:`solution_head` is what a build asks for first, to start TeX early
(it loads only report.figures, for Figure 2, whose loss labels bring numpy).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import jinja2

from report.cache_folder import trusted_folder
from report.environment import make_environment
from report.scripts import FAMILIES, font_keys
from report.settings import DEFAULT_INFO, ReportInfo
from report.tex.format_cache import split

if TYPE_CHECKING:
    from solver.graph import GraphProblem, GraphSolution
    from solver.graph_check import GraphChecks
    from solver.graph_config import GraphQuestion
    from solver.instance import Problem
    from solver.solution import Solution
    from solver.verification import Verification

TEMPLATES = (
    *("solution.tex.j2", "problem_statement.tex.j2", "answer_key.tex.j2"),
    *("graph_solution.tex.j2", "graph_statement.tex.j2"),
)


@functools.cache
def environment() -> jinja2.Environment:
    """The process's environment; each template is compiled when first used (once per
    version of it: kept in the user's cache folder, where that folder can be trusted)."""
    env = make_environment(compiled=trusted_folder("templates"))
    env.globals["families"] = FAMILIES
    return env


def compile_templates() -> None:
    """Compile every document's template now (before worker processes are forked)."""
    for name in TEMPLATES:
        environment().get_template(name)


def _fonts(info: ReportInfo, *more: str) -> list[str]:
    """The fonts for the [report] text outside Latin (empty: pdfLaTeX sets the document)."""
    fields = (info.title, info.course, info.author, info.date, info.student, info.student_id)
    return font_keys(*fields, *more)


def solution_tex(
    solution: Solution,
    exact: dict | None,
    verification: Verification | None,
    *,
    info: ReportInfo = DEFAULT_INFO,
) -> str:
    """The worked solution, its title block and decimals from ``info``, with the rows of
    exact forms ``exact`` (report.exact_forms; None: none); ``verification`` None leaves out
    the Verification appendix."""
    from report.context import solution_context

    context = solution_context(solution, exact, verification, info=info)
    context["fonts"] = _fonts(info)
    return _render("solution.tex.j2", context)


def statement_tex(
    problem: Problem,
    name: str | None = None,
    *,
    info: ReportInfo = DEFAULT_INFO,
    answers: Sequence[str] = (),
) -> str:
    """The problem sheet of ``problem``; a class variant's is headed with ``name``, and a
    handout's ends with a box for each of ``answers``, the columns asked."""
    from report.statement import statement_context

    context = statement_context(problem, name, info=info, answers=answers)
    context["fonts"] = _fonts(info)
    return _render("problem_statement.tex.j2", context)


def answer_key_tex(
    results: dict[str, dict], template: Problem, heading: dict, *, info: ReportInfo = DEFAULT_INFO
) -> str:
    """The printable answer key of the variants whose results.json data are ``results``."""
    from report.answer_key import key_context

    context = key_context(results, template, heading, info=info)
    context["fonts"] = _fonts(info)
    return _render("answer_key.tex.j2", context)


def graph_answer_key_tex(
    results: dict[str, dict], heading: dict, *, info: ReportInfo = DEFAULT_INFO
) -> str:
    """The printable answer key of a computational-graph exercise's variants."""
    from report.answer_key import graph_key_context

    context = graph_key_context(results, heading, info=info)
    context["fonts"] = _fonts(info)
    return _render("answer_key.tex.j2", context)


def class_report_tex(
    marks: Sequence[Mapping[str, bool]],
    members: int,
    heading: dict,
    *,
    batch: bool = False,
    info: ReportInfo = DEFAULT_INFO,
    mistakes: Sequence[Sequence[str]] = (),
) -> str:
    """The class report of a graded class: ``marks`` are the verdicts of the students who
    responded, ``mistakes`` the mistakes each one's answers show (report.class_report)."""
    from report.class_report import class_report_context

    context = class_report_context(
        marks, members, heading, batch=batch, info=info, mistakes=mistakes
    )
    context["fonts"] = _fonts(info)
    return _render("class_report.tex.j2", context)


def graph_solution_tex(
    solution: GraphSolution,
    checks: GraphChecks,
    question: GraphQuestion,
    *,
    info: ReportInfo = DEFAULT_INFO,
) -> str:
    """The worked solution of a computational-graph exercise (report.graph_context)."""
    from report.graph_context import graph_solution_context

    context = graph_solution_context(solution, checks, question, info=info)
    context["fonts"] = _fonts(info)
    return _render("graph_solution.tex.j2", context)


def graph_statement_tex(
    problem: GraphProblem,
    question: GraphQuestion,
    name: str | None = None,
    *,
    info: ReportInfo = DEFAULT_INFO,
    answers: Sequence[str] = (),
) -> str:
    """The problem sheet of a computational-graph exercise; ``name`` and ``answers`` as for
    :func:`statement_tex`."""
    from report.graph_context import graph_statement_context

    context = graph_statement_context(problem, question, name, info=info, answers=answers)
    context["fonts"] = _fonts(info)
    return _render("graph_statement.tex.j2", context)


def _render(name: str, context: dict) -> str:
    """A document's source from its template, starting at its first line of TeX: the blank
    lines its template comments leave are dropped, so that documents of one kind begin with
    the same preamble, and share one cached format (report.tex.format_cache)."""
    return environment().get_template(name).render(context).lstrip("\n")


def solution_head(paper: str, hidden_layers: int, loss: str) -> str | None:
    """The preamble every solution of a network with ``hidden_layers`` and ``loss`` begins
    with (set by pdfLaTeX: text all in Latin), down to the marker of
    report.tex.format_cache, for a paper size (``a4``, ``letter``), before any number is
    known: what TeX can be started with early (report.tex.start). None when the template
    needs more than that to get there."""
    from report.figures import schematic

    context = {"paper": f"{paper}paper", "fonts": [], "scheme": schematic(hidden_layers, loss)}
    return _head("solution.tex.j2", context)


def graph_solution_head(paper: str) -> str | None:
    """:func:`solution_head` for a computational-graph exercise's solution (the same for
    every graph, set by pdfLaTeX)."""
    return _head("graph_solution.tex.j2", {"paper": f"{paper}paper", "fonts": []})


def _head(name: str, context: dict) -> str | None:
    text = ""
    try:  # up to the marker only: what follows it needs the document's context
        template = environment().get_template(name)
        for chunk in template.generate(context):
            text += chunk
            preamble = split(text.lstrip("\n"))
            if preamble is not None:
                return preamble.head
    except jinja2.TemplateError:
        return None
    return None
