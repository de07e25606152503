"""The class report grade writes beside grades.csv: what it counts, and that it is one page."""

from __future__ import annotations

import random
import re
import subprocess

import pytest

from report.class_report import (
    MISTAKES_SHOWN,
    class_report_context,
    histogram,
    mistake_counts,
    part_shares,
)
from report.diagnosis import SLIP
from report.document import class_report_tex
from report.tex import compile_pdf
from solver.mistakes import MISTAKES

HEADING = {"config": "hw3.toml", "seed": 7}


def test_a_part_counts_the_students_asked_it_and_who_got_all_of_it():
    """Variants are asked different entries: a part counts only the students asked it, and
    a student got it right when every entry asked of them was."""
    marks = [
        {"loss": True, "W1_1_1": True, "W1_2_1": False, "b2_1": False},
        {"loss": True, "W1_1_1": False, "b2_1": False},
        {"loss": False, "W1_2_1": True},  # not asked b2
    ]
    shares = {s.part: s for s in part_shares(marks)}
    assert list(shares) == ["loss", "W1", "b2"]
    assert (shares["W1"].whole, shares["W1"].students) == (1, 3)
    assert (shares["W1"].entries, shares["W1"].asked) == (2, 4)
    assert (shares["b2"].whole, shares["b2"].students) == (0, 2)


def test_the_histogram_puts_each_score_in_its_tenth():
    assert histogram([0, 0.0999, 0.1, 0.5, 0.9999, 1]) == [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]
    assert sum(histogram([random.random() for _ in range(500)])) == 500


def test_the_page_names_the_hardest_part_and_counts_only_those_who_responded():
    marks = [{"loss": True, "W1_1_1": i < 1, "b1_1": i < 3} for i in range(4)]
    context = class_report_context(marks, 6, HEADING)
    assert (context["responded"], context["members"]) == (4, 6)
    assert context["hardest"]["whole"] == 1 and "W" in context["hardest"]["tex"]
    assert [p["hardest"] for p in context["parts"]] == [False, True, False]
    assert [p["whole"] for p in context["parts"]] == ["100", "25", "75"]
    assert context["median"] == "67" and context["mean"] == "67"
    assert context["bins"] == [0, 0, 0, 1, 0, 0, 2, 0, 0, 1]


def _columns(parts: int) -> list[str]:
    """``parts`` answer columns of a deep network's question, in the key's order."""
    names = ["loss", "z_1", "y_hat_1"]
    for layer in range(1, 6):
        names += [f"h{layer}_1", f"a{layer}_1", f"dW{layer}_1_1", f"db{layer}_1"]
        names += [f"W{layer}_1_1", f"b{layer}_1"]
    return names[:parts]


@pytest.mark.tex
@pytest.mark.parametrize("parts", [1, 5, 19, 20, 21, 31])
def test_the_report_is_one_page_whatever_the_parts(tmp_path, parts):
    """One page from the loss alone to a 4-hidden-layer network with every quantity asked
    (31 parts: two charts side by side), each part's name and share on it."""
    rng = random.Random(parts)
    marks = [{c: rng.random() < 0.7 for c in _columns(parts)} for _ in range(40)]
    known = [*MISTAKES, SLIP, "ascent|error-sign-reversed"]
    mistakes = [rng.sample(known, rng.randrange(4)) for _ in marks]  # many, named longest
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(compile_pdf(class_report_tex(marks, 45, HEADING, mistakes=mistakes)).pdf)
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+1\n", info), info
    text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True).stdout
    assert "40 of 45 students" in text and "The class struggled most with" in text
    layout = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True, text=True)
    flat = " ".join(layout.stdout.split())  # the table's rows, each on its line
    assert "Known mistakes, by the students who made each" in flat
    for one, students in mistake_counts(mistakes)[:MISTAKES_SHOWN]:
        assert f"{students} {one.replace('|', ' or ')}" in flat
    context = class_report_context(marks, 45, HEADING)
    assert context["slot"] >= 0.4  # cm a part's row (11 pt): its name in \small (10 pt) fits
    shares = context["parts"]
    assert len(shares) == parts
    for share in shares:
        assert f"{share['whole']} %" in text  # the bar's label
