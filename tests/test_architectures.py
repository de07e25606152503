"""Any supported network against PyTorch (float64): depth 0–3 × every activation × every loss,
one instance and a mini-batch; the forward values, every gradient and one SGD step to 1e-10
relative, and Hypothesis-drawn instances beside the fixed grid."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from report.results import results_dict
from solver.activations import ACTIVATIONS
from solver.gradcheck import central_differences, relative_error
from solver.instance import Params, Problem
from solver.losses import LOSSES
from solver.network import solve

pytestmark = pytest.mark.torch  # compares against PyTorch

RTOL = 1e-10
SLOPE = 0.05


def random_network(
    seed: int,
    depth: int,
    activation: str,
    loss: str,
    m: int = 0,
    widths: tuple[int, ...] | None = None,
) -> Problem:
    """A random instance: ``depth`` hidden layers of ``activation``, the ``loss``'s targets,
    one instance (m = 0) or a batch of m rows."""
    rng = np.random.default_rng(seed)
    widths = widths or tuple(int(w) for w in rng.integers(2, 6, size=depth + 2))
    q = widths[-1]
    rows = (m,) if m else ()
    x = rng.normal(size=(*rows, widths[0]))
    if loss == "cross_entropy":
        y = np.eye(q)[rng.integers(q, size=m or 1)]
        y = y if m else y[0]
    elif loss == "binary_cross_entropy":
        y = rng.integers(0, 2, size=(*rows, q)).astype(float)
    else:
        y = rng.normal(size=(*rows, q))
    weights = [rng.normal(size=(a, b)) for a, b in itertools.pairwise(widths)]
    biases = [rng.normal(size=b) * 0.5 for b in widths[1:]]
    return Problem(
        x=x,
        y=y,
        params=Params(weights=weights, biases=biases),
        epsilon=0.2 if loss == "cross_entropy" else 0.0,
        learning_rate=0.3,
        activations=(activation,) * depth,
        negative_slope=SLOPE,
        loss=loss,
    )


def _torch_activation(name: str, h: torch.Tensor) -> torch.Tensor:
    return {
        "relu": torch.relu,
        "leaky_relu": lambda t: F.leaky_relu(t, SLOPE),
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "identity": lambda t: t,
        "softplus": F.softplus,
        "silu": F.silu,
    }[name](h)


def torch_loss(problem: Problem, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """PyTorch's loss of the problem's kind at logits z and targets y (rows)."""
    if problem.loss == "cross_entropy":
        return F.cross_entropy(z, y.argmax(dim=1), label_smoothing=problem.epsilon)
    if problem.loss == "mse":
        return F.mse_loss(z, y)
    return F.binary_cross_entropy_with_logits(z, y)


def torch_step(problem: Problem):
    """PyTorch's forward pass, gradients and one SGD step for the same instance."""
    weights = [torch.tensor(w, requires_grad=True) for w in problem.params.weights]
    biases = [torch.tensor(b, requires_grad=True) for b in problem.params.biases]
    a = torch.tensor(np.atleast_2d(problem.x))
    hs = []
    for W, b, name in zip(weights[:-1], biases[:-1], problem.activations, strict=True):
        h = a @ W + b
        h.retain_grad()
        hs.append(h)
        a = _torch_activation(name, h)
    z = a @ weights[-1] + biases[-1]
    loss = torch_loss(problem, z, torch.tensor(np.atleast_2d(problem.y)))
    loss.backward()
    params = [p for pair in zip(weights, biases, strict=True) for p in pair]
    optimizer = torch.optim.SGD(params, lr=problem.learning_rate)
    grads = [p.grad.clone().numpy() for p in params]
    optimizer.step()
    return loss.item(), z, hs, grads, [p.detach().numpy() for p in params]


def assert_close(ours, theirs, what: str) -> None:
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=1e-13, err_msg=what)


GRID = [
    (depth, activation, loss, m)
    for depth in (0, 1, 2, 3)
    for activation in (ACTIVATIONS if depth else ("relu",))
    for loss in LOSSES
    for m in (0, 3)
]


