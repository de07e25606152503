"""Known mistakes, planted by an independent route (PyTorch, tests/mistaken_torch.py), are
named by ``check`` and ``grade``; random, blank and correctly rounded answers are not given one.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
import tomli_w
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from instances import ROOT

import build
from orchestration.gradebook import grade_class
from orchestration.grading import check, format_check
from report.answer_key import key_columns
from report.answer_rule import printed
from report.diagnosis import SLIP, Diagnosis, diagnose, mistake_ids
from report.question import Question, every_answer, part_of
from report.results import results_dict, results_json
from report.settings import load_instance
from solver.mistakes import MISTAKES, applicable
from solver.network import solve

CONFIGS = sorted(p.stem for p in (ROOT / "problems").glob("*.toml"))
EVERYTHING = Question(ask=("loss", "forward", "gradients", "updated"))
PLANTED: dict[str, set[str]] = {}  # per mistake, the configs a test planted it in


def _instance(config: str, question: Question | None = None):
    problem, info = load_instance(ROOT / "problems" / f"{config}.toml")
    return problem, info if question is None else replace(info, question=question)


def _typed(tables: dict) -> dict[str, float]:
    return {a.column: a.value for a in every_answer(tables)}


def _answers_toml(tables: dict, keys: dict) -> str:
    """Every entry of the tables the key has, as a student's answers.toml."""
    return tomli_w.dumps({t: tables[t] for t in ("updated", "gradients", "forward") if t in keys})


# --- planted with PyTorch, named by check -----------------------------------------------------


@pytest.mark.torch
@pytest.mark.parametrize("question", ["own", "everything"])
@pytest.mark.parametrize("config", CONFIGS)
def test_check_names_every_planted_mistake(config, question, tmp_path):
    """For each mistake that can happen in the example, the answers PyTorch computes with it
    made by hand are wrong in some part, and check names the mistake under every wrong part."""
    from mistaken_torch import mistaken_tables

    problem, info = _instance(config, None if question == "own" else EVERYTHING)
    results = results_dict(solve(problem), info=info)
    key = tmp_path / "results.json"
    key.write_text(results_json(solve(problem), info=info))
    right = key_columns(results)
    for mistake in applicable(problem):
        tables = mistaken_tables(problem, mistake.id, info.question.step)
        answers = tmp_path / f"{mistake.id}.toml"
        answers.write_text(_answers_toml(tables, results))
        result = check(key, answers)
        typed = _typed(tables)
        wrong = {part_of(c) for c in right if printed(typed[c], 4) != printed(right[c], 4)}
        if mistake.id not in results["mistakes"]:  # it changes nothing asked, as printed
            asked_right = all(e.verdict == "ok" for e in result.entries if e.column)
            assert not wrong and asked_right and not result.diagnoses, (config, mistake.id)
            continue
        assert wrong, (config, mistake.id)
        named = {d.part: d for d in result.diagnoses}
        assert set(named) == wrong, (config, mistake.id, named)
        for part, diagnosis in named.items():
            assert mistake.id in diagnosis.mistakes, (config, mistake.id, part, diagnosis)
        assert f"-> {mistake.id}" in format_check(result) or "either" in format_check(result)
        PLANTED.setdefault(mistake.id, set()).add(config)


@pytest.mark.torch
def test_every_mistake_was_planted_somewhere():
    """The examples between them let every mistake of the catalogue be planted (runs after the
    tests above, in file order)."""
    if not PLANTED:
        pytest.skip("run with the planting tests")  # never in `make test`: they run first
    assert set(PLANTED) == set(MISTAKES), set(MISTAKES) - set(PLANTED)


# --- planted in a class, named by grade -------------------------------------------------------


