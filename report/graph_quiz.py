r"""A computational-graph exercise's quiz question, as report.quiz's :class:`QuizQuestion`
(report.moodle and report.canvas export it as they export a network's).

The text states the variant as its problem sheet does (graph_statement.tex.j2): f and the
intermediates the config names, the inputs' values, the task, then one answer field a
column (f, ∂f/∂x, …, in answer-key.csv's order). The worked answer is the forward pass,
each operation's value, and the backward pass, ∂f/∂node for every node from f back to the
inputs, rounded to the report's decimals. The TeX is report.graph_context's, made plain for
MathJax by report.quiz.

Pure: no files, no TeX run.
"""

from __future__ import annotations

from report.answer_key import key_columns
from report.graph_context import forward_rows, graph_parts
from report.graph_tex import name_tex, number_tex
from report.question import answer_tex
from report.quiz import (
    QuizQuestion,
    display_math,
    inline_math,
    placeholder,
    prose,
    typing_rule,
    user_text,
    worked_rounding,
)
from report.settings import DEFAULT_INFO, ReportInfo
from solver.graph import GraphProblem, solve_graph
from solver.graph_config import GraphQuestion


def _statement(problem: GraphProblem, question: GraphQuestion, decimals: int) -> str:
    """f, the inputs' values and the task, in the problem sheet's words."""
    parts = graph_parts(problem)
    inputs = ", ".join(name_tex(name) for name in problem.inputs)
    definitions = parts["definitions"]
    if len(definitions) == 1:
        text = "<p>Consider the function</p>" + display_math(
            f"f({inputs}) = {definitions[0]['tex']}"
        )
    else:
        rows = r" \\ ".join(f"{row['name']} &= {row['tex']}" for row in definitions)
        text = prose(f"<p>Consider the function $f({inputs})$ computed as</p>")
        text += display_math(r"\begin{aligned} " + rows + r" \end{aligned}")
    if parts["notes"]:
        text += prose(f"<p>where {parts['notes']},</p>")
    given = r", \quad ".join(f"{row['name']} = {row['value']}" for row in parts["given"])
    text += "<p>at</p>" + display_math(given + ".")
    asked = [inline_math(answer_tex(column)) for column in question.columns()[1:]]
    text += (
        "<p>Your task is to draw the computational graph of "
        + inline_math("f")
        + ", one node per operation, compute the value of every node (the forward pass), "
        "then back-propagate the gradient of "
        + inline_math("f")
        + " to every node, from "
        + inline_math("f")
        + " back to the inputs. Give "
        + inline_math("f")
        + (" and its gradient " if len(asked) == 1 else " and its gradients ")
        + ", ".join(asked)
        + f".</p><p>Type each answer rounded to {typing_rule(decimals)}.</p>"
    )
    return text


def _answer_fields(columns: list[str]) -> str:
    lines = [
        f"<p>{inline_math(answer_tex(column))} = {placeholder(column)}</p>" for column in columns
    ]
    return "<p><strong>Answers</strong></p>" + "".join(lines)


def _feedback(problem: GraphProblem, decimals: int) -> str:
    """The worked answer: each operation's value, then ∂f/∂node from f back to the inputs."""
    solution = solve_graph(problem)
    labels = graph_parts(problem)["labels"]
    graph = problem.graph
    forward = []
    for row in forward_rows(solution, labels, decimals):  # name = formula = numbers = value
        shown = [row["formula"], row["numbers"], row["value"]]
        forward.append(f"{row['name']} &= " + " = ".join(part for part in shown if part))
    backward = [
        rf"\partial f / \partial {labels[i]} &= {number_tex(solution.grads[i], decimals)}"
        for i in range(graph.output, -1, -1)
        if graph.nodes[i].op != "const"
    ]
    rounded = worked_rounding(decimals)
    return (
        f"<p><strong>Worked answer</strong> ({rounded}).</p><p>The forward pass, each "
        "operation's value, in the order it is computed:</p>"
        + display_math(r"\begin{aligned} " + r" \\ ".join(forward) + r" \end{aligned}")
        + "<p>The backward pass, the gradient of "
        + inline_math("f")
        + " with respect to every node, from "
        + inline_math("f")
        + " back to the inputs (a node used more than once adds the gradients of its uses):</p>"
        + display_math(r"\begin{aligned} " + r" \\ ".join(backward) + r" \end{aligned}")
    )


def graph_quiz_question(
    name: str,
    problem: GraphProblem,
    question: GraphQuestion,
    results: dict,
    student: str | None = None,
    *,
    info: ReportInfo = DEFAULT_INFO,
) -> QuizQuestion:
    """The quiz question of one graph variant: ``problem`` as given, ``question`` what it
    asks, ``results`` its results.json (report.graph_results); ``name`` and ``student`` as
    report.quiz.quiz_question's."""
    answers = tuple(key_columns(results).items())
    text = f"<p>{user_text(info.course)}</p><h3>Problem</h3>"
    if student is not None:
        text = f"<p><strong>Student:</strong> {user_text(student)}</p>" + text
    text += _statement(problem, question, info.decimals)
    text += _answer_fields([column for column, _ in answers])
    return QuizQuestion(
        name=name,
        text_html=text,
        answers=answers,
        feedback_html=_feedback(problem, info.decimals),
        decimals=info.decimals,
    )
