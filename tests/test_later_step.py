"""A question about a later step than the first (``[question] step = k``): the parameters
after step k, θ⁽ᵏ⁺¹⁾, are the answers, checked against torch.optim's own run; the mistakes are
made for k steps; the handout, the quiz, the key and ``check`` name and judge that step."""

from __future__ import annotations

import json
import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import build
from report.answer_rule import printed
from report.question import Question
from report.results import results_dict
from report.settings import DEFAULT_INFO
from solver.config import load_problem, parse_config
from solver.errors import ConfigError
from solver.network import solve
from solver.optimizers import optimizer_of
from tests.instances import ROOT
from tests.test_architectures import assert_close
from tests.test_optimizers import torch_run

ADAM = Path(ROOT, "problems", "adam.toml")
AT_STEP_2 = replace(DEFAULT_INFO, question=Question(step=2))


def _decayed_adam():
    """adam.toml with coupled weight decay, for three steps: the mistakes that follow Adam's
    rule (decoupling the decay) change the answers of step 2."""
    problem = load_problem(ADAM)
    options = {"betas": (0.9, 0.999), "weight_decay": 0.05}
    return replace(problem, steps=3, optimizer=optimizer_of("adam", options)), options


def test_the_answers_are_the_parameters_after_the_step_asked():
    """results.json's "updated" is θ⁽³⁾ of PyTorch's run; the columns asked are the entries
    two steps leave other than given at 4 decimals."""
    problem, _ = _decayed_adam()
    results = results_dict(solve(problem), info=AT_STEP_2, mistakes=False)
    reference = torch_run(problem)[1]["params"]
    assert results["question"]["step"] == 2
    changed = []
    for name, value in results["updated"].items():
        assert_close(np.array(value), reference[name], f"{name} after step 2")
        start = problem.params.as_dict()[name]
        for index in np.ndindex(start.shape):
            if f"{start[index]:.4f}" != f"{reference[name][index]:.4f}":
                changed.append("_".join([name, *(str(i + 1) for i in index)]))
    assert results["question"]["columns"] == ["loss", *changed]
    first = results_dict(solve(problem), mistakes=False)  # the default: the first step
    assert "step" not in first["question"] and first["updated"] != results["updated"]


@pytest.mark.parametrize(
    ("mistake", "made"),
    [
        ("no-label-smoothing", lambda p, options: replace(p, epsilon=0.0)),
        (
            "weight-decay-decoupled-in-adam",
            lambda p, options: replace(p, optimizer=optimizer_of("adamw", options)),
        ),
    ],
)
def test_a_mistake_is_made_through_the_step_asked(mistake, made):
    """A student making the mistake makes it at every step: the answers results.json
    expects of them are PyTorch's run of the mistaken problem, after step 2, as printed."""
    problem, options = _decayed_adam()
    results = results_dict(solve(problem), info=AT_STEP_2)
    theirs = torch_run(made(problem, options))[1]["params"]
    expected = results["mistakes"][mistake]
    updated = {column: value for column, value in expected.items() if column != "loss"}
    assert updated  # the mistake changes parameters after step 2
    for column, value in updated.items():
        name, *index = column.split("_")
        entry = theirs[name][tuple(int(i) - 1 for i in index)]
        assert f"{value:.4f}" in printed(float(entry), 4), (column, value, entry)


def _config(extra: str) -> tuple:
    data = tomllib.loads(ADAM.read_text(encoding="utf-8").split("[question]")[0] + extra)
    return parse_config(data, "adam.toml")


@pytest.mark.parametrize(
    ("question", "message"),
    [
        (
            "[question]\nstep = 3\n",
            "adam.toml: question.step: expected a step of the run, 1 to 2 (training.steps), got 3",
        ),
        (
            '[question]\nstep = 2\nask = ["gradients"]\n',
            'adam.toml: question.step: a step is asked of the updated parameters: add "updated" '
            "to question.ask",
        ),
        (
            "[question]\nstep = 0\n",
            "adam.toml: question.step: expected an integer in 1..10000, got integer 0",
        ),
    ],
)
def test_a_step_the_run_does_not_take_is_refused(question, message):
    with pytest.raises(ConfigError) as caught:
        _config(question)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_the_handout_quiz_key_and_solution_name_the_step():
    """θ⁽³⁾ in every label; the task says "after step 2 of Adam", not "one step"."""
    from report.answer_key import key_context
    from report.document import solution_tex
    from report.quiz import quiz_question
    from report.statement import statement_context

    problem, _ = _decayed_adam()
    solution = solve(problem)
    results = results_dict(solution, info=AT_STEP_2)
    columns = results["question"]["columns"]
    sheet = statement_context(problem, "variant-001", info=AT_STEP_2, answers=columns)
    assert sheet["answer_boxes"][1].startswith(r"(\vect{W}_{1}^{(3)})_{")
    assert sheet["task"].endswith("every parameter after step 2") and sheet["before_rule"] == " of"
    quiz = quiz_question("variant-001", problem, results, info=AT_STEP_2)
    assert "every parameter after step 2 of Adam" in quiz.text_html
    assert r"\mathbf{b}_{2}^{(3)}" in quiz.text_html and "one step" not in quiz.text_html
    assert "The parameters after step 2 of Adam:" in quiz.feedback_html
    key = key_context({"variant-001": results}, problem, {}, info=AT_STEP_2)
    assert r"\vect{W}_{1}^{(3)}" in key["params"][0]
    tex = solution_tex(solution, None, None, info=AT_STEP_2)
    assert r"The parameters after step 2 of Adam, $\theta^{(3)}$, which" in tex
    assert r"\subsection{After 3 steps}" in tex  # the run's last parameters follow


def test_check_judges_the_step_asked(tmp_path, capsys):
    """θ⁽³⁾, rounded, passes ``check``; θ⁽²⁾, the first step's parameters, does not."""
    problem, _ = _decayed_adam()
    solution = solve(problem)
    results = results_dict(solution, info=AT_STEP_2)
    key = tmp_path / "results.json"
    key.write_text(json.dumps(results))

    def answers(params) -> Path:
        rounded = {n: np.round(v, 4).tolist() for n, v in params.as_dict().items()}
        text = "".join(f"{name} = {value}\n" for name, value in rounded.items())
        loss = f"[forward]\nloss = {results['forward']['loss']:.4f}\n"
        path = tmp_path / "answers.toml"
        path.write_text(loss + "[updated]\n" + text)
        return path

    later = answers(solution.trajectory[1].params)
    assert build.main(["check", "--key", str(key), "--answers", str(later)]) == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith("0 WRONG, 0 missing: PASS")
    first = answers(solution.trajectory[0].params)
    assert build.main(["check", "--key", str(key), "--answers", str(first)]) == 1
