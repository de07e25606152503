"""A graph exercise's class: variants drawn from [graph.ranges] (solver.graph_draw) and built,
handed out and keyed by the same class code as a network's (orchestration.classroom,
orchestration.class_key through orchestration.families)."""

from __future__ import annotations

import csv
import json
import tomllib

import pytest
from lxml import etree
from quizzes import canvas_blanks, moodle_fields, moodle_right

import build
from orchestration.class_record import read_class, read_variant
from report.answer_rule import printed
from solver.errors import ConfigError
from solver.graph import GraphProblem, forward_values, solve_graph
from solver.graph_config import parse_graph_config
from solver.graph_draw import draw_graph_variant
from tests.instances import ROOT

NEURON = ROOT / "problems" / "graphs" / "sigmoid-neuron.toml"


@pytest.fixture(scope="module")
def neuron_class(tmp_path_factory):
    out = tmp_path_factory.mktemp("neuron")
    argv = ["variants", "--config", str(NEURON), "-n", "6", "--seed", "5", "--jobs", "2"]
    assert build.main([*argv, "--out", str(out)]) == 0
    return out


def test_a_class_of_the_sigmoid_neuron_is_built_and_keyed(neuron_class):
    out = neuron_class
    names = [f"variant-{k:03d}" for k in range(1, 7)]
    assert sorted(p.stem for p in (out / "handouts").iterdir()) == names
    with (out / "answer-key.csv").open() as key:
        rows = list(csv.DictReader(key))
    assert list(rows[0]) == ["variant", "f", "df_dw0", "df_dx0", "df_dw1", "df_dx1", "df_dw2"]
    template, settings = parse_graph_config(tomllib.loads(NEURON.read_text()), "x")
    published = printed(solve_graph(template).f, 4)[0]
    described, members = read_class(out)
    answers = set()
    for row, member in zip(rows, members, strict=True):
        variant = read_variant(out, described, member)  # its results are its config's solution
        problem = variant.problem.problem
        for name, (low, high) in settings["ranges"].items():
            value = problem.values[name]
            assert value.is_integer() and low <= value <= high
        solution = solve_graph(problem)
        assert float(row["f"]) == solution.f and float(row["df_dx1"]) == solution.gradient("x1")
        assert printed(solution.f, 4)[0] != published  # not the published exercise's f
        answers.add(tuple(printed(float(row[c]), 4)[0] for c in list(row)[1:]))
    assert len(answers) == 6  # no two students share their answers


def test_a_graph_class_is_the_same_from_the_same_seed(neuron_class, tmp_path):
    argv = ["variants", "--config", str(NEURON), "-n", "2", "--seed", "5", "--jobs", "1"]
    assert build.main([*argv, "--out", str(tmp_path)]) == 0
    for name in ("variant-001", "variant-002"):
        for file in ("config.toml", "results.json"):
            again = (tmp_path / "variants" / name / file).read_bytes()
            first = (neuron_class / "variants" / name / file).read_bytes()
            # the first line names the class (its member count differs): the rest is equal
            assert again.split(b"\n", 1)[1] == first.split(b"\n", 1)[1]


@pytest.mark.parametrize(
    "expression", ["log(x) + y", "max(x, y)", "y / x", "sqrt(x) * y", "relu(x - y)"]
)
def test_draws_never_leave_a_domain_nor_sit_at_a_kink(expression):
    """Ranges around the trouble: every kept draw solves, with a gradient everywhere."""
    template = GraphProblem({"f": expression}, {"x": 1.0, "y": 2.0})
    ranges = {"x": (-2.0, 2.0), "y": (-2.0, 2.0)}
    for key in range(1, 41):
        drawn = draw_graph_variant(template, ranges, 11, key)
        x, y = drawn.values["x"], drawn.values["y"]
        forward_values(drawn.graph, drawn.values)  # raises where an operation refuses
        if expression.startswith(("log", "sqrt")):
            assert x > 0
        if expression == "max(x, y)":
            assert x != y
        if expression == "y / x":
            assert x != 0
        if expression == "relu(x - y)":
            assert x != y


