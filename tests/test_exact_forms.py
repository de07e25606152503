"""The exact values as LaTeX (report/exact_forms.py): forms as written by hand, shortest shown."""

from __future__ import annotations

from report.exact_forms import is_short, latex_of, short_forms, shortest
from report.exact_latex import exact_rows
from report.format import num
from solver.exact_values import exact_values
from solver.network import solve


def test_latex_of_the_softmax_reads_as_by_hand(homework):
    """Sums print in class order, e^{-3} stays a power, and a short form is flagged short."""
    exact = exact_values(homework)
    assert latex_of(exact.y_hat[0]) == r"\frac{1}{1 + e^{-3} + e}"
    assert latex_of(shortest(exact.dz_forms[0])) == r"\frac{1}{1 + e^{-3} + e} - \frac{4}{5}"
    assert is_short(exact.y_hat[0]) and is_short(exact.h[0])
    assert not is_short(exact.updated.b1[1])  # −(101 + 91e⁻³ + 101e)/(50(1 + e⁻³ + e))
    assert "e^{-3}" in latex_of(exact.updated.b1[1]) and r"\frac{91}" not in latex_of(
        exact.updated.b1[1]
    )


def test_the_shortest_form_is_chosen(homework):
    """Of the equal forms of ∂Loss/∂z₁, the one shown has the shortest LaTeX of them all."""
    forms = exact_values(homework).dz_forms[0]
    assert len(forms) > 1
    assert len(latex_of(shortest(forms))) == min(len(latex_of(f)) for f in forms)


def test_context_rows_show_only_short_forms(homework):
    """ŷ, the loss and ∂Loss/∂z each get a row ``label = form ≈ decimal`` when short."""
    solution = solve(homework)
    rows = exact_rows(short_forms(exact_values(homework)), solution, num)
    labels = [row["label"] for row in rows["forward"]]
    assert labels == [r"\hat{y}_{1}", r"\hat{y}_{2}", r"\hat{y}_{3}", r"\Loss"]
    assert rows["forward"][0]["exact"] == r"\frac{1}{1 + e^{-3} + e}"
    assert rows["forward"][0]["decimal"] == num(solution.forward.y_hat[0])
    assert len(rows["backward"]) == 3