@pytest.mark.parametrize(("depth", "activation", "loss", "m"), GRID)
def test_every_architecture_matches_torch(depth, activation, loss, m):
    problem = random_network(depth * 100 + m, depth, activation, loss, m)
    solution = solve(problem)
    loss_value, z, hs, grads, updated = torch_step(problem)
    assert_close(solution.forward.loss, loss_value, "loss")
    assert_close(np.atleast_2d(solution.forward.z), z.detach().numpy(), "z")
    for layer, h in enumerate(hs):
        assert_close(np.atleast_2d(solution.forward.hs[layer]), h.detach().numpy(), f"h{layer}")
        assert_close(np.atleast_2d(solution.backward.dhs[layer]), h.grad.numpy(), f"dh{layer}")
    ours = list(solution.backward.grads.as_dict().items())
    for (name, grad), theirs in zip(ours, grads, strict=True):
        assert_close(grad, theirs, f"d{name}")
    for (name, value), theirs in zip(solution.updated.as_dict().items(), updated, strict=True):
        assert_close(value, theirs, f"updated {name}")


def test_a_wrong_slope_is_caught():
    """The comparison can fail: tanh′ = 1 − a (instead of 1 − a²) is seen in dW1."""
    problem = random_network(3, 2, "tanh", "mse")
    solution = solve(problem)
    _, _, _, grads, _ = torch_step(problem)
    wrong = solve(replace(problem, activations=("sigmoid", "tanh")))
    with pytest.raises(AssertionError):
        assert_close(wrong.backward.grads.W1, grads[0], "dW1")
    assert_close(solution.backward.grads.W1, grads[0], "dW1")


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "leaky_relu"])
def test_central_differences_agree(activation, loss):
    problem = random_network(7, 2, activation, loss)
    analytic = solve(problem).backward.grads.as_dict()
    numeric = central_differences(problem).as_dict()
    assert max(relative_error(analytic[k], numeric[k], 1e-3) for k in analytic) < 1e-6


def test_leaky_relu_slope_at_zero_is_its_slope():
    """As PyTorch's leaky_relu backward: f'(0) = negative_slope (ReLU's is 0)."""
    problem = random_network(1, 1, "leaky_relu", "mse")
    W1 = problem.params.W1.copy()
    W1[:, 0] = 0.0
    b1 = problem.params.b1.copy()
    b1[0] = 0.0  # h_1 = 0 exactly
    problem = replace(problem, params=replace(problem.params, W1=W1, b1=b1))
    solution = solve(problem)
    assert solution.forward.h[0] == 0 and solution.backward.slopes[0][0] == SLOPE
    _, _, hs, _, _ = torch_step(problem)
    assert_close(np.atleast_2d(solution.backward.dhs[0]), hs[0].grad.numpy(), "dh1")


def test_binary_cross_entropy_is_finite_for_huge_logits():
    """ln σ(z) for z = ±800 through the stable form: a finite loss, gradients ∓1/q or 0."""
    problem = random_network(2, 0, "relu", "binary_cross_entropy", widths=(1, 2))
    problem = replace(
        problem,
        x=np.array([1.0]),
        y=np.array([1.0, 0.0]),
        params=Params(W1=np.array([[-800.0, 800.0]]), b1=np.zeros(2)),
    )
    solution = solve(problem)
    assert np.isfinite(solution.forward.loss) and solution.forward.loss == pytest.approx(800.0)
    assert_close(solution.backward.dz, [-0.5, 0.5], "dz")
    loss_value, *_ = torch_step(problem)
    assert_close(solution.forward.loss, loss_value, "loss")


def test_results_json_names_the_layers():
    """One hidden layer keeps "h", "a"; others number them; every W_l, b_l is there."""
    deep = results_dict(solve(random_network(4, 3, "tanh", "mse")))
    assert list(deep["forward"])[:6] == ["h1", "a1", "h2", "a2", "h3", "a3"]
    assert "y_smooth" not in deep["forward"] and "loss" in deep["forward"]
    assert list(deep["gradients"]) == ["W1", "b1", "W2", "b2", "W3", "b3", "W4", "b4"]
    flat = results_dict(solve(random_network(4, 0, "relu", "cross_entropy")))
    assert list(flat["forward"]) == ["z", "y_hat", "y_smooth", "loss"]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    depth=st.integers(0, 3),
    activation=st.sampled_from(tuple(ACTIVATIONS)),
    loss=st.sampled_from(tuple(LOSSES)),
    m=st.sampled_from([0, 1, 4]),
    seed=st.integers(0, 10_000),
)
def test_drawn_architectures_match_torch(depth, activation, loss, m, seed):
    problem = random_network(seed, depth, activation, loss, m)
    solution = solve(problem)
    loss_value, _, _, grads, _ = torch_step(problem)
    assert_close(solution.forward.loss, loss_value, "loss")
    for grad, theirs in zip(solution.backward.grads.as_dict().values(), grads, strict=True):
        assert_close(grad, theirs, "gradient")