def test_a_range_without_a_whole_number_is_refused():
    template = GraphProblem({"f": "x * y"}, {"x": 1.0, "y": 2.0})
    with pytest.raises(ConfigError, match=r"graph\.ranges\.x: \[0\.2, 0\.7\] holds no whole"):
        draw_graph_variant(template, {"x": (0.2, 0.7)}, 1, 1)


def test_no_draw_fitting_is_one_line():
    template = GraphProblem({"f": "log(x)"}, {"x": 1.0})
    with pytest.raises(ConfigError, match="variant 001: no draw of 50"):
        draw_graph_variant(template, {"x": (-3.0, 0.0)}, 1, 1, draws=50)


def test_the_results_say_what_the_key_asks(neuron_class):
    results = json.loads((neuron_class / "variants" / "variant-001" / "results.json").read_text())
    assert results["question"]["columns"] == ["f", "df_dw0", "df_dx0", "df_dw1", "df_dx1", "df_dw2"]


def test_no_variant_has_the_published_f():
    """x·y at (1, 2) is published with f = 2: of the draws in [1, 2]², (1, 2) and (2, 1)
    give it too, and are never kept."""
    from orchestration.classroom import GraphFair
    from orchestration.families import GraphExercise
    from report.settings import DEFAULT_INFO
    from solver.graph_config import GraphQuestion

    problem = GraphProblem({"f": "x * y"}, {"x": 1.0, "y": 2.0})
    exercise = GraphExercise(problem, GraphQuestion(("x", "y")), {"x": (1, 2), "y": (1, 2)})
    fair = GraphFair(exercise, DEFAULT_INFO)
    drawn = [fair.draw(3, key).problem for key in range(1, 9)]
    assert all(solve_graph(p).f != 2.0 for p in drawn)
    assert {solve_graph(p).f for p in drawn[:2]} == {1.0, 4.0}  # distinct while they last


def test_no_answer_is_a_zero_while_the_ranges_allow():
    """x·y published at (1, 2): x = 0 gives f = 0 and ∂f/∂y = 0, which a student guesses;
    of [0, 2] × [1, 2] only (1, 1) and (2, 2) give neither zero nor the published f, and the
    members after them share those. Where every draw has a zero, zeros are kept."""
    from orchestration.classroom import GraphFair
    from orchestration.families import GraphExercise
    from report.settings import DEFAULT_INFO
    from solver.graph_config import GraphQuestion

    problem = GraphProblem({"f": "x * y"}, {"x": 1.0, "y": 2.0})
    exercise = GraphExercise(problem, GraphQuestion(("x", "y")), {"x": (0, 2), "y": (1, 2)})
    fair = GraphFair(exercise, DEFAULT_INFO)
    drawn = [fair.draw(3, key).problem.values for key in range(1, 11)]
    assert {(v["x"], v["y"]) for v in drawn} == {(1.0, 1.0), (2.0, 2.0)}
    only_zeros = GraphExercise(problem, GraphQuestion(("x", "y")), {"x": (0, 0), "y": (1, 2)})
    fair = GraphFair(only_zeros, DEFAULT_INFO)
    assert fair.draw(3, 1).problem.values["x"] == 0.0


def _right_answers(out, name: str) -> dict[str, str]:
    """A variant's answers as its handout asks them, at 4 places, solved again from its
    config.toml (not read from its results.json)."""
    problem, _ = parse_graph_config(
        tomllib.loads((out / "variants" / name / "config.toml").read_text()), name
    )
    solution = solve_graph(problem)
    answers = {"f": printed(solution.f, 4)[0]}
    answers.update({f"df_d{x}": printed(solution.gradient(x), 4)[0] for x in problem.inputs})
    return answers


def _answers_toml(answers: dict[str, str]) -> str:
    gradients = [f"{c.removeprefix('df_d')} = {v}" for c, v in answers.items() if c != "f"]
    return "\n".join([f"f = {answers['f']}", "[gradients]", *gradients]) + "\n"