@pytest.mark.torch
@pytest.mark.slow
@pytest.mark.parametrize("config", CONFIGS)
def test_grade_names_the_mistake_each_student_planted(config, tmp_path, monkeypatch):
    """A class of the example, one student per mistake that can happen in it: grades.csv's
    "mistakes" names each student's own (alone, or as one of mistakes giving the same
    numbers) when it changes an answer asked, and nothing otherwise. (The class's PDFs are
    not typeset: grading reads its results.json files alone.)"""
    from mistaken_torch import mistaken_tables

    from orchestration import class_key, classroom

    def no_tex(tex: str, **kwargs):
        return SimpleNamespace(pdf=b"%PDF-1.5 (not typeset)")

    monkeypatch.setattr(classroom, "compile_pdf", no_tex)
    monkeypatch.setattr(class_key, "compile_pdf", no_tex)

    problem, _ = _instance(config)
    mistakes = [m.id for m in applicable(problem)]
    out = tmp_path / "class"
    argv = ["variants", "--config", str(ROOT / "problems" / f"{config}.toml")]
    argv += ["--variants", str(len(mistakes)), "--seed", "5", "--jobs", "2", "--out", str(out)]
    assert build.main(argv) == 0
    rows, expected = [], {}
    for number, mistake in enumerate(mistakes, 1):
        name = f"variant-{number:03d}"
        folder = out / "variants" / name
        results = json.loads((folder / "results.json").read_text())
        variant, info = load_instance(folder / "config.toml")
        typed = _typed(mistaken_tables(variant, mistake, info.question.step))
        rows.append({"variant": name, **{c: repr(typed[c]) for c in key_columns(results)}})
        # Not kept: it changes no answer as printed, or its numbers overflow (ŷ underflowing
        # to 0 under ∂Loss/∂ŷ): then no response is its.
        finite = all(np.isfinite(typed[c]) for c in key_columns(results))
        expected[name] = (mistake, mistake in results["mistakes"], finite)
    responses = tmp_path / "responses.csv"
    with responses.open("w", newline="") as f:
        writer = csv.DictWriter(f, list(dict.fromkeys(c for row in rows for c in row)))
        writer.writeheader()
        writer.writerows(rows)
    grades = grade_class(out, responses)
    for row in csv.DictReader(io.StringIO(grades.csv)):
        mistake, kept, finite = expected[row["variant"]]
        named = [
            alternative for ids in row["mistakes"].split(";") for alternative in ids.split("|")
        ]
        if kept:
            assert mistake in named and SLIP not in named, (config, row, mistake)
        elif finite:
            assert row["mistakes"] == "" and row["score"] == "1.0000", (config, row, mistake)
        else:
            assert mistake not in named
    assert sum(kept for _, kept, _ in expected.values()) >= len(expected) - 2


# --- no diagnosis for what no known mistake gives ---------------------------------------------


def _homework_results(config: str = "hw3") -> dict:
    problem, info = _instance(config, EVERYTHING)
    return results_dict(solve(problem), info=info)


RESULTS = {config: _homework_results(config) for config in ("hw3", "tanh-mse", "multilabel")}


