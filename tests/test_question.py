"""What a class is asked (report/question.py, the config's [question]): no credit for copying
the given numbers, every part asked of every variant, one order everywhere."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import replace

import numpy as np
import pytest
from instances import ROOT

from orchestration.classroom import Fair
from report.answer_key import key_columns
from report.answer_rule import accepts
from report.moodle import moodle_xml
from report.question import DEFAULT_QUESTION, Question, part_of, unasked_parts
from report.quiz import quiz_question
from report.results import results_dict
from report.settings import load_instance, read_instance
from solver.draw import draw_variant, saturation
from solver.errors import ConfigError
from solver.network import solve

CONFIGS = ("hw3", "tanh-mse", "multilabel")


def _do_nothing(results: dict, problem) -> dict[str, float]:
    """What a student types who computes nothing: each parameter's given value where its
    update is asked, 0 for everything else."""
    start = problem.params.as_dict()
    typed = {}
    for column in key_columns(results):
        part = part_of(column)
        index = (
            tuple(int(i) - 1 for i in column.split("_")[-start[part].ndim :])
            if part in start
            else ()
        )
        typed[column] = float(start[part][index]) if part in start else 0.0
    return typed


def _score(results: dict, typed: dict[str, float]) -> float:
    expected = key_columns(results)
    decimals = results["question"]["decimals"]
    return sum(accepts(typed[c], v, decimals) for c, v in expected.items()) / len(expected)


@pytest.mark.parametrize("config", CONFIGS)
def test_copying_the_given_numbers_earns_nothing(config):
    """Over 40 variants of each example: a response that copies the handout's parameters
    into every box scores 0 by default; asking every entry (ask_given), as before, it
    scores 10-50% (the measure is real)."""
    template, info = load_instance(ROOT / "problems" / f"{config}.toml")
    everything = replace(info, question=replace(info.question, ask_given=True))
    fits = functools.partial(Fair(template, info).fits, distinct=False)
    now, before = [], []
    for key in range(1, 41):
        problem = draw_variant(template, 2024, key, fits)
        solution = solve(problem)
        for scores, settings in ((now, info), (before, everything)):
            results = results_dict(solution, info=settings)
            scores.append(_score(results, _do_nothing(results, problem)))
    assert max(now) == 0.0
    assert np.mean(before) > 0.1


@pytest.mark.parametrize("config", CONFIGS)
def test_every_variant_is_asked_every_part_its_question_names(config):
    """The draw keeps only variants that ask something of the loss and of every parameter."""
    template, info = load_instance(ROOT / "problems" / f"{config}.toml")
    fits = functools.partial(Fair(template, info).fits, distinct=False)
    for key in range(1, 21):
        problem = draw_variant(template, 7, key, fits)
        results = results_dict(solve(problem), info=info)
        assert not unasked_parts(results)
        # No squashing hidden unit saturated: |h| within 3 for tanh, 6 for sigmoid.
        assert saturation(problem) <= 1
        parts = {part_of(c) for c in results["question"]["columns"]}
        assert parts == {"loss", *template.params.as_dict()}


def test_no_two_students_share_a_rounded_loss_and_none_has_the_homeworks():
    """A class of 120 of the homework: 120 different losses at 4 places (there were three
    pairs in 40), and none the published homework's loss (a variant whose logits were the
    homework's shifted by 2 had its solution's ŷ and loss)."""
    template, info = load_instance(ROOT / "problems" / "hw3.toml")
    fair = Fair(template, info)
    losses = []
    for key in range(1, 121):
        problem = fair.draw(2024, key)
        losses.append(f"{solve(problem).forward.loss:.4f}")
    assert len(set(losses)) == 120 and not fair.exhausted
    assert f"{solve(template).forward.loss:.4f}" not in losses


def test_a_draw_that_never_fits_says_why():
    template, info = load_instance(ROOT / "problems" / "hw3.toml")
    with pytest.raises(ConfigError, match=r"something to ask of every part the \[question\]"):
        draw_variant(template, 1, 1, lambda _: False)


def test_a_question_of_gradients_only_is_what_every_export_asks(homework):
    """ask = ["gradients"], parameters = ["W2", "b2"]: the key's columns, the quiz's fields
    and Moodle's are the output layer's nonzero gradients, labelled ∇ as the handout."""
    question = Question(ask=("gradients",), parameters=("W2", "b2"))
    info = replace(load_instance(ROOT / "problems" / "hw3.toml")[1], question=question)
    results = json.loads(json.dumps(results_dict(solve(homework), info=info)))
    columns = list(key_columns(results))
    assert columns and all(c.startswith(("dW2_", "db2_")) for c in columns)
    quiz = quiz_question("variant-001", homework, results, info=info)
    assert [c for c, _ in quiz.answers] == columns
    assert r"\nabla_{\mathbf{b}_{2}} \mathrm{Loss})_{1}" in quiz.text_html
    assert "the gradient of the loss with respect to" in quiz.text_html
    xml = moodle_xml([quiz], "gradients").decode()
    assert xml.count("{1:NUMERICAL:") == len(columns)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('ask = ["loss", "weights"]', 'question.ask: entry 2: expected one of "loss", "forward"'),
        ('ask = ["loss", "loss"]', 'question.ask: entry 2: string "loss" is listed twice'),
        ("ask = []", "question.ask: expected a list of quantities, got array []"),
        ('parameters = ["W3"]', "question.parameters: no parameter W3 in this network"),
        ('parameters = ["w1"]', "question.parameters: entry 1: expected a parameter's name"),
        ("penalty = 1.5", "question.penalty: expected a number in [0, 1], got 1.5"),
        ('colour = "red"', "question.colour"),
    ],
)
def test_a_question_table_is_read_as_strictly_as_the_rest(tmp_path, table, message):
    config = tmp_path / "c.toml"
    config.write_text((ROOT / "problems" / "hw3.toml").read_text() + f"\n[question]\n{table}\n")
    with pytest.raises(ConfigError) as caught:
        read_instance(config)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_question_table_is_read_and_written_back(tmp_path):
    from solver.config import problem_toml

    problem, info = load_instance(ROOT / "problems" / "hw3.toml")
    question = Question(ask=("loss", "gradients"), parameters=("b1",), penalty=0.25)
    config = tmp_path / "c.toml"
    config.write_text(problem_toml(problem, report=info.table(), question=question.table()))
    assert load_instance(config)[1].question == question
    assert DEFAULT_QUESTION.table() == {}


@pytest.mark.parametrize("config", ["hw3", "tanh-mse"])
def test_the_handout_states_the_question_asked(config):
    """The sheet's task is the [question]'s, in the homework's own wording too (hw3's
    branch said "the updated value of the parameters" whatever was asked)."""
    from report.document import statement_tex

    problem, info = load_instance(ROOT / "problems" / f"{config}.toml")
    asked = replace(info, question=Question(ask=("gradients",), parameters=("b2",)))
    sheet = statement_tex(problem, "variant-001", info=asked, answers=["db2_1"])
    task = sheet[sheet.index("\\section{Problem 2}") :]
    assert (
        "Your task is to compute the gradient of the loss with respect to $\\vect{b}_{2}$" in task
    )
    assert "updated value" not in task
    default = statement_tex(problem, "variant-001", info=info, answers=["loss"])
    assert "Your task is to compute the updated value of" in default


@pytest.mark.tex
def test_a_class_asked_gradients_only_exports_them_with_its_penalty(tmp_path):
    """From the config to the LMS files through `variants` (the key): a [question] of
    gradients with a penalty of 0.1 gives Moodle questions of those fields alone, each with
    that penalty, and Canvas items of as many blanks."""
    import csv
    import zipfile

    import build

    config = tmp_path / "c.toml"
    table = '[question]\nask = ["gradients"]\nparameters = ["W2", "b2"]\npenalty = 0.1\n'
    config.write_text((ROOT / "problems" / "hw3.toml").read_text() + "\n" + table)
    out = tmp_path / "class"
    argv = ["variants", "--config", str(config), "--variants", "2", "--seed", "3", "--jobs", "2"]
    assert build.main([*argv, "--out", str(out)]) == 0
    rows = list(csv.DictReader((out / "answer-key.csv").open()))
    columns = [c for c in rows[0] if c != "variant"]
    assert columns and all(c.startswith(("dW2_", "db2_")) for c in columns)
    xml = (out / "moodle.xml").read_text()
    assert xml.count("<penalty>0.1000000</penalty>") == 2
    assert xml.count("{1:NUMERICAL:") == sum(bool(r[c]) for r in rows for c in columns)
    with zipfile.ZipFile(out / "canvas-qti.zip") as canvas:
        items = "".join(
            canvas.read(name).decode() for name in canvas.namelist() if name.endswith(".xml")
        )
    assert "response_dW2_1_1" in items and "response_W1" not in items


def test_the_solution_marks_the_entries_the_step_leaves_unchanged(homework):
    """The homework's solution still shows every updated entry, and names those a class's
    handout does not ask (unchanged at the printed places), as the key's 1-based entries."""
    from report.context import unchanged_context
    from report.document import solution_tex

    solution = solve(homework)
    start, after = homework.params.as_dict(), solution.updated.as_dict()
    expected = {
        name: [
            ",~".join(str(i + 1) for i in index)
            for index in np.ndindex(before.shape)
            if f"{before[index]:.4f}" == f"{after[name][index]:.4f}"
        ]
        for name, before in start.items()
    }
    rows = unchanged_context(homework.params, solution.updated, 4)
    assert [row["tex"] for row in rows] == [
        f"\\vect{{{n[0]}}}_{{{n[1:]}}}'" for n, found in expected.items() if found
    ]
    for row, found in zip(rows, [f for f in expected.values() if f], strict=True):
        listed = re.findall(r"\((\d+,~\d+)\)|\b(\d+)\b", row["words"])
        assert ["".join(match) for match in listed] == found
    tex = solution_tex(solution, None, None)
    assert "Unchanged by the step at 4 decimal places" in tex and rows[0]["words"] in tex


