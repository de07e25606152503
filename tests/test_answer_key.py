"""The answer key (report/answer_key.py): CSV columns, rounded fixed numbers, pages that fit."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace

from report.answer_key import key_columns, key_context, key_csv, key_layout
from report.question import DEFAULT_QUESTION
from report.results import results_json
from report.settings import DEFAULT_INFO
from solver.network import solve


def _results(problem, **question) -> dict:
    info = replace(DEFAULT_INFO, question=replace(DEFAULT_QUESTION, **question))
    return json.loads(results_json(solve(problem), info=info))


def test_csv_reads_back_bit_for_bit(homework):
    results = _results(homework, ask_given=True)
    rows = list(csv.DictReader(io.StringIO(key_csv({"variant-001": results}))))
    assert rows[0]["variant"] == "variant-001"
    assert float(rows[0]["loss"]) == results["forward"]["loss"]
    assert float(rows[0]["W2_2_3"]) == results["updated"]["W2"][1][2]
    assert len(rows[0]) == 1 + 1 + 6 + 3 + 9 + 3


def test_printed_key_has_fixed_places_never_scientific(homework):
    """A tiny value (1e-5, 4 decimals) reads 0.0000 in the key, not 1.0000e-5."""
    results = _results(homework)
    results["updated"]["b2"] = [1e-5, -2.5, 3.0]
    context = key_context({"variant-001": results}, homework, {"seed": 1, "failed": []})
    b2 = context["pages"][0][0]["params"][3]
    assert r"\num{0.0000} \\ \num{-2.5000} \\ \num{3.0000}" in b2
    assert "e-" not in b2


def test_wide_networks_go_landscape_and_pages_hold_fewer_rows():
    small, wide = key_layout((2, 3, 3), 4), key_layout((4, 8, 6), 4)
    assert not small["landscape"] and wide["landscape"]
    assert small["first"] > wide["first"] >= 1


def test_columns_are_the_loss_then_every_updated_entry(homework):
    columns = list(key_columns(_results(homework, ask_given=True)))
    assert columns[:3] == ["loss", "W1_1_1", "W1_1_2"] and columns[-1] == "b2_3"


def test_entries_the_handout_shows_are_not_asked(homework):
    """The homework's step leaves 13 of its 21 parameter entries at their given values at 4
    places (a dead ReLU unit, x1 = 0): those are not asked; the rest are, with the loss."""
    columns = list(key_columns(_results(homework)))
    assert columns == [
        "loss",
        "W1_2_2",
        "b1_2",
        "W2_2_1",
        "W2_2_2",
        "W2_2_3",
        "b2_1",
        "b2_2",
        "b2_3",
    ]
    start = homework.params.as_dict()
    results = _results(homework, ask_given=True)
    unchanged = [
        c
        for c in key_columns(results)
        if c != "loss"
        and f"{start[c.split('_')[0]][tuple(int(i) - 1 for i in c.split('_')[1:])]:.4f}"
        == f"{key_columns(results)[c]:.4f}"
    ]
    assert len(unchanged) == 13 and not set(unchanged) & set(columns)


def test_a_question_of_gradients_asks_their_nonzero_entries(homework):
    """ask = ["gradients"], parameters = ["W2", "b2"]: the output layer's gradients that do
    not round to 0, named dW2_i_j and db2_i, in order."""
    results = _results(homework, ask=("gradients",), parameters=("W2", "b2"))
    row = key_columns(results)
    assert list(row)[0] == "dW2_2_1" and list(row)[-1] == "db2_3"
    assert all(c.startswith(("dW2_", "db2_")) for c in row)
    assert row["db2_1"] == results["gradients"]["b2"][0]
    assert len(row) == 6  # a = (0, 3.5, 0): only W2's second row has a gradient
