"""A graph exercise's results.json: every node's value and the gradient of f with respect to
it, at full float64 precision (floats written with repr read back bit for bit).

"f" is the output's value; "gradients" holds ∂f/∂input by input name, in [graph.values]'s
order; "nodes" lists every node in the graph's order (each after its inputs, f last): its
operation, its name (an input's, an intermediate's, "f"), the nodes it takes (by index), its
value, its local gradients ∂node/∂input and ∂f/∂node; "checks" what SymPy in 50 digits and
central differences found (solver.graph_check); "question" what is asked and how it is
judged: the decimals its answers are printed at (report.answer_rule), the gradients asked,
whether the graph is drawn, and the answers' columns.
"""

from __future__ import annotations

import json

from report.settings import DEFAULT_INFO
from solver.graph import GraphSolution
from solver.graph_check import GraphChecks
from solver.graph_config import GraphQuestion

DEFAULT_DECIMALS = DEFAULT_INFO.decimals


def graph_results_dict(
    solution: GraphSolution,
    checks: GraphChecks,
    question: GraphQuestion | None = None,
    decimals: int = DEFAULT_DECIMALS,
) -> dict:
    """Every number of the solution as plain floats and lists; what ``question`` asks (by
    default f and every input's gradient) under "question", with the ``decimals`` (the
    [report]'s) its answers are judged at and their names as answer-key.csv's columns."""
    if question is None:
        question = GraphQuestion(solution.problem.inputs)
    graph = solution.problem.graph
    nodes = []
    for index, node in enumerate(graph.nodes):
        entry = {"op": node.op, "name": node.name, "inputs": list(node.inputs)}
        if node.constant is not None:
            entry["constant"] = node.constant
        if node.exponent is not None:
            entry["exponent"] = node.exponent
        entry.update(
            value=solution.values[index],
            local=list(solution.locals[index]),
            gradient=solution.grads[index],
        )
        nodes.append(entry)
    return {
        "family": "graph",
        "f": solution.f,
        "gradients": {name: solution.gradient(name) for name in solution.problem.inputs},
        "nodes": nodes,
        "checks": {"symbolic": checks.symbolic, "differences": checks.differences},
        "question": {"decimals": decimals, **question.table(), "columns": question.columns()},
    }


def graph_results_json(
    solution: GraphSolution,
    checks: GraphChecks,
    question: GraphQuestion | None = None,
    decimals: int = DEFAULT_DECIMALS,
) -> str:
    data = graph_results_dict(solution, checks, question, decimals)
    return json.dumps(data, indent=2, allow_nan=False) + "\n"
