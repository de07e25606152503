"""PyTorch (float64) as an independent second solver, and central differences as a third.

The same network is written again in PyTorch, in its own idiom (``x @ W1 + b1``,
``F.cross_entropy(..., label_smoothing=ε)``, ``torch.optim.SGD``), and must give the numpy
solver's loss, gradients and updated parameters, and the numbers in results.json, to 1e-10.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from instances import kink_problem

from report.results import results_json
from solver.activations import relu_mask
from solver.gradcheck import central_differences, relative_error
from solver.instance import Params, Problem
from solver.losses import cross_entropy, smooth_labels, softmax_parts
from solver.network import solve
from solver.solution import Solution

pytestmark = pytest.mark.torch  # compares against PyTorch

RTOL = 1e-10
TINY = 1e-300  # an absolute floor only for underflow; two exact zeros always agree
PARAMS = ("W1", "b1", "W2", "b2")


@dataclass(frozen=True)
class TorchStep:
    """What PyTorch computes for the instance: forward values, gradients, parameters after SGD."""

    h: np.ndarray
    a: np.ndarray
    z: np.ndarray
    y_hat: np.ndarray
    loss: float
    grads: dict[str, np.ndarray]
    updated: dict[str, np.ndarray]


def torch_step(problem: Problem) -> TorchStep:
    """One SGD step in PyTorch, float64, with the homework's shapes: W1 (d,n), W2 (n,q)."""
    x = torch.tensor(problem.x, dtype=torch.float64)
    params = {
        name: torch.tensor(value, dtype=torch.float64, requires_grad=True)
        for name, value in problem.params.as_dict().items()
    }
    h = x @ params["W1"] + params["b1"]  # = W1ᵀx + b1
    a = torch.relu(h)
    z = a @ params["W2"] + params["b2"]  # = W2ᵀa + b2
    target = torch.tensor([int(np.argmax(problem.y))])
    loss = F.cross_entropy(z.unsqueeze(0), target, label_smoothing=problem.epsilon)
    loss.backward()
    grads = {name: p.grad.detach().numpy().copy() for name, p in params.items()}
    torch.optim.SGD(list(params.values()), lr=problem.learning_rate).step()
    return TorchStep(
        h=h.detach().numpy(),
        a=a.detach().numpy(),
        z=z.detach().numpy(),
        y_hat=torch.softmax(z, dim=0).detach().numpy(),
        loss=loss.item(),
        grads=grads,
        updated={name: p.detach().numpy() for name, p in params.items()},
    )


def assert_close(ours, theirs, what: str, scale=0.0) -> None:
    """|a − b| ≤ 1e-10 · max(|a|, |b|, scale) + 1e-300, entry by entry.

    ``scale`` is the size of the terms an entry is computed from (see :func:`term_scales`);
    0 makes it the plain relative test, which exact zeros in both pass.
    """
    ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    assert ours.shape == theirs.shape, what
    bound = RTOL * np.maximum(np.maximum(np.abs(ours), np.abs(theirs)), scale) + TINY
    bad = np.abs(ours - theirs) > bound
    assert not bad.any(), f"{what}: ours {ours[bad]} vs torch {theirs[bad]}"


def term_scales(problem: Problem) -> dict[str, np.ndarray]:
    """How large the terms are that each result is summed from: the yardstick for cancellation.

    Two float64 solvers that sum in different orders agree on a sum only relative to the size
    of its terms: h to ~1e-16·(|W1|ᵀ|x| + |b1|), z to ~1e-16·(|W2|ᵀ|h| + |b2|). Then ŷ − yˢ
    subtracts numbers of size ≤ 1 that agree only to ~1e-16·|z|: when ŷᵢ ≈ yˢᵢ the difference
    is tiny and its *relative* error large in any float64 solver, ours or PyTorch's (likewise
    θ − η∇θ when the two nearly cancel). So dz is compared relative to
    s = 1 + max(|W2|ᵀ(|W1|ᵀ|x| + |b1|) + |b2|), and each later gradient relative to the same
    bound carried through its formula with absolute values: |W2| s for da, |x| (|W2| s ⊙ m)ᵀ
    for dW1, and |θ| + η·(that) for the updated parameters. On the homework this allowance is
    not needed (its test uses none).
    """
    p = problem.params
    h_terms = np.abs(p.W1).T @ np.abs(problem.x) + np.abs(p.b1)
    s = 1.0 + float(np.max(np.abs(p.W2).T @ h_terms + np.abs(p.b2)))
    q = p.W2.shape[1]
    mask = relu_mask(p.W1.T @ problem.x + p.b1)
    d_z = np.full(q, s)
    d_h = (np.abs(p.W2) @ d_z) * mask
    grads = {"W1": np.outer(np.abs(problem.x), d_h), "b1": d_h, "W2": np.outer(h_terms, d_z)}
    grads["b2"] = d_z
    updated = {k: np.abs(v) + problem.learning_rate * grads[k] for k, v in p.as_dict().items()}
    z_terms = np.abs(p.W2).T @ h_terms + np.abs(p.b2)
    return {
        "h": h_terms,
        "a": h_terms,
        "z": z_terms,
        "loss": np.array(s),
        "y_hat": d_z,
        **grads,
        **{f"new_{k}": v for k, v in updated.items()},
    }


