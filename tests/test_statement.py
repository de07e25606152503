"""The problem sheet (report/statement.py): the instance's given numbers, never an answer."""

from __future__ import annotations

from report.document import statement_tex
from report.statement import statement_context


def test_context_holds_the_given_numbers_only(homework):
    context = statement_context(homework, "variant-007")
    assert context["subtitle"] == "Variant 007"
    assert set(context["given"]) == {"W1", "b1", "W2", "b2", "x", "y", "epsilon", "eta"}
    assert context["given"]["x"] == r"[\num{0}, \num{2}]^\top"


def test_sheet_states_the_task_without_the_solution(homework):
    tex = statement_tex(homework, "variant-007")
    assert r"\num{-5}" in tex and r"\num{0.3}" in tex
    assert "1.5266" not in tex and "0.2654" not in tex  # the loss and ŷ₁ are the answer


def test_given_numbers_print_as_typed_at_any_decimals(homework):
    """decimals = 0 rounds what is computed, never what is given: ε = 0.3, not 3 × 10⁻¹,
    in the sheet, the solution and the quiz."""
    import json
    from dataclasses import replace

    from report.context import solution_context
    from report.quiz import quiz_question
    from report.results import results_json
    from report.settings import DEFAULT_INFO
    from solver.network import solve

    problem, info = replace(homework, epsilon=0.3), replace(DEFAULT_INFO, decimals=0)
    assert statement_context(problem, info=info)["given"]["epsilon"] == r"\num{0.3}"
    solution = solve(problem)
    assert solution_context(solution, info=info)["given"]["epsilon"] == r"\num{0.3}"
    question = quiz_question("v", problem, json.loads(results_json(solution)), info=info)
    assert r"\epsilon = 0.3" in question.text_html
