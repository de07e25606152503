"""Every optimizer against torch.optim in float64: each option combination that changes the
numbers (momentum with and without Nesterov and dampening, centred RMSprop, AMSGrad, coupled
and decoupled weight decay), with and without the L2 penalty, for 1, 2 and 5 steps, one
instance and a mini-batch, networks of 0 to 3 hidden layers: every loss, every parameter and
every state entry after every step to 1e-10 relative. Then the 50-digit check of the same
runs, and the examples."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from solver.config import load_problem
from solver.high_precision import network_agreement
from solver.instance import Problem
from solver.network import solve
from solver.optimizers import OPTIMIZERS, optimizer_of
from tests.instances import ROOT
from tests.test_architectures import _torch_activation, assert_close, random_network, torch_loss

pytestmark = pytest.mark.torch  # compares against PyTorch

# (optimizer, options): every combination that changes the numbers.
COMBINATIONS = [
    ("sgd", {}),
    ("sgd", {"momentum": 0.9}),
    ("sgd", {"momentum": 0.9, "dampening": 0.5}),
    ("sgd", {"momentum": 0.9, "nesterov": True}),
    ("sgd", {"weight_decay": 0.1}),
    ("sgd", {"momentum": 0.8, "nesterov": True, "weight_decay": 0.1}),
    ("rmsprop", {}),
    ("rmsprop", {"centered": True}),
    ("rmsprop", {"momentum": 0.9, "alpha": 0.9}),
    ("rmsprop", {"centered": True, "momentum": 0.5, "weight_decay": 0.1, "eps": 1e-6}),
    ("adam", {}),
    ("adam", {"amsgrad": True, "eps": 1e-6}),
    ("adam", {"weight_decay": 0.1, "betas": (0.8, 0.99)}),
    ("adamw", {}),
    ("adamw", {"weight_decay": 0.2, "amsgrad": True, "eps": 1e-6, "betas": (0.85, 0.995)}),
    ("adagrad", {}),
    (
        "adagrad",
        {"lr_decay": 0.1, "initial_accumulator_value": 0.5, "weight_decay": 0.1, "eps": 1e-6},
    ),
]
# (hidden layers, activation, loss, batch rows: 0 for one instance)
NETWORKS = [
    (0, "relu", "cross_entropy", 0),
    (1, "relu", "cross_entropy", 3),
    (2, "tanh", "mse", 0),
    (3, "sigmoid", "binary_cross_entropy", 3),
]


def torch_run(problem: Problem) -> list[dict]:
    """PyTorch's run of ``problem``: after each step, the loss where it started, every
    parameter and every state entry (by torch.optim's names)."""
    weights = [torch.tensor(w, requires_grad=True) for w in problem.params.weights]
    biases = [torch.tensor(b, requires_grad=True) for b in problem.params.biases]
    params = [p for pair in zip(weights, biases, strict=True) for p in pair]
    names = list(problem.params.as_dict())
    optimizer = problem.optimizer
    options = {k: v for k, v in optimizer.options.items() if k in optimizer.entry.options}
    torch_optimizer = getattr(torch.optim, optimizer.entry.torch)(
        params, lr=problem.learning_rate, **options
    )
    x, y = torch.tensor(np.atleast_2d(problem.x)), torch.tensor(np.atleast_2d(problem.y))
    run = []
    for _ in range(problem.steps):
        torch_optimizer.zero_grad()
        a = x
        for W, b, name in zip(weights[:-1], biases[:-1], problem.activations, strict=True):
            a = _torch_activation(name, a @ W + b)
        loss = torch_loss(problem, a @ weights[-1] + biases[-1], y)
        loss = loss + problem.l2 / 2 * sum((W * W).sum() for W in weights)  # weights only
        loss.backward()
        torch_optimizer.step()
        state = {
            key: {
                name: value.detach().numpy().copy()
                for name, p in zip(names, params, strict=True)
                for key2, value in torch_optimizer.state[p].items()
                if key2 == key
            }
            for key in torch_optimizer.state[params[0]]
            if key != "step"
        }
        run.append(
            {
                "loss": loss.item(),
                "params": {
                    n: p.detach().numpy().copy() for n, p in zip(names, params, strict=True)
                },
                "state": state,
            }
        )
    return run


def _problem(index: int, network, name: str, options: dict, l2: float, steps: int) -> Problem:
    depth, activation, loss, m = network
    problem = random_network(100 + index, depth, activation, loss, m)
    return replace(
        problem, optimizer=optimizer_of(name, options), l2=l2, steps=steps, learning_rate=0.05
    )


def assert_run_matches(problem: Problem) -> None:
    ours, theirs = solve(problem).trajectory, torch_run(problem)
    assert len(ours) == len(theirs) == problem.steps
    for t, (step, reference) in enumerate(zip(ours, theirs, strict=True), 1):
        assert_close(step.loss, reference["loss"], f"loss at step {t}")
        for name, value in step.params.as_dict().items():
            assert_close(value, reference["params"][name], f"{name} after step {t}")
        if problem.optimizer.plain:
            continue
        assert set(step.state) == set(reference["state"]), f"state kept at step {t}"
        for key, values in step.state.items():
            for name, value in values.as_dict().items():
                assert_close(value, reference["state"][key][name], f"{key} of {name}, step {t}")


@pytest.mark.parametrize("steps", [1, 2, 5])
@pytest.mark.parametrize("l2", [0.0, 0.05])
@pytest.mark.parametrize("network", NETWORKS, ids=lambda n: f"L{n[0]}-{n[1]}-{n[2]}-m{n[3]}")
@pytest.mark.parametrize(
    ("name", "options"),
    COMBINATIONS,
    ids=[f"{n}-{'-'.join(o) or 'defaults'}" for n, o in COMBINATIONS],
)
def test_every_optimizer_matches_torch(name, options, network, l2, steps):
    problem = _problem(NETWORKS.index(network), network, name, options, l2, steps)
    assert_run_matches(problem)


def test_every_optimizer_and_option_is_tested():
    """The grid covers every optimizer and every option of each."""
    for name, entry in OPTIMIZERS.items():
        tested = {k for n, options in COMBINATIONS if n == name for k in options}
        assert tested == set(entry.options), name
    assert {"adam", "adamw"} <= {n for n, o in COMBINATIONS if "weight_decay" in o}


@pytest.mark.parametrize(
    "mistaken",
    [
        {"bias_correction": False},  # Adam without its bias corrections
        {"betas": (0.9, 0.99)},  # another β₂
    ],
)
def test_a_wrong_rule_is_caught(mistaken):
    """The comparison can fail: Adam's run with a rule changed is told from PyTorch's."""
    problem = _problem(0, NETWORKS[1], "adam", {}, 0.0, 2)
    wrong = replace(problem, optimizer=optimizer_of("adam", mistaken))
    ours = solve(wrong).trajectory[-1].params.W1
    with pytest.raises(AssertionError):
        assert_close(ours, torch_run(problem)[-1]["params"]["W1"], "W1")


def test_adamw_decays_by_default_as_pytorch():
    """AdamW's default weight decay is 0.01, Adam's 0: the defaults are PyTorch's."""
    assert optimizer_of("adamw", {}).options["weight_decay"] == 0.01
    assert optimizer_of("adam", {}).options["weight_decay"] == 0.0
    assert_run_matches(_problem(2, NETWORKS[2], "adamw", {}, 0.0, 2))


def _typed(problem: Problem) -> Problem:
    """The problem with every input a short decimal, as a config types it: the 50-digit check
    starts from the inputs as typed."""
    params = {k: np.round(v, 2) for k, v in problem.params.as_dict().items()}
    return replace(
        problem,
        x=np.round(problem.x, 2),
        y=np.round(problem.y, 2),
        params=type(problem.params)(**params),
    )


@pytest.mark.parametrize(("name", "options"), COMBINATIONS[1:], ids=lambda v: str(v))
def test_fifty_digits_agree_with_float64(name, options):
    """The appendix's check runs each optimizer's steps in 50-digit arithmetic: every
    parameter and state entry after each step is there and agrees."""
    problem = _typed(_problem(0, NETWORKS[2], name, options, 0.05, 3))
    solution = solve(problem)
    agreement = network_agreement(problem, solution)
    assert agreement is not None
    # each quantity against its largest entry, as solver.verification judges it (an entry
    # near 0 after a cancellation keeps float64's absolute error, not its relative one)
    worst = max(d / max(scale, 1e-300) for d, scale in agreement.spreads.values() if scale)
    assert worst < 1e-12
    for t in (1, 2, 3):
        for key in problem.optimizer.state_names:
            assert f"step{t}_{key}_W1" in agreement.spreads
        assert f"step{t}_b3" in agreement.spreads


def test_the_fifty_digit_check_sees_a_wrong_step():
    """A float64 step that is off is reported: the 50-digit run is computed independently of
    the solution it checks."""
    problem = _typed(_problem(0, NETWORKS[2], "adam", {}, 0.0, 2))
    solution = solve(problem)
    trajectory = list(solution.trajectory)
    bad = trajectory[1].params.as_dict()
    bad["W2"] = bad["W2"] * (1 + 1e-6)
    trajectory[1] = replace(trajectory[1], params=type(trajectory[1].params)(**bad))
    agreement = network_agreement(problem, replace(solution, trajectory=tuple(trajectory)))
    difference, scale = agreement.spreads["step2_W2"]
    assert difference / scale > 1e-7


@pytest.mark.parametrize("config", ["adam.toml", "momentum.toml"])
def test_the_examples_match_torch(config):
    problem = load_problem(Path(ROOT, "problems", config))
    assert not problem.optimizer.plain
    assert_run_matches(problem)


def test_results_json_holds_each_steps_state():
    """results.json: every step's state at full precision, and the optimizer as PyTorch
    names it; plain gradient descent's has neither."""
    from report.results import results_dict

    problem = load_problem(Path(ROOT, "problems", "adam.toml"))
    solution = solve(problem)
    results = results_dict(solution, mistakes=False)
    assert results["optimizer"]["torch"] == "Adam" and results["optimizer"]["betas"] == [0.9, 0.999]
    for step, entry in zip(solution.trajectory, results["trajectory"], strict=True):
        assert set(entry["state"]) == {"exp_avg", "exp_avg_sq"}
        for name, values in step.state.items():
            for key, value in values.as_dict().items():
                assert entry["state"][name][key] == value.tolist()
    plain = results_dict(solve(load_problem(Path(ROOT, "problems", "hw3.toml"))), mistakes=False)
    assert "optimizer" not in plain and "state" not in plain["trajectory"][0]


def test_the_sheet_and_the_quiz_name_the_step_asked():
    """A student is told which rule to run, with every hyperparameter; the homework keeps its
    words."""
    from report.optimizer_context import rule_words

    adam = load_problem(Path(ROOT, "problems", "regularized.toml"))
    words = rule_words(adam, 4)
    assert r"\texttt{torch.optim.Adam}" in words and r"\beta_2 = \num{0.999}" in words
    assert r"\omega = \num{0.05}" in words and r"\lambda = \num{0.1}" in words
    assert "10^{-8}" in words and "texttt" not in rule_words(adam, 4, html=True)
    momentum = rule_words(load_problem(Path(ROOT, "problems", "momentum.toml")), 4)
    assert momentum.startswith("SGD with Nesterov momentum") and r"\mu = \num{0.9}" in momentum
    homework = rule_words(load_problem(Path(ROOT, "problems", "hw3.toml")), 4)
    assert homework.startswith("Gradient Descent (") and "lambda" not in homework