def check_against_torch(
    problem: Problem, scales: dict[str, np.ndarray] | None = None, ours: Solution | None = None
) -> None:
    """Our solution (or ``ours``), and the results.json made from it, against PyTorch's step."""
    scales = scales or {}
    ours = solve(problem) if ours is None else ours
    theirs = torch_step(problem)
    saved = json.loads(results_json(ours))  # what results.json holds, read back
    for name in ("h", "a", "z"):
        value, scale = getattr(theirs, name), scales.get(name, 0.0)
        assert_close(getattr(ours.forward, name), value, name, scale)
        assert_close(saved["forward"][name], value, f"results.json {name}", scale)
    assert_close(ours.forward.y_hat, theirs.y_hat, "y_hat", scales.get("y_hat", 0.0))
    assert_close(ours.forward.loss, theirs.loss, "loss", scales.get("loss", 0.0))
    assert_close(
        saved["forward"]["loss"], theirs.loss, "results.json loss", scales.get("loss", 0.0)
    )
    for name in PARAMS:
        scale, new_scale = scales.get(name, 0.0), scales.get(f"new_{name}", 0.0)
        grad, new = ours.backward.grads.as_dict()[name], ours.updated.as_dict()[name]
        assert_close(grad, theirs.grads[name], f"d{name}", scale)
        assert_close(saved["gradients"][name], theirs.grads[name], f"results.json d{name}", scale)
        assert_close(new, theirs.updated[name], f"updated {name}", new_scale)
        assert_close(
            saved["updated"][name], theirs.updated[name], f"results.json {name}", new_scale
        )


def test_homework_agrees_with_torch(homework):
    """The homework's instance: every number to 1e-10 relative, with no allowance at all."""
    check_against_torch(homework)


@pytest.mark.parametrize("relative", [1e-6, 1e-8])
def test_the_comparison_catches_a_slightly_wrong_gradient(homework, relative):
    """The check can fail: dW1 off by 1e-6 relative is caught even with the cancellation
    allowance of term_scales; off by 1e-8, by the plain relative test."""
    solution = solve(homework)
    grads = solution.backward.grads
    wrong = Params(W1=grads.W1 * (1 + relative), b1=grads.b1, W2=grads.W2, b2=grads.b2)
    backward = replace(solution.backward, grads=wrong)
    scales = term_scales(homework) if relative > 1e-7 else None
    with pytest.raises(AssertionError, match="dW1"):
        check_against_torch(homework, scales, replace(solution, backward=backward))


def test_torch_relu_derivative_at_zero_is_zero():
    """PyTorch's relu backward is 0 at h = 0, as our relu_mask (SymPy's Heaviside would say ½)."""
    h = torch.tensor([-1.0, 0.0, 1e-300, 3.0], dtype=torch.float64, requires_grad=True)
    torch.relu(h).sum().backward()
    np.testing.assert_array_equal(h.grad.numpy(), relu_mask(h.detach().numpy()))
    assert h.grad.tolist() == [0.0, 0.0, 1.0, 1.0]


def test_label_smoothing_is_torchs():
    """yˢ = (1 − ε)y + ε/q is exactly what cross_entropy(label_smoothing=ε) puts in the loss."""
    z = np.array([0.5, -1.0, 2.0, 0.0])
    for epsilon in (0.0, 0.3, 1.0):
        y_smooth = smooth_labels(np.eye(4)[2], epsilon)
        _, ours = cross_entropy(y_smooth, softmax_parts(z)[3])
        logits = torch.tensor(z[None, :], dtype=torch.float64)
        theirs = float(F.cross_entropy(logits, torch.tensor([2]), label_smoothing=epsilon))
        assert abs(ours - theirs) <= 1e-15 * abs(theirs)