def test_a_class_past_its_whole_numbers_is_drawn_in_tenths(monkeypatch):
    """When a member finds no loss left in whole numbers (here: within one draw), it and the
    members after it are drawn in tenths, each with a loss of their own, the same every
    time (a range draws the members before it again)."""
    from orchestration import classroom
    from solver.draw import TENTHS

    monkeypatch.setattr(classroom, "WHOLE_DRAWS", 1)
    template, info = load_instance(ROOT / "problems" / "hw3.toml")

    def draw(count: int) -> tuple[list, Fair]:
        fair = Fair(template, info)
        return [fair.draw(7, key) for key in range(1, count + 1)], fair

    drawn, fair = draw(12)
    assert fair.grain == TENTHS and not fair.exhausted
    whole = [bool(np.all(np.round(p.params.W1) == p.params.W1)) for p in drawn]
    assert not whole[-1]  # once in tenths, the class stays there
    tenths = [p for p, w in zip(drawn, whole, strict=True) if not w]
    for problem in tenths:
        assert np.all(np.abs(problem.params.W1 * 10 - np.round(problem.params.W1 * 10)) < 1e-9)
    losses = {f"{solve(p).forward.loss:.4f}" for p in drawn}
    assert len(losses) == len(drawn)
    again, _ = draw(12)
    assert all(np.array_equal(a.params.W1, b.params.W1) for a, b in zip(drawn, again, strict=True))
