"""The symbolic proof of Problem 1: it holds, it can fail, and it says ReLU'(0) = 0."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import sympy as sp
from instances import kink_problem

from solver.activations import relu_mask
from solver.network import solve
from solver.proof import (
    CLOSED_FORMS,
    Exp,
    masks_for,
    network,
    prove,
    smooth_labels,
)

NAMES = ["z", "W2", "b2", "a", "h", "W1", "b1"]


@pytest.mark.parametrize("shape", [(2, 3, 3), (1, 1, 2), (3, 2, 4), (2, 4, 2)])
def test_the_closed_forms_are_proven(shape):
    """Every entry of every gradient, for every ReLU pattern and every hot class."""
    d, n, q = shape
    result = prove(d, n, q)
    assert result.holds
    assert [v.name for v in result.verdicts] == NAMES
    assert len(result.masks) == 2**n and result.hot_classes == tuple(range(q))
    cases = 2**n * q
    entries = {v.name: v.entries for v in result.verdicts}
    assert entries == {
        "z": q * cases,
        "W2": n * q * cases,
        "b2": q * cases,
        "a": n * cases,
        "h": n * cases,
        "W1": d * n * cases,
        "b1": n * cases,
    }
    assert result.identities == sum(entries.values())


def test_the_homework_shape_is_proven_quickly():
    """The homework's (2, 3, 3): 720 identities (8 masks × 3 classes) in well under 2 s."""
    result = prove(2, 3, 3)
    assert result.holds and result.identities == 720
    assert result.seconds < 5  # about 0.4 s; loose, for slow CI machines


def test_differentiating_the_whole_loss_agrees():
    """The slow route, sympy.diff of the whole loss by each weight, proves the same."""
    assert prove(1, 2, 2, directly=True).holds
    assert prove(2, 3, 3, mask=(1, 0, 1), directly=True).holds


def test_more_hidden_units_prove_a_few_masks():
    """Past n = 4, all-ones, all-zeros and random patterns rather than all 2ⁿ."""
    masks = masks_for(6)
    assert (1,) * 6 in masks and (0,) * 6 in masks and len(masks) == 4
    assert prove(1, 5, 2).holds


def test_gradient_without_smoothing_fails():
    """dz = ŷ − y (forgetting the smoothing) is caught at z, and through to W1 directly."""
    wrong = replace(CLOSED_FORMS, dz=lambda net: net.y_hat - net.y)
    result = prove(2, 3, 3, forms=wrong)
    assert not result.holds
    assert {v.name for v in result.verdicts if not v.equal} == {"z"}
    direct = prove(1, 2, 2, forms=wrong, directly=True)
    assert not direct.holds and not any(v.equal for v in direct.verdicts)


def test_gradient_without_the_mask_fails():
    """dh = da (forgetting ReLU') fails, but only on a pattern with an inactive unit."""
    wrong = replace(CLOSED_FORMS, dh=lambda net, da: da)
    result = prove(2, 3, 3, forms=wrong)
    assert not result.holds
    assert {v.name for v in result.verdicts if not v.equal} == {"h", "W1", "b1"}
    assert prove(2, 3, 3, mask=(1, 1, 1), forms=wrong).holds  # why every pattern is tried


def test_transposed_gradient_fails():
    """dW2 = dz aᵀ, the transpose, has the wrong shape (q×n) and is caught."""
    wrong = replace(CLOSED_FORMS, dW2=lambda net, dz: dz * net.a.T)
    result = prove(2, 3, 4, mask=(1, 1, 1), forms=wrong)
    assert [v.name for v in result.verdicts if not v.equal] == ["W2"]


def test_smoothing_by_the_wrong_count_fails():
    """yˢ = (1 − ε)y + ε/(q + 1) does not sum to 1: dz = ŷ − yˢ is then wrong, and caught."""

    def d_z_off(net):
        off = smooth_labels(net.y, net.epsilon * net.y.rows / (net.y.rows + 1))
        return net.y_hat - off

    assert not prove(1, 1, 3, forms=replace(CLOSED_FORMS, dz=d_z_off)).holds


def test_heaviside_gives_one_half_at_zero_the_mask_gives_zero():
    """SymPy's ReLU' is Heaviside, with Heaviside(0) = 1/2; we and PyTorch use ReLU'(0) = 0.

    The proof therefore fixes the pattern m = ReLU'(h) with the solver's own rule (h > 0), so
    at h = 0 the unit is off, ∂a/∂h = 0, and the closed forms hold with that mask.
    """
    h = sp.Symbol("h", real=True)
    assert sp.diff(sp.Max(h, 0), h).subs(h, 0) == sp.Rational(1, 2)

    mask = tuple(int(m) for m in relu_mask(np.array([0.0, 2.0])))
    assert mask == (0, 1)
    net = network(1, 2, 2, mask)
    assert sp.diff(net.a[0], net.b1[0]) == 0  # ∂a₁/∂h₁ at h₁ = 0
    assert sp.diff(net.a[1], net.b1[1]) == 1
    assert prove(1, 2, 2, mask=mask).holds

    # The numeric solver agrees: a unit sitting exactly at h = 0 passes no gradient back.
    problem = kink_problem(0)
    solution = solve(problem)
    assert solution.forward.h[0] == 0 and solution.backward.da[0] != 0
    assert solution.backward.dh[0] == 0 and solution.backward.grads.W1[0, 0] == 0


def test_exp_is_exp_without_the_merging():
    """Exp differentiates and evaluates as exp, but Exp(u)·Exp(v) stays two factors."""
    u, v = sp.symbols("u v", real=True)
    assert sp.diff(Exp(u**2), u) == 2 * u * Exp(u**2)
    assert sp.simplify((Exp(u) * Exp(v)).rewrite(sp.exp) - sp.exp(u + v)) == 0
    assert Exp(u) * Exp(v) != Exp(u + v)
    assert sp.diff(Exp(u), u).rewrite(sp.exp) == sp.diff(sp.exp(u), u)