@settings(max_examples=150, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(config=st.sampled_from(sorted(RESULTS)), data=st.data())
def test_random_wrong_answers_get_no_diagnosis(config, data):
    """Every answer of a part a random number (never one that rounds as the right one): no
    mistake is named, and (two wrong answers or more, or the part's only one) no slip."""
    results = RESULTS[config]
    right = key_columns(results)
    typed = {}
    for column, value in right.items():
        number = data.draw(st.floats(-50, 50, allow_nan=False).map(lambda v: round(v, 4)))
        assume(printed(number, 4) != printed(value, 4))
        typed[column] = number
    for found in diagnose(typed, right, results["mistakes"], 4):
        assert found.mistakes == () and not found.slip, found


@settings(max_examples=100, derandomize=True)
@given(config=st.sampled_from(sorted(RESULTS)), data=st.data())
def test_correctly_rounded_and_blank_answers_get_no_diagnosis(config, data):
    """Answers as the key prints them (either rounding, trailing zeros dropped) are right: no
    diagnosis; a part with blanks among right answers is wrong and explained by nothing."""
    results = RESULTS[config]
    right = key_columns(results)
    typed: dict[str, float | None] = {}
    for column, value in right.items():
        text = data.draw(st.sampled_from(printed(value, 4)))
        typed[column] = float(data.draw(st.sampled_from([text, text.rstrip("0")])))
    assert diagnose(typed, right, results["mistakes"], 4) == []
    blank = data.draw(st.sets(st.sampled_from(sorted(right)), min_size=1))
    for column in blank:
        typed[column] = None
    found = diagnose(typed, right, results["mistakes"], 4)
    assert {d.part for d in found} == {part_of(c) for c in blank}
    assert all(d.mistakes == () and not d.slip for d in found)


# --- the rules of a diagnosis -----------------------------------------------------------------

RIGHT = {"loss": 1.5, "W2_1_1": 1.0, "W2_1_2": 2.0, "W2_2_1": 3.0}
KNOWN = {
    "ascent": {"W2_1_1": 1.2, "W2_1_2": 2.2},
    "error-sign-reversed": {"W2_1_1": 1.2, "W2_1_2": 2.2},
    "no-learning-rate": {"W2_1_1": 0.0, "W2_2_1": 5.0},
    "log-base-10": {"loss": 0.6514},
    "no-label-smoothing+ascent": {"W2_1_1": 9.0, "W2_1_2": 9.0, "W2_2_1": 9.0},
}


def _diagnosed(**typed) -> dict[str, Diagnosis]:
    return {d.part: d for d in diagnose({**RIGHT, **typed}, RIGHT, KNOWN, 4)}


def test_a_mistake_explains_a_part_only_whole():
    """Every answer of the part as the mistake gives it: its wrong ones and its right ones."""
    assert _diagnosed(W2_1_1=0.0, W2_2_1=5.0)["W2"].mistakes == ("no-learning-rate",)
    assert _diagnosed(W2_1_1=0.0, W2_2_1=5.0, W2_1_2=2.5)["W2"].mistakes == ()  # one more off
    assert _diagnosed(W2_1_1=0.0)["W2"].mistakes == ()  # half of it: a slip, not the mistake
    assert _diagnosed(W2_1_1=0.0)["W2"].slip
    assert _diagnosed(loss=0.65141)["loss"].mistakes == ("log-base-10",)
    assert not _diagnosed(loss=0.7)["loss"].slip  # a part of one answer: no slip


def test_mistakes_giving_the_same_numbers_are_named_together():
    found = _diagnosed(W2_1_1=1.2, W2_1_2=2.2)["W2"]
    assert found.mistakes == ("ascent", "error-sign-reversed")
    assert found.words().startswith("either ascent or error-sign-reversed: You stepped up")
    assert found.ids() == ["ascent|error-sign-reversed"]


def test_a_pair_is_named_when_no_single_mistake_explains_the_part():
    found = _diagnosed(W2_1_1=9.0, W2_1_2=9.0, W2_2_1=9.0)
    assert found["W2"].mistakes == ("no-label-smoothing+ascent",)
    assert found["W2"].ids() == ["no-label-smoothing", "ascent"]
    assert found["W2"].words().startswith("no-label-smoothing and ascent: You used")
    assert mistake_ids(list(found.values())) == ["no-label-smoothing", "ascent"]


def test_a_blank_answer_is_never_explained():
    found = _diagnosed(W2_1_1=0.0, W2_2_1=None)["W2"]
    assert found.mistakes == () and not found.slip
    assert found.words() == "no known mistake explains it"


def test_the_catalogue_has_the_issues_ids_each_with_a_sentence():
    wanted = [
        "no-label-smoothing",
        "smoothing-over-other-classes",
        "no-activation-derivative",
        "weights-not-transposed",
        "gradient-transposed",
        "updated-weights-in-backprop",
        "ascent",
        "no-learning-rate",
        "sum-over-batch",
        "sigmoid-derivative-as-sigmoid",
        "tanh-derivative-not-squared",
        "mse-without-mean",
        "log-base-10",
    ]
    assert set(wanted) <= set(MISTAKES) and len(MISTAKES) >= 13
    for mistake in MISTAKES.values():
        assert mistake.sentence.endswith(".") and len(mistake.sentence) < 200
        assert "+" not in mistake.id and "|" not in mistake.id and ";" not in mistake.id


def test_results_json_keeps_only_what_a_mistake_changes(tmp_path):
    """Each stored value prints otherwise than the key's; a pair keeps only the parts where
    it differs from each of its mistakes alone."""
    results = _homework_results()
    right = key_columns(results)
    for candidate, values in results["mistakes"].items():
        assert values and set(values) <= set(right)
        for column, value in values.items():
            assert printed(value, 4) != printed(right[column], 4), (candidate, column)
        for one in candidate.split("+") if "+" in candidate else []:
            alone = results["mistakes"].get(one, {})
            for part in {part_of(c) for c in values}:
                mine = {c: v for c, v in values.items() if part_of(c) == part}
                assert mine != {c: v for c, v in alone.items() if part_of(c) == part}


def test_a_key_without_mistakes_gives_no_diagnosis(tmp_path):
    """A results.json written before mistakes were known is read as before: WRONG, no line."""
    problem, info = _instance("hw3")
    results = results_dict(solve(problem), info=info)
    del results["mistakes"]
    key = tmp_path / "results.json"
    key.write_text(json.dumps(results))
    answers = tmp_path / "a.toml"
    answers.write_text(tomli_w.dumps({"forward": {"loss": 0.5}}))
    result = check(key, answers)
    assert result.diagnoses == [] and "->" not in format_check(result)


@pytest.mark.parametrize(
    ("mistakes", "message"),
    [
        ({"made-up": {"loss": 1.0}}, "mistakes.made-up: not a known mistake"),
        ({"ascent": {"nope": 1.0}}, "mistakes.ascent: nope is not asked"),
        ({"ascent": {"loss": "1"}}, "mistakes.ascent: expected a number"),
        ({"ascent": [1]}, "mistakes.ascent: expected a table"),
    ],
)
def test_a_key_with_a_malformed_mistakes_table_is_refused(tmp_path, capsys, mistakes, message):
    problem, info = _instance("hw3")
    results = results_dict(solve(problem), info=info)
    results["mistakes"] = mistakes
    key = tmp_path / "results.json"
    key.write_text(json.dumps(results))
    answers = tmp_path / "a.toml"
    answers.write_text("")
    assert build.main(["check", "--key", str(key), "--answers", str(answers)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_hooks_left_alone_are_the_right_computation():
    """first_step with no hook is solve's first step, number for number."""
    from solver.network import RIGHT, first_step

    problem, _ = _instance("tanh-mse")
    fwd, bwd, updated = first_step(problem, RIGHT)
    solution = solve(problem)
    assert fwd.loss == solution.forward.loss
    for name, value in updated.as_dict().items():
        assert np.array_equal(value, solution.updated.as_dict()[name])


def test_grade_names_a_mistake_only_when_the_variant_gives_its_numbers():
    """grade reads a variant's "mistakes" unchecked and computes again those a diagnosis
    names: an edited value is caught, and nothing is named from it."""
    from orchestration.class_record import Variant
    from orchestration.gradebook import _confirmed

    problem, info = _instance("hw3")
    results = results_dict(solve(problem), info=info)
    variant = Variant(problem, info, results)
    assert _confirmed(variant, {"ascent", "no-label-smoothing+ascent"})
    results["mistakes"]["ascent"] = {c: v + 1 for c, v in results["mistakes"]["ascent"].items()}
    assert not _confirmed(variant, {"ascent"})
    assert _confirmed(variant, {"log-base-10"})  # the others are still its own
