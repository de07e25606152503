"""Problem 1's closed forms proved with SymPy (solver/proof.py), for every network, and the
proof failing when a formula is wrong."""

from __future__ import annotations

import pytest
import sympy as sp

from solver import proof
from solver.activations import ACTIVATIONS
from solver.losses import LOSSES
from solver.proof import proof_widths, prove_network


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_one_hidden_layer_of_every_kind_holds(activation, loss):
    result = prove_network(proof_widths(1), (activation,), loss)
    assert result.holds and result.identities == 12 * result.patterns * result.classes
    assert result.classes == (2 if LOSSES[loss].one_hot else 1)


@pytest.mark.slow  # two hidden layers: every slope pattern of a leaky ReLU layer, ~2.5 s
@pytest.mark.parametrize(
    ("activations", "loss"),
    [((), "mse"), (("tanh", "leaky_relu"), "binary_cross_entropy"), (("sigmoid", "relu"), "mse")],
)
def test_other_depths_hold(activations, loss):
    assert prove_network(proof_widths(len(activations)), activations, loss).holds


def test_a_wrong_sigmoid_derivative_is_caught(monkeypatch):
    """σ′ = σ instead of σ(1 − σ): the recursion no longer equals SymPy's derivative."""
    real = proof._activate

    def wrong(name, h, pattern):
        a, slope = real(name, h, pattern)
        return (a, a) if name == "sigmoid" else (a, slope)

    monkeypatch.setattr(proof, "_activate", wrong)
    assert not prove_network(proof_widths(1), ("sigmoid",), "mse").holds


def test_a_missing_factor_in_the_output_error_is_caught(monkeypatch):
    """(ŷ − y) without the 1/q of binary cross-entropy's mean: caught."""
    real = proof._output

    def wrong(loss, z, y, epsilon):
        value, delta = real(loss, z, y, epsilon)
        return value, delta * z.rows

    monkeypatch.setattr(proof, "_output", wrong)
    assert not prove_network(proof_widths(0), (), "binary_cross_entropy").holds


def test_leaky_relu_patterns_use_the_slope_symbol():
    """Two leaky units: four patterns of slopes α and 1, every one proved."""
    result = prove_network((2, 2, 2), ("leaky_relu",), "mse")
    assert result.patterns == 4 and result.holds
    assert (
        sp.Symbol("alpha", positive=True)
        in proof._patterns(("leaky_relu",), (2, 2, 2), sp.Symbol("alpha", positive=True))[0][0]
    )


def test_cross_entropy_without_the_smoothed_target_is_caught(monkeypatch):
    """δ = ŷ − y, the label smoothing forgotten (a student's slip): caught for ε a symbol."""
    real = proof._output

    def wrong(loss, z, y, epsilon):
        value, delta = real(loss, z, y, epsilon)
        return value, delta.subs(epsilon, 0)

    monkeypatch.setattr(proof, "_output", wrong)
    result = prove_network(proof_widths(1), ("relu",), "cross_entropy")
    assert not result.holds and result.classes == 2
