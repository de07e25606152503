"""The answer key (report/answer_key.py): CSV columns, rounded fixed numbers, pages that fit."""

from __future__ import annotations

import csv
import io
import json

from report.answer_key import key_columns, key_context, key_csv, key_layout
from report.results import results_json
from solver.network import solve


def _results(problem) -> dict:
    return json.loads(results_json(solve(problem)))


def test_csv_reads_back_bit_for_bit(homework):
    results = _results(homework)
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
    columns = list(key_columns(_results(homework)))
    assert columns[:3] == ["loss", "W1_1_1", "W1_1_2"] and columns[-1] == "b2_3"
