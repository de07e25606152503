"""One answer rule (report/answer_rule.py) everywhere: the same typed responses get the same
verdict, entry by entry, from ``check``, from ``grade``, from Moodle's rule applied to the
moodle.xml fields, and from Canvas's accepted strings in canvas-qti.zip.

Moodle's rule is written here from its source (question/type/numerical/question.php,
``get_tolerance_interval`` of a nominal tolerance, then ``min <= value <= max``: the first
matching answer's mark counts), applied to the fields as an import reads them; Canvas's from
fill_in_multiple_blanks_question.rb (the typed text, trimmed and lower-cased, is one of the
blank's accepted strings)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from quizzes import CONFIGS, canvas_blanks, moodle_fields, moodle_right, questions

from orchestration.gradebook import _attempt
from orchestration.grading import OK, Key, compare
from report.answer_rule import accepted_strings, accepts, printed
from report.canvas import canvas_qti_zip
from report.moodle import moodle_xml
from report.question import every_answer
from report.quiz import QuizQuestion, placeholder


def _typed(value: float, decimals: int) -> list[tuple[str, bool]]:
    """What students type for ``value`` at ``decimals`` places, and whether it is correctly
    rounded: each rounding and its shorter forms, the minus-signed zero, and the numbers one
    and two units off either way."""
    unit = 10.0**-decimals
    right = [(text, True) for text in printed(value, decimals)]
    short = [(t.rstrip("0").rstrip("."), True) for t, _ in right if "." in t and t.endswith("0")]
    signed = [("-" + t, True) for t, _ in right if float(t) == 0]
    rounded = float(printed(value, decimals)[0])
    off = []
    for step in (-2, -1, 1, 2):
        text = f"{rounded + step * unit:.{decimals}f}"
        if text not in printed(value, decimals):
            off.append((text, False))
    return right + short + signed + off


def _synthetic(decimals: int) -> QuizQuestion:
    """A question whose answers are the hard cases: halfway values, zeros either side, a
    tiny negative, large and small magnitudes, and random ones."""
    rng = np.random.default_rng(decimals)
    values = [0.125, 2.5, -2.5, 1.005, 0.0, -0.0, -3.5e-05, 3.5e-05, 1234.56785, -0.00049]
    values += [float(v) for v in rng.normal(scale=3.0, size=60)]
    values += [float(v) for v in rng.normal(scale=1e-3, size=30)]
    columns = [f"c{i}" for i in range(len(values))]
    return QuizQuestion(
        name="synthetic",
        text_html="".join(placeholder(c) for c in columns),
        answers=tuple(zip(columns, values, strict=True)),
        feedback_html="",
        decimals=decimals,
    )


@pytest.mark.parametrize("decimals", [2, 3, 4])
def test_grade_check_moodle_and_canvas_give_every_entry_the_same_verdict(decimals):
    """Every correctly rounded response (and its shorter and minus-zero forms) is right in
    all four; every response one or two units off is wrong in all four."""
    groups = [[replace(q, decimals=decimals) for q in questions(c, 3)] for c in CONFIGS]
    groups.append([_synthetic(decimals)])  # a Canvas group's questions have one length
    moodle, canvas = [], []
    for group in groups:
        moodle += moodle_fields(moodle_xml(group, f"rule at {decimals}"))
        canvas += canvas_blanks(canvas_qti_zip(group, f"rule at {decimals}"))
    qs = [q for group in groups for q in group]
    answers = [value for q in qs for _, value in q.answers]
    assert len(moodle) == len(canvas) == len(answers)
    tried = {True: 0, False: 0}
    for value, field, blank in zip(answers, moodle, canvas, strict=True):
        for text, correct in _typed(value, decimals):
            graded = _attempt(0, {"x": text}, {"x": value}, decimals)  # grade's route
            tables = {"updated": {"W1": [[value]], "b1": [0.0]}}
            answers = tuple(every_answer(tables))
            key = Key(tables, decimals, answers, frozenset(["W1_1_1"]))
            given = {"updated": {"W1": [[float(text)]]}}
            (checked,) = compare(key, given)  # check reads the TOML's number
            verdicts = {
                "grade": graded.verdicts["x"] and not graded.unreadable,
                "check": checked.verdict == OK,
                "moodle": moodle_right(text, field),
                "canvas": text.strip().lower() in blank,
            }
            assert set(verdicts.values()) == {correct}, (value, text, verdicts)
            tried[correct] += 1
    assert tried[True] > 300 and tried[False] > 300


def test_accepted_strings_are_every_short_form_of_the_rule():
    """The Canvas strings: exactly the d-place numbers the rule takes, with trailing zeros
    dropped, a zero's minus sign, both roundings of a halfway value; nothing else."""
    assert accepted_strings(1.9652851547815158, 4) == ["1.9653"]
    assert accepted_strings(-3.0, 3) == ["-3.000", "-3.00", "-3.0", "-3"]
    assert accepted_strings(-3.5e-05, 4) == [
        *["0.0000", "0.000", "0.00", "0.0", "0"],
        *["-0.0000", "-0.000", "-0.00", "-0.0", "-0"],
    ]
    assert accepted_strings(1.005, 2) == ["1.00", "1.0", "1", "1.01"]  # halfway as it reads
    assert accepted_strings(0.125, 2) == ["0.12", "0.13"]  # the float is exactly halfway
    assert accepted_strings(123456789.0, 0) == ["123456789"]
    rng = np.random.default_rng(3)
    for value in rng.normal(scale=10.0, size=200):
        for decimals in (0, 2, 4, 12):
            forms = accepted_strings(float(value), decimals)
            assert all(accepts(float(form), float(value), decimals) for form in forms)
            assert len(set(forms)) == len(forms) and not any(f.startswith("+") for f in forms)
            unit = 10.0**-decimals
            for step in (-1, 1):  # a neighbour of the printed value is never taken
                neighbour = float(printed(float(value), decimals)[0]) + step * unit
                assert f"{neighbour:.{decimals}f}" not in forms or len(printed(value, decimals)) > 1


def test_moodles_slack_reaches_a_neighbour_only_where_moodle_does():
    """At 12 places an answer of 100 has Moodle's slack 1e-12 = a whole unit: Moodle takes
    its neighbours, so the rule, and Canvas's strings, take them too."""
    forms = accepted_strings(100.0, 12)
    assert "99.999999999999" in forms and "100.000000000001" in forms
    assert accepts(100.000000000001, 100.0, 12) and not accepts(100.000000000003, 100.0, 12)
