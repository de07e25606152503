"""Every entry of the activations' registry, each form checked against an independent route:
float64 against PyTorch's autograd (kinks included), the slope against central differences,
the 50-digit form against the float64 one, the SymPy form's slope against SymPy's own
derivative of its value."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp
import torch
import torch.nn.functional as F

from solver import activations
from solver.activations import ACTIVATIONS

pytestmark = pytest.mark.torch

ALPHA = 0.05
# Both sides of 0, 0 itself (the kinks' convention), and both sides of softplus's threshold.
H = np.array([-30.0, -3.5, -1.0, -1e-3, 0.0, 1e-3, 0.5, 2.0, 19.5, 20.0, 20.5, 40.0])
TORCH = {
    "relu": torch.relu,
    "leaky_relu": lambda t: F.leaky_relu(t, ALPHA),
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "identity": lambda t: t * 1.0,
    "softplus": F.softplus,
    "silu": F.silu,
}
NAMES = list(ACTIVATIONS)
# A slope written through a = f(h), as σ(1 − σ) or 1 − tanh², cancels where it is small: it is
# exact to a rounding of 1 (every slope here is at most 1), not to its own relative digits.
SLOPE_ATOL = 2e-16


def test_every_entry_has_a_pytorch_counterpart_here():
    """A new entry must be added to this file's table too, so that it is checked."""
    assert set(TORCH) == set(ACTIVATIONS)


@pytest.mark.parametrize("name", NAMES)
def test_forward_and_slope_are_pytorchs(name):
    entry = ACTIVATIONS[name]
    h = torch.tensor(H, dtype=torch.float64, requires_grad=True)
    out = TORCH[name](h)
    out.sum().backward()
    a = entry.forward(H, ALPHA)
    np.testing.assert_allclose(a, out.detach().numpy(), rtol=1e-15, atol=1e-300)
    slope = entry.slope(H, a, ALPHA)
    # PyTorch's SiLU backward, σ(h)(1 + h(1 − σ(h))), rounds 1 − σ(h) and multiplies it by h.
    torch_slope = h.grad.numpy()
    bound = 1e-15 * np.abs(torch_slope) + SLOPE_ATOL * (1 + np.abs(H))
    assert np.all(np.abs(slope - torch_slope) <= bound), slope - torch_slope


@pytest.mark.parametrize("name", NAMES)
def test_slope_is_the_derivative(name):
    """Central differences, away from the kink at 0 and softplus's threshold at 20."""
    entry, step = ACTIVATIONS[name], 1e-6
    h = np.array([-3.5, -1.0, -0.25, 0.25, 1.0, 2.0, 7.0, 25.0])
    numeric = (entry.forward(h + step, ALPHA) - entry.forward(h - step, ALPHA)) / (2 * step)
    a = entry.forward(h, ALPHA)
    np.testing.assert_allclose(entry.slope(h, a, ALPHA), numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_the_precise_form_agrees_with_float64(name):
    entry = ACTIVATIONS[name]
    with mpmath.workdps(50):
        pairs = [entry.precise(mpmath.mpf(v), mpmath.mpf(ALPHA), mpmath) for v in H]
    a = entry.forward(H, ALPHA)
    np.testing.assert_allclose([float(p[0]) for p in pairs], a, rtol=1e-15, atol=1e-300)
    slope = entry.slope(H, a, ALPHA)
    np.testing.assert_allclose([float(p[1]) for p in pairs], slope, rtol=1e-15, atol=SLOPE_ATOL)


@pytest.mark.parametrize("name", [n for n, e in ACTIVATIONS.items() if e.symbolic])
def test_the_symbolic_slope_is_sympys_derivative(name):
    """d/du of the symbolic value, with its kept-whole functions written out, equals the
    symbolic slope, at points on both sides of 0 (below softplus's threshold)."""
    u = sp.Symbol("u", real=True)
    value, slope = ACTIVATIONS[name].symbolic(u)

    def plain(expr):
        return sp.sympify(expr).replace(
            lambda e: type(e).__name__ in {"Exp", "Sig", "Tanh"},
            lambda e: {"Exp": sp.exp, "Sig": lambda v: 1 / (1 + sp.exp(-v)), "Tanh": sp.tanh}[
                type(e).__name__
            ](e.args[0]),
        )

    difference = sp.diff(plain(value), u) - plain(slope)
    for point in (-2.5, -0.5, 0.0, 0.75, 3.0):
        assert abs(float(difference.subs(u, point))) < 1e-14
        forward = ACTIVATIONS[name].forward(np.array(point), ALPHA)
        assert float(plain(value).subs(u, point)) == pytest.approx(float(forward), rel=1e-14)


@pytest.mark.parametrize("name", [n for n, e in ACTIVATIONS.items() if e.pieces])
def test_the_pieces_are_the_slopes(name):
    """A piecewise-linear unit's pieces are its float64 slopes below and above 0."""
    entry = ACTIVATIONS[name]
    below, above = (ALPHA if piece == "alpha" else piece for piece in entry.pieces)
    h = np.array([-2.0, 0.0, 2.0])
    assert list(entry.slope(h, entry.forward(h, ALPHA), ALPHA)) == [below, below, above]


def test_a_wrong_slope_is_caught(monkeypatch):
    """σ′ = σ instead of σ(1 − σ) fails the central differences (the test can fail)."""
    wrong = activations.Activation(
        **{**ACTIVATIONS["sigmoid"].__dict__, "slope": lambda h, a, alpha: a}
    )
    monkeypatch.setitem(ACTIVATIONS, "sigmoid", wrong)
    with pytest.raises(AssertionError):
        test_slope_is_the_derivative("sigmoid")


def test_the_configuration_reference_names_every_entry():
    """docs/configuration.md lists the names a config may use: a new entry is named there."""
    from instances import ROOT

    from solver.losses import LOSSES

    reference = (ROOT / "docs" / "configuration.md").read_text()
    for name in [*ACTIVATIONS, *LOSSES]:
        assert f'"{name}"' in reference, name
