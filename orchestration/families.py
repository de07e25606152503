"""The exercise families a config can hold, each one entry: what a build makes of its
tables. A config is a computational-graph exercise when it holds [graph], else a network's;
the build, its cache, its lock and its publishing are the same for every family
(orchestration.single), only the solving and the documents differ.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


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
    from report.settings import report_info
    from solver.errors import ConfigError, VerificationError
    from solver.graph import solve_graph
    from solver.graph_check import check_graph
    from solver.graph_config import parse_graph_config
    from solver.reading import Invalid

    problem, settings = parse_graph_config(data, source)
    info = report_info({"report": settings["report"]}, source)
    question = settings["question"]
    try:
        solution = solve_graph(problem)
    except Invalid as err:
        raise ConfigError(err.line(source)) from None
    checks = check_graph(solution)
    if not checks.passed:
        raise VerificationError(
            f"{source}: the back-propagated numbers disagree with SymPy's 50-digit values "
            f"(relative difference {checks.symbolic:.3g}) or with central differences "
            f"({checks.differences:.3g}): a bug in the solver, not in the exercise; nothing "
            "was published"
        )
    return Documents(
        sheet=graph_statement_tex(problem, question, info=info),
        results=graph_results_json(solution, checks, question),
        solution=graph_solution_tex(solution, checks, question, info=info),
    )


def _network_head(data: dict) -> str | None:
    from orchestration.single import early_head

    return early_head(data)


FAMILIES: dict[str, Family] = {
    family.name: family
    for family in (
        Family("network", _network_documents, _network_head),
        Family("graph", _graph_documents, lambda data: None),
    )
}


def family_of(data: dict) -> Family:
    """The family of a config's tables: [graph] makes a graph exercise."""
    return FAMILIES["graph" if "graph" in data else "network"]
