"""What the graph family's documents show: the worked solution (graph_solution.tex.j2) as a
student writes it on the graph, and the problem sheet (graph_statement.tex.j2).

Numbers are set by report.format (as few decimals as are exact, at most the report's); the
drawing's wire labels are rounded to FIGURE_DECIMALS, the table gives the report's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from fractions import Fraction

from pylatex.utils import NoEscape

from report.format import sci
from report.graph_tex import (
    expression_tex,
    fill,
    lane,
    layout,
    locals_tex,
    name_tex,
    node_labels,
    number_operand,
    number_tex,
    operand,
)
from report.question import answer_tex
from report.settings import DEFAULT_INFO, ReportInfo
from solver.graph import GraphProblem, GraphSolution
from solver.graph_check import DIFFERENCE_TOLERANCE, SYMBOLIC_TOLERANCE, GraphChecks
from solver.graph_config import GraphQuestion
from solver.graph_ops import OPERATIONS

FIGURE_DECIMALS = 2
_WHOLE = re.compile(r"-?\d+")
EXACT_CHARACTERS = 40  # an exact value is shown when its TeX is at most this long
COLUMN_CM, ROW_CM = 2.5, 1.5  # the drawing's grid; narrowed to fit the text width
TEXT_WIDTH_CM = 16.0


def _trusted(value):
    """Every string in ``value`` marked as the LaTeX it is (built here, from the graph and
    the registry's TeX), so that the template does not escape it as user text."""
    if isinstance(value, str):
        return NoEscape(value)
    if isinstance(value, dict):
        return {key: _trusted(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_trusted(item) for item in value]
    return value


def _heading(info: ReportInfo, subtitle: str | None = None) -> dict:
    return {
        "report": {
            "title": info.title,
            "course": info.course,
            "author": info.author,
            "date": info.date,
            "student": info.student,
            "student_id": info.student_id,
        },
        "subtitle": subtitle,
        "pdf_title": info.title,
        "pdf_author": info.student or info.author,
        "paper": f"{info.paper}paper",
    }


def _given(problem: GraphProblem) -> list[dict]:
    return [
        {"name": name_tex(name), "value": number_tex(value, 12)}
        for name, value in problem.values.items()
    ]


def _definitions(problem: GraphProblem, labels: Sequence[str]) -> list[dict]:
    """Each expression of [graph] in TeX, the intermediates first, f last."""
    graph = problem.graph
    return [
        {"name": labels[i], "tex": expression_tex(graph, i, labels)}
        for i, node in enumerate(graph.nodes)
        if node.name and node.op not in ("input", "const")
    ]


def graph_parts(problem: GraphProblem) -> dict:
    """What the sheet, the solution and the quiz all state: each node's label, the
    definitions, the notes on operations and the inputs' values, in TeX."""
    labels = node_labels(problem.graph)
    return {
        "labels": labels,
        "definitions": _definitions(problem, labels),
        "notes": _notes(problem),
        "given": _given(problem),
    }


def _notes(problem: GraphProblem) -> str:
    """What the registry says of the operations f uses whose symbol alone a reader may not
    know (σ), in one clause."""
    ops = dict.fromkeys(node.op for node in problem.graph.nodes if node.op in OPERATIONS)
    return ", and ".join(OPERATIONS[op].note for op in ops if OPERATIONS[op].note)


def figure(
    problem: GraphProblem, labels: Sequence[str], solution: GraphSolution | None = None
) -> dict:
    """The drawing: each node at its place, each wire from an input to the node it feeds,
    labelled (given a solution) with the input's value above and the gradient it carries
    back below; f's own wire out, with f's value and ∂f/∂f = 1."""
    graph = problem.graph
    places = layout(graph)
    columns = 1 + max(p.column for p in places)
    column_cm = min(COLUMN_CM, TEXT_WIDTH_CM / max(columns, 1))
    nodes = []
    for index, (node, place) in enumerate(zip(graph.nodes, places, strict=True)):
        kind = node.op if node.op in ("input", "const") else "op"
        symbol = labels[index] if kind != "op" else OPERATIONS[node.op].symbol
        if node.exponent is not None:
            symbol = symbol.replace("@n", str(node.exponent))
        nodes.append(
            {
                "id": f"n{index}",
                "x": round(place.column * column_cm, 3),
                "y": round(-place.row * ROW_CM, 3),
                "kind": kind,
                "symbol": symbol,
                "label": labels[index] if kind == "op" else "",
            }
        )
    uses = [0] * len(graph.nodes)
    for node in graph.nodes:
        for source in node.inputs:
            uses[source] += 1
    wires = []
    for index, node in enumerate(graph.nodes):
        for position, source in enumerate(node.inputs):
            wire = {"from": f"n{source}", "to": f"n{index}", "via": []}
            row = lane(places, source, index)
            if row is not None:  # up, along, and down to its node, labelled along
                y = round(-row * ROW_CM, 3)
                wire["via"] = [
                    f"({nodes[source]['x'] + 0.45 * column_cm:.3f}, {y})",
                    f"({nodes[index]['x'] - 0.45 * column_cm:.3f}, {y})",
                ]
            # near its source, unless the source fans out (then near the node it feeds)
            wire["pos"] = 0.4 if uses[source] == 1 else 0.65
            if solution is not None and graph.nodes[source].op != "const":
                sent = solution.grads[index] * solution.locals[index][position]
                wire["value"] = number_tex(solution.values[source], FIGURE_DECIMALS)
                wire["grad"] = number_tex(sent, FIGURE_DECIMALS)
            wires.append(wire)
    out = {"id": f"n{graph.output}"}
    if solution is not None:
        out["value"] = number_tex(solution.f, FIGURE_DECIMALS)
        out["grad"] = "1"
    return {"nodes": nodes, "wires": wires, "out": out}


def forward_rows(solution: GraphSolution, labels: Sequence[str], decimals: int) -> list[dict]:
    """Each operation's value: its formula in names, then in numbers, then the value."""
    graph = solution.problem.graph
    rows = []
    for index, node in enumerate(graph.nodes):
        if node.op in ("input", "const"):
            continue
        names = fill(node, [operand(labels[i]) for i in node.inputs])[0]
        numbers = fill(node, [number_operand(solution.values[i], decimals) for i in node.inputs])
        value = number_tex(solution.values[index], decimals)
        rows.append(
            {
                "name": labels[index],
                "formula": names,
                "numbers": numbers[0],
                "value": "" if numbers[0] == value else value,  # −u at u = 1: −1, once
            }
        )
    return rows


def _upstream(solution: GraphSolution, index: int, decimals: int) -> str:
    """∂f/∂node: 1 at f; the one gradient it receives; or the sum of those it receives."""
    if index == solution.problem.graph.output:
        return "1"
    shares = [sent for _, sent in solution.arrivals[index]]
    total = number_tex(solution.grads[index], decimals)
    if len(shares) == 1:
        return total
    terms = " + ".join(
        number_operand(s, decimals)[0] if k == 0 else _term(s, decimals)
        for k, s in enumerate(shares)
    )
    return f"{terms} = {total}"


def _term(value: float, decimals: int) -> str:
    """A number after an operator: bracketed when negative."""
    tex = number_tex(value, decimals)
    return f"({tex})" if value < 0 else tex


def _backward(solution: GraphSolution, labels: Sequence[str], decimals: int) -> list[dict]:
    """The node table, from f back to the inputs: each node's value and upstream gradient,
    and per input of its operation the local gradient and the downstream gradient sent."""
    graph = solution.problem.graph
    rows = []
    for index in range(graph.output, -1, -1):
        node = graph.nodes[index]
        if node.op == "const":
            continue
        upstream = solution.grads[index]
        row = {
            "name": labels[index],
            "value": number_tex(solution.values[index], decimals),
            "upstream": _upstream(solution, index, decimals),
            "edges": [],
            "uses": len(solution.arrivals[index]),
        }
        if node.op == "input":
            row["rule"] = (
                f"the gradients from its {row['uses']} uses add up" if row["uses"] > 1 else ""
            )
            row["formula"] = labels[index]
        else:
            op = OPERATIONS[node.op]
            row["formula"] = (
                f"{labels[index]} = {fill(node, [operand(labels[i]) for i in node.inputs])[0]}"
            )
            row["rule"] = op.rule
            if row["uses"] > 1:
                row["rule"] += f"; the gradients from its {row['uses']} uses add up"
            symbolic = locals_tex(node, labels, labels[index])
            for position, source in enumerate(node.inputs):
                if graph.nodes[source].op == "const":  # a given number: no gradient asked
                    continue
                local = solution.locals[index][position]
                shown = number_tex(local, decimals)
                formula = symbolic[position]
                if _WHOLE.fullmatch(formula):  # 1, −1: the formula is its number
                    formula = shown
                row["edges"].append(
                    {
                        "input": labels[source],
                        "local": formula if formula == shown else f"{formula} = {shown}",
                        "downstream": (
                            f"{number_operand(upstream, decimals)[0]} \\cdot "
                            f"{_term(local, decimals)} = "
                            f"{number_tex(upstream * local, decimals)}"
                        ),
                    }
                )
        rows.append(row)
    return rows


def _exact(expression, at: dict) -> str | None:
    """The exact value of a SymPy expression at the given inputs, in TeX, when it is short
    and says more than its decimals (not a whole number)."""
    import sympy

    value = expression.xreplace(at)
    if sympy.count_ops(value) > 30:
        return None
    value = sympy.radsimp(sympy.powsimp(value))
    if value.is_Integer:
        return None
    tex = sympy.latex(value)
    return tex if len(tex) <= EXACT_CHARACTERS else None


def _decimal_at(checks: GraphChecks, problem: GraphProblem) -> dict:
    """Each input's symbol → its value as written (0.1 as 1/10, not float64's binary)."""
    by_name = {str(symbol): symbol for symbol in checks.at}
    return {
        by_name[name]: _rational(value) for name, value in problem.values.items() if name in by_name
    }


def _rational(value: float):
    import sympy

    fraction = Fraction(repr(float(value)))
    return sympy.Rational(fraction.numerator, fraction.denominator)


def _answers(
    solution: GraphSolution, checks: GraphChecks, question: GraphQuestion, decimals: int
) -> list[dict]:
    """f and each asked ∂f/∂input: the symbolic derivative SymPy took of the parsed graph,
    its exact value where short, and the back-propagated number."""
    import sympy

    problem = solution.problem
    at = _decimal_at(checks, problem)
    rows = [
        {
            "name": "f",
            "symbolic": None,
            "exact": _exact(checks.function, at),
            "value": number_tex(solution.f, decimals),
        }
    ]
    for name in question.gradients:
        derivative = checks.derivatives[name]
        rows.append(
            {
                "name": rf"\pd{{f}}{{{name_tex(name)}}}",
                "symbolic": sympy.latex(derivative),
                "exact": _exact(derivative, at),
                "value": number_tex(solution.gradient(name), decimals),
            }
        )
    return rows


def graph_solution_context(
    solution: GraphSolution,
    checks: GraphChecks,
    question: GraphQuestion,
    *,
    info: ReportInfo = DEFAULT_INFO,
) -> dict:
    """Everything graph_solution.tex.j2 shows."""
    problem = solution.problem
    parts = graph_parts(problem)
    labels = parts["labels"]
    decimals = info.decimals
    context = _heading(info)
    maths = dict(
        given=parts["given"],
        inputs=", ".join(name_tex(n) for n in problem.inputs),
        definitions=parts["definitions"],
        notes=parts["notes"],
        fig=figure(problem, labels, solution),
        forward=forward_rows(solution, labels, decimals),
        backward=_backward(solution, labels, decimals),
        answers=_answers(solution, checks, question, decimals),
        unnamed=", ".join(
            labels[i]
            for i, node in enumerate(problem.graph.nodes)
            if not node.name and node.op != "const"
        ),
        decimals=decimals,
        figure_decimals=FIGURE_DECIMALS,
        verification=None,
    )
    if info.appendix:
        maths["verification"] = {
            "symbolic": sci(checks.symbolic) if checks.symbolic else "0",
            "differences": sci(checks.differences) if checks.differences else "0",
            "symbolic_tolerance": sci(SYMBOLIC_TOLERANCE),
            "difference_tolerance": sci(DIFFERENCE_TOLERANCE),
        }
    context.update(_trusted(maths))
    return context


def graph_statement_context(
    problem: GraphProblem,
    question: GraphQuestion,
    name: str | None = None,
    *,
    info: ReportInfo = DEFAULT_INFO,
    answers: Sequence[str] = (),
) -> dict:
    """What graph_statement.tex.j2 shows: f, the inputs' values and the task, never an
    answer; ``name`` heads a class variant's sheet, ``answers`` add a box for each."""
    parts = graph_parts(problem)
    labels = parts["labels"]
    subtitle = name.replace("-", " ").capitalize() if name else None
    if name and info.student:
        subtitle = None
    context = _heading(info, subtitle)
    context["report"]["title"] = info.course
    maths = dict(
        given=parts["given"],
        inputs=", ".join(name_tex(n) for n in problem.inputs),
        definitions=parts["definitions"],
        notes=parts["notes"],
        fig=figure(problem, labels) if question.draw else None,
        asked=[name_tex(n) for n in question.gradients],
        every_input=len(question.gradients) == len(problem.inputs),
        answer_boxes=[_box_label(column) for column in answers],
        decimals=info.decimals,
    )
    context.update(_trusted(maths))
    return context


def _box_label(column: str) -> str:
    """An answer box's label: ``f``, or ``∂f/∂x`` for the column ``df_dx``."""
    return f"${answer_tex(column)}$"
