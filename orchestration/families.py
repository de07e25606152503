"""The exercise families a config can hold, each one entry: what a build makes of its
tables, and what a class makes of them. A config is a computational-graph exercise when it
holds [graph], else a network's; the build, its cache, its lock and its publishing
(orchestration.single), a class's members, draws, workers and key (orchestration.classroom,
orchestration.class_key) are the same for every family: only the reading, the drawing, the
solving and the documents differ.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from report.settings import ReportInfo
    from solver.graph import GraphProblem
    from solver.graph_config import GraphQuestion


@dataclass(frozen=True)
class GraphExercise:
    """A graph config read whole: the exercise, what it asks, the ranges of its variants."""

    problem: GraphProblem
    question: GraphQuestion
    ranges: dict[str, tuple[float, float]]


@dataclass(frozen=True)
class VariantDocuments:
    """A class variant's files: its config.toml and results.json, its worked solution (its
    numbers checked) and its handout (the problem sheet with a box per answer asked)."""

    config: str
    results: str
    solution: str
    sheet: str


@dataclass(frozen=True)
class Documents:
    """A build's text outputs: the problem sheet, results.json and the worked solution
    (its numbers checked: VerificationError when an independent route disagrees)."""

    sheet: str
    results: str
    solution: str


@dataclass(frozen=True)
class Family:
    name: str
    # (the config's tables, its name for messages, prove) → the documents
    documents: Callable[..., Documents]
    # the solution's preamble before anything is solved (TeX started on it early); None: none
    early_head: Callable[[dict], str | None]
    # a class's: (the config's tables, its name) → (the template a class is drawn from, its
    # [report]); (template, info) → what draws each member's variant, .draw(seed, key);
    # (variant, info, member's name, comment) → its files; (template, info) → warm it up
    template: Callable[[dict, str], tuple[Any, ReportInfo]]
    fair: Callable[[Any, ReportInfo], Any]
    variant_documents: Callable[..., VariantDocuments]
    warm_up: Callable[[Any, ReportInfo], None]
    # a variant of this family (the workers are handed variants, not configs)
    holds: Callable[[Any], bool]
    # the class's key: (each variant's results.json by name, a variant, the class's heading,
    # info) → answer-key.pdf's TeX; (name, variant, its results, info) → its quiz question
    answer_key_tex: Callable[..., str]
    quiz_question: Callable[..., Any]


def _network_documents(data: dict, source: str, *, prove: bool) -> Documents:
    from orchestration.single import render_solution
    from report.document import statement_tex
    from report.results import results_json
    from report.settings import report_info
    from solver.config import parse_config
    from solver.errors import DivergedError
    from solver.network import solve

    problem, settings = parse_config(data, source)
    info = report_info(settings, source)
    try:
        solution = solve(problem)
    except DivergedError as err:
        raise DivergedError(f"{source}: {err}") from None
    return Documents(
        sheet=statement_tex(problem, info=info),
        results=results_json(solution, info=info),
        solution=render_solution(solution, info=info, prove=prove, keep=True),
    )


def _graph_documents(data: dict, source: str, *, prove: bool) -> Documents:
    """The graph family's: solved, checked by SymPy and central differences (a disagreement
    stops the build), typeset. ``prove`` asks nothing more of a graph: SymPy's derivatives
    are taken of every one."""
    from report.document import graph_solution_tex, graph_statement_tex
    from report.graph_results import graph_results_json
    from solver.errors import ConfigError
    from solver.reading import Invalid

    exercise, info = _graph_template(data, source)
    problem, question = exercise.problem, exercise.question
    try:  # a gradient that overflows (the values were solved as the config was read)
        solution, checks = checked_graph(problem, source)
    except Invalid as err:
        raise ConfigError(err.line(source)) from None
    return Documents(
        sheet=graph_statement_tex(problem, question, info=info),
        results=graph_results_json(solution, checks, question, info.decimals),
        solution=graph_solution_tex(solution, checks, question, info=info),
    )


def _graph_head(data: dict) -> str | None:
    from report.document import graph_solution_head
    from solver.limits import DEFAULT_PAPER

    report = data.get("report", {})
    paper = report.get("paper", DEFAULT_PAPER) if isinstance(report, dict) else None
    return graph_solution_head(paper) if isinstance(paper, str) else None


def _network_head(data: dict) -> str | None:
    from orchestration.single import early_head

    return early_head(data)


# --- a class ------------------------------------------------------------------------------


def _network_template(data: dict, source: str):
    from report.settings import report_info
    from solver.config import parse_config

    problem, settings = parse_config(data, source)
    return problem, report_info(settings, source)


def _network_fair(template, info):
    from orchestration.classroom import Fair

    return Fair(template, info)


def _network_variant(problem, info, name: str, comment: str) -> VariantDocuments:
    from orchestration.single import render_solution
    from report.document import statement_tex
    from report.results import results_json
    from solver.config import problem_toml
    from solver.network import solve

    solution = solve(problem)
    results = results_json(solution, info=info)
    config = problem_toml(problem, comment, report=info.table(), question=info.question.table())
    worked = render_solution(solution, info=info)  # checked first: no TeX if wrong
    asked = json.loads(results)["question"]["columns"]
    sheet = statement_tex(problem, name, info=info, answers=asked)
    return VariantDocuments(config, results, worked, sheet)


def _network_warm_up(problem, info) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from orchestration.single import render_solution
    from report.document import statement_tex
    from report.tex import prepare
    from solver.network import solve

    handout = statement_tex(problem, "variant-001", info=info, answers=["loss"])
    documents = [render_solution(solve(problem), info=info), handout]
    with ThreadPoolExecutor(len(documents)) as dumps:
        list(dumps.map(prepare, documents))


def _is_network(variant) -> bool:
    from solver.instance import Problem

    return isinstance(variant, Problem)


def _graph_template(data: dict, source: str) -> tuple[GraphExercise, ReportInfo]:
    from report.settings import report_info
    from solver.graph_config import parse_graph_config

    problem, settings = parse_graph_config(data, source)
    info = report_info({"report": settings["report"]}, source)
    return GraphExercise(problem, settings["question"], settings["ranges"]), info


def _graph_fair(template: GraphExercise, info):
    from orchestration.classroom import GraphFair

    return GraphFair(template, info)


def _graph_variant(exercise: GraphExercise, info, name: str, comment: str) -> VariantDocuments:
    from report.document import graph_solution_tex, graph_statement_tex
    from report.graph_results import graph_results_json
    from solver.graph_config import graph_toml

    solution, checks = checked_graph(exercise.problem, name)
    question = exercise.question
    return VariantDocuments(
        config=graph_toml(exercise.problem, comment, report=info.table(), question=question),
        results=graph_results_json(solution, checks, question, info.decimals),
        solution=graph_solution_tex(solution, checks, question, info=info),
        sheet=graph_statement_tex(
            exercise.problem, question, name, info=info, answers=question.columns()
        ),
    )


def checked_graph(problem: GraphProblem, source: str):
    """The solution of a graph exercise and its checks, which must pass.

    Raises:
        VerificationError: SymPy or central differences disagree; nothing may be published.
    """
    from solver.errors import VerificationError
    from solver.graph import solve_graph
    from solver.graph_check import check_graph

    solution = solve_graph(problem)
    checks = check_graph(solution)
    if not checks.passed:
        raise VerificationError(
            f"{source}: the back-propagated numbers disagree with SymPy's 50-digit values "
            f"(relative difference {checks.symbolic:.3g}) or with central differences "
            f"({checks.differences:.3g}): a bug in the solver, not in the exercise; nothing "
            "was published"
        )
    return solution, checks


def _graph_warm_up(exercise: GraphExercise, info) -> None:
    from report.tex import prepare

    documents = _graph_variant(exercise, info, "variant-001", "")
    prepare(documents.solution)
    prepare(documents.sheet)


def _network_key_tex(results: dict, problem, heading: dict, *, info) -> str:
    from report.document import answer_key_tex

    return answer_key_tex(results, problem, heading, info=info)


def _network_quiz(name: str, problem, results: dict, *, info):
    from report.quiz import quiz_question

    return quiz_question(name, problem, results, info=info)


def _graph_key_tex(results: dict, exercise: GraphExercise, heading: dict, *, info) -> str:
    from report.document import graph_answer_key_tex

    return graph_answer_key_tex(results, heading, info=info)


def _graph_quiz(name: str, exercise: GraphExercise, results: dict, *, info):
    from report.graph_quiz import graph_quiz_question

    return graph_quiz_question(name, exercise.problem, exercise.question, results, info=info)


FAMILIES: dict[str, Family] = {
    family.name: family
    for family in (
        Family(
            "network",
            _network_documents,
            _network_head,
            _network_template,
            _network_fair,
            _network_variant,
            _network_warm_up,
            _is_network,
            _network_key_tex,
            _network_quiz,
        ),
        Family(
            "graph",
            _graph_documents,
            _graph_head,
            _graph_template,
            _graph_fair,
            _graph_variant,
            _graph_warm_up,
            lambda variant: isinstance(variant, GraphExercise),
            _graph_key_tex,
            _graph_quiz,
        ),
    )
}


def family_of(data: dict) -> Family:
    """The family of a config's tables: [graph] makes a graph exercise."""
    return FAMILIES["graph" if "graph" in data else "network"]


def family_of_variant(variant) -> Family:
    """The family a drawn variant (or a template) belongs to."""
    return next(family for family in FAMILIES.values() if family.holds(variant))


def read_template(path: Path) -> tuple[str, Any, ReportInfo]:
    """A class's config read once: its text, the template its variants are drawn from and
    its [report].

    Raises:
        ConfigError: as the family's config reader says.
    """
    from solver.reading import read_config

    text, data = read_config(path)
    template, info = family_of(data).template(data, str(path))
    return text, template, info