def test_a_graph_class_s_quizzes_hold_each_variant_s_answers(neuron_class):
    """moodle.xml's cloze fields and canvas-qti.zip's blanks, variant by variant, accept the
    answers solved again from each config.toml and refuse one a unit of the last place off;
    the worked answer spells each operation out."""
    names = [f"variant-{k:03d}" for k in range(1, 7)]
    right = [_right_answers(neuron_class, name) for name in names]
    expected = [value for answers in right for value in answers.values()]
    fields = moodle_fields((neuron_class / "moodle.xml").read_bytes())
    blanks = canvas_blanks((neuron_class / "canvas-qti.zip").read_bytes())
    assert len(fields) == len(blanks) == len(expected) == 36
    for typed, field, blank in zip(expected, fields, blanks, strict=True):
        off = f"{float(typed) + 0.0001:.4f}"
        assert moodle_right(typed, field) and not moodle_right(off, field)
        assert typed in blank and off not in blank
    quiz = etree.fromstring((neuron_class / "moodle.xml").read_bytes())
    first = quiz.findall("question")[1]
    assert "Problem" in first.findtext("questiontext/text")
    worked = first.findtext("generalfeedback/text")
    assert r"u_{1} &amp;= w_{0} \cdot x_{0} = " in worked  # as the solution's forward pass
    assert r"\partial f / \partial w_{0} &amp;= " in worked and "num{" not in worked


def test_check_reads_a_graph_exercise_s_answers(neuron_class, tmp_path, capsys):
    key = neuron_class / "variants" / "variant-001" / "results.json"
    answers = tmp_path / "answers.toml"
    right = _right_answers(neuron_class, "variant-001")
    answers.write_text(_answers_toml(right))
    argv = ["check", "--key", str(key), "--answers", str(answers)]
    assert build.main(argv) == 0
    out = capsys.readouterr().out
    assert "6 of 6 ok, 0 WRONG, 0 missing: PASS" in out
    assert "gradients.x1" in out and "\nf " in out

    wrong = {**right, "df_dx1": f"{float(right['df_dx1']) + 0.001:.4f}"}
    del wrong["df_dw2"]
    answers.write_text(_answers_toml(wrong))
    assert build.main(argv) != 0
    out = capsys.readouterr().out
    assert "4 of 6 ok, 1 WRONG, 1 missing: FAIL" in out
    assert [line.split()[0] for line in out.splitlines() if "WRONG" in line.split()[-1:]] == [
        "gradients.x1"
    ]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("f = 'half'\n", "f: expected a number"),
        ("[gradients]\nq = 1\n", "gradients.q: unknown key (expected one of w0, x0,"),
        ("loss = 1\n", "top-level key loss: unknown key (expected f, [gradients])"),
        ('[""]\nf = 1\n', 'unknown table [""]'),
        ("[updated]\nW1 = 1\n", "unknown table [updated] (expected f, [gradients])"),
    ],
)
def test_malformed_graph_answers_are_one_line(neuron_class, tmp_path, capsys, text, said):
    answers = tmp_path / "answers.toml"
    answers.write_text(text)
    key = neuron_class / "variants" / "variant-001" / "results.json"
    assert build.main(["check", "--key", str(key), "--answers", str(answers)]) != 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and said in err, err


def test_a_graph_class_is_graded(neuron_class, tmp_path):
    """Right answers score 1, one entry off by a unit of the last place scores 5 of 6 (a
    decimal comma and a pasted minus read as numbers), a blank counts as wrong."""
    rows = []
    for name in ("variant-001", "variant-002", "variant-003"):
        rows.append({"variant": name, **_right_answers(neuron_class, name)})
    second = rows[1]
    second["df_dw0"] = f"{float(second['df_dw0']) + 0.0001:.4f}"
    second["f"] = second["f"].replace(".", ",")
    second["df_dx0"] = second["df_dx0"].replace("-", "\u2212")
    rows[2]["df_dw2"] = ""
    responses = tmp_path / "responses.csv"
    with responses.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    grades = tmp_path / "grades.csv"
    argv = ["grade", "--class", str(neuron_class), "--responses", str(responses)]
    assert build.main([*argv, "--out", str(grades)]) == 0
    with grades.open() as file:
        graded = {row["variant"]: row for row in csv.DictReader(file)}
    assert {name: row["score"] for name, row in graded.items()} == {
        "variant-001": "1.0000",
        "variant-002": f"{5 / 6:.4f}",
        "variant-003": f"{5 / 6:.4f}",
    }
    assert graded["variant-002"]["df_dw0_ok"] == "0 of 1"
    assert graded["variant-002"]["f_ok"] == "1 of 1"
    assert (tmp_path / "grades.pdf").stat().st_size > 0