# --- Hypothesis instances -------------------------------------------------------------------

SHAPES = st.tuples(st.integers(1, 6), st.integers(1, 6), st.integers(2, 6))
EPSILONS = st.one_of(st.sampled_from([0.0, 0.3, 1.0]), st.floats(0.0, 1.0))


@st.composite
def instances(draw, kind: str) -> Problem:
    """Random instances. ``integers``: weights in [−5, 5], so h = 0 exactly does happen;
    ``floats``: weights in [−3, 3]; ``huge``: integer weights, x scaled so |z| ~ 1e3–1e4."""
    d, n, q = draw(SHAPES)

    def array(*shape: int) -> np.ndarray:
        size = int(np.prod(shape))
        if kind == "floats":
            values = st.floats(-3, 3, allow_subnormal=False)
        else:
            values = st.integers(-5, 5).map(float)
        return np.array(draw(st.lists(values, min_size=size, max_size=size))).reshape(shape)

    x = array(d)
    if kind == "huge":
        x = x * draw(st.sampled_from([100.0, 300.0, 1000.0]))
    y = np.zeros(q)
    y[draw(st.integers(0, q - 1))] = 1.0
    return Problem(
        x=x,
        y=y,
        params=Params(W1=array(d, n), b1=array(n), W2=array(n, q), b2=array(q)),
        epsilon=draw(EPSILONS),
        learning_rate=draw(st.sampled_from([0.1, 0.01, 0.5])),
    )


@settings(max_examples=150, deadline=None, derandomize=True)
@given(instances("integers"))
@example(  # h = [0, 2]: a unit exactly at the kink, which PyTorch and we both switch off
    kink_problem(1)
)
def test_integer_instances_agree_with_torch(problem):
    """Integer weights, ReLU inputs of exactly 0 included."""
    check_against_torch(problem, term_scales(problem))


@settings(max_examples=150, deadline=None, derandomize=True)
@given(instances("floats"))
def test_float_instances_agree_with_torch(problem):
    """Float weights. A float h within rounding of 0 may land on either side of the kink in two
    solvers that sum in different orders; such instances (of measure zero) are set aside."""
    scales = term_scales(problem)
    h = problem.params.W1.T @ problem.x + problem.params.b1
    assume(np.all(np.abs(h) > 1e-9 * scales["h"]))
    check_against_torch(problem, scales)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(instances("huge"))
def test_huge_logits_agree_with_torch(problem):
    """|z| in the thousands: both go through log-sum-exp, and neither overflows."""
    check_against_torch(problem, term_scales(problem))


# --- Central differences --------------------------------------------------------------------


def differences_can_resolve(problem: Problem) -> bool:
    """True when every gradient entry is 0 for a structural reason or stands above the noise.

    A central difference with step s = 1e-6 carries rounding noise of about 1e-16·|L|/s =
    1e-10·|L|, so an entry of size g has relative error ~1e-10·|L|/g: it needs g > 1e-4·|L|
    to reach 1e-6 (we ask 1e-3·|L|). Entries that are 0 because x_i = 0, a_j = 0 or the unit
    is off are 0 in the differences too (the loss does not move at all); but a gradient that
    is 0 or tiny by cancellation (Σₖ dzₖ = 0, so a row of W2 with equal entries gives daⱼ = 0)
    is below any finite difference's resolution, and such instances are set aside.
    """
    solution = solve(problem)
    noise = 1e-3 * max(1.0, abs(solution.forward.loss))
    live = solution.backward.relu_mask == 1
    if np.any(np.abs(solution.backward.dz) <= noise):
        return False
    if np.any(np.abs(solution.backward.da[live]) <= noise):
        return False
    return all(
        np.all((g == 0) | (np.abs(g) > noise)) for g in solution.backward.grads.as_dict().values()
    )


@settings(max_examples=100, deadline=None, derandomize=True)
@given(instances("floats"))
def test_central_differences_agree(problem):
    """Away from the ReLU kinks (min |h| > 1e-3), back-propagation matches
    (L(θ + s) − L(θ − s)) / 2s to relative error < 1e-6, as CS231n measures it."""
    h = problem.params.W1.T @ problem.x + problem.params.b1
    assume(np.min(np.abs(h)) > 1e-3)
    assume(differences_can_resolve(problem))
    analytic = solve(problem).backward.grads
    numeric = central_differences(problem)
    for name in PARAMS:
        assert relative_error(analytic.as_dict()[name], numeric.as_dict()[name]) < 1e-6, name
