"""Tests of report/figures.py and of the Problem 1 template that draws from it."""

from __future__ import annotations

import re

import numpy as np
import pytest
from instances import random_problem
from pylatex.utils import NoEscape

from orchestration.single import render_solution
from report.figures import MAX_SHOWN, layer_titles, network_figure, shown_indices, slot_ys
from solver.network import solve


def drawn(layer: dict) -> list[dict]:
    return [node for node in layer["nodes"] if not node["ellipsis"]]


def labels(layer: dict) -> list[str]:
    return [str(node["text"]) for node in layer["nodes"]]


@pytest.mark.parametrize("shape", [(1, 1, 1), (2, 3, 3), (4, 6, 5), (6, 6, 6)])
def test_small_layers_are_drawn_in_full(shape):
    """A layer of at most six neurons shows every one of them, and no ellipsis."""
    net = network_figure(*shape)
    for layer, count in zip(net["layers"], shape, strict=True):
        assert len(layer["nodes"]) == len(drawn(layer)) == count
        assert not layer["elided"]
    assert not net["elided"]


def test_homework_shape_labels_and_names():
    """d=2, n=3, q=3: x_1, x_2; h_k | a_k; z_i | ŷ_i, named x1.., h1.., z1.."""
    net = network_figure(2, 3, 3)
    inputs, hidden, outputs = net["layers"]
    assert labels(inputs) == ["$x_{1}$", "$x_{2}$"]
    assert labels(hidden)[2] == r"$h_{3}$ \nodepart{two} $a_{3}$"
    assert labels(outputs)[0] == r"$z_{1}$ \nodepart{two} $\hat{y}_{1}$"
    assert [node["name"] for node in hidden["nodes"]] == ["h1", "h2", "h3"]
    assert all(
        isinstance(node["text"], NoEscape) for layer in net["layers"] for node in drawn(layer)
    )


def test_large_layer_is_elided_with_its_true_last_index():
    """d=20: x_1, x_2, x_3, a vertical ellipsis, x_20."""
    net = network_figure(20, 3, 3)
    inputs = net["layers"][0]
    assert labels(inputs) == ["$x_{1}$", "$x_{2}$", "$x_{3}$", r"$\vdots$", "$x_{20}$"]
    assert [node["ellipsis"] for node in inputs["nodes"]] == [False, False, False, True, False]
    assert inputs["elided"] and net["elided"]
    assert not net["layers"][1]["elided"]


@pytest.mark.parametrize("count", [MAX_SHOWN + 1, 30, 1000])
def test_elided_layers_show_five_slots(count):
    """Any layer above the limit shows the first three, the ellipsis and the last."""
    assert shown_indices(count) == [1, 2, 3, None, count]


@pytest.mark.parametrize("shape", [(2, 3, 3), (4, 8, 3), (12, 30, 10), (20, 1, 7)])
def test_edges_join_every_drawn_neuron_of_neighbouring_layers(shape):
    """Edges run only between drawn neurons of consecutive layers, each pair exactly once."""
    net = network_figure(*shape)
    names = [{node["name"] for node in drawn(layer)} for layer in net["layers"]]
    pairs = [(e["src"].removesuffix(".east"), e["dst"].removesuffix(".west")) for e in net["edges"]]
    expected = {(s, t) for s in names[0] for t in names[1]} | {
        (s, t) for s in names[1] for t in names[2]
    }
    assert len(pairs) == len(set(pairs)) == len(expected)
    assert set(pairs) == expected


@pytest.mark.parametrize("shape", [(2, 3, 3), (4, 8, 3), (12, 30, 10)])
def test_layout_is_centred_and_ordered(shape):
    """Slots go top to bottom around y = 0; layers left to right; titles above, weights below."""
    net = network_figure(*shape)
    xs = [layer["x"] for layer in net["layers"]]
    assert xs == sorted(xs) and list(net["x"].values()) == xs
    assert xs[0] < net["mid"]["w1"] < xs[1] < net["mid"]["w2"] < xs[2]
    for layer in net["layers"]:
        ys = [node["y"] for node in layer["nodes"]]
        assert ys == sorted(ys, reverse=True)
        assert ys[0] == pytest.approx(-ys[-1])
        assert net["weights_y"] < ys[-1] and ys[0] < net["title_y"]


def test_slot_ys_are_evenly_spaced():
    assert slot_ys(5, 0.5) == [1.0, 0.5, 0.0, -0.5, -1.0]
    assert slot_ys(1) == [0.0]


def render(d: int, n: int, q: int) -> str:
    """Problem 1 of the solution of a homework network (one ReLU layer, cross-entropy)."""
    tex = render_solution(solve(random_problem(np.random.default_rng(d * n * q), d, n, q)))
    return tex[tex.index(r"\section{Problem 1}") : tex.index(r"\section{Problem 2}")]


def test_layer_titles_name_the_functions_at_hand():
    """One hidden layer: h, a = ReLU(h), ŷ = Softmax(z); several: numbered; MSE: ŷ = z."""
    shallow = layer_titles((2, 3, 3), ("relu",), "cross_entropy")
    assert shallow["layers"][1] == (
        r"hidden layer\\$\vect{h},\ \vect{a} \in \mathbb{R}^{3}$\\$\vect{a} = \ReLU(\vect{h})$"
    )
    assert r"\hat{\vect{y}} = \Softmax(\vect{z})" in shallow["layers"][2]
    assert shallow["weights"][0] == (
        r"$\vect{W}_{1} \in \mathbb{R}^{2 \times 3}$\\$\vect{b}_{1} \in \mathbb{R}^{3}$"
    )
    assert shallow["sizes"] == "$d = 2$, $n = 3$, $q = 3$"
    deep = layer_titles((2, 3, 4, 1), ("tanh", "sigmoid"), "mse")
    assert r"hidden layer 2\\" in deep["layers"][2]
    assert r"$\vect{a}_{2} = \sigma(\vect{h}_{2})$" in deep["layers"][2]
    assert deep["layers"][3].endswith(r"$\hat{\vect{y}} = \vect{z}$")
    assert deep["sizes"] == "$d = 2$, $n_{1} = 3$, $n_{2} = 4$, $q = 1$"


@pytest.mark.parametrize("shape", [(2, 3, 3), (10, 20, 4)])
def test_template_renders_the_derivation(shape):
    """The rendered LaTeX holds the forward pass, the key gradients and the drawing."""
    d, n, q = shape
    tex = render(d, n, q)
    for needle in [
        r"\section{Problem 1}",
        r"\ReLU(\vect{h})",
        r"\yhat_i (\delta_{ij} - \yhat_j)",  # softmax Jacobian
        r"\diag(\hat{\vect{y}}) - \hat{\vect{y}} \hat{\vect{y}}^\top",
        r"(1 - \epsilon) \cdot 1 + q \cdot \frac{\epsilon}{q}",  # Σ yˢ = 1
        r"\pd{\Loss}{\vect{z}} = \hat{\vect{y}} - \vect{y}^{s} \in \mathbb{R}^{q}",
        r"\pd{\Loss}{\vect{W}_{2}} &= \vect{a} \vect{\delta}_{2}^\top",  # ∂Loss/∂W2
        r"\vect{\delta}_{1} &= \bigl(\vect{W}_{2} \vect{\delta}_{2}\bigr) \odot \ReLU'(\vect{h})",
        r"\ReLU'(\vect{h}) = \mathbf{1}[\vect{h} > 0]",  # ReLU mask
        r"\ReLU'(0) = 0",
        r"\in \mathbb{R}^{d \times n}",  # shape of W1
        r"\boxed{",
        rf"$d = {d}$, $n = {n}$, $q = {q}$",
        rf"\mathbb{{R}}^{{{d} \times {n}}}",  # W1's label in the drawing
    ]:
        assert needle in tex, needle
    assert "\\VAR{" not in tex and "\\BLOCK{" not in tex


@pytest.mark.parametrize("shape", [(2, 3, 3), (10, 20, 4)])
def test_template_draws_every_node_and_edge(shape):
    """One \\node per drawn neuron, one \\draw[link] per edge, an ellipsis per elided layer."""
    net = network_figure(*shape)
    tex = render(*shape)
    for layer in net["layers"]:
        for node in drawn(layer):
            assert f"({node['name']}) at ({layer['x']}, {node['y']}) {{{node['text']}}};" in tex
    assert len(re.findall(r"\\draw\[link\]", tex)) == len(net["edges"])
    elided = sum(layer["elided"] for layer in net["layers"])
    assert tex.count(r"{$\vdots$};") == elided
    assert ("vertical ellipsis" in tex) == (elided > 0)


def test_schematic_has_a_node_per_quantity_and_a_gradient_per_edge():
    """x, h1, a1, h2, a2, z, ŷ, Loss; every parameter above the node it feeds."""
    from report.figures import schematic

    scheme = schematic(2, "mse")
    assert [n["name"] for n in scheme["nodes"]] == ["x", "h1", "a1", "h2", "a2", "z", "yh", "L"]
    assert len(scheme["backward"]) == 6 and len(scheme["params"]) == 6
    assert [e["dst"] for e in scheme["param_edges"]] == ["h1", "h1", "h2", "h2", "z", "z"]
    assert scheme["target"] == r"$\vect{y}$"
    assert schematic(0, "cross_entropy")["target"] == r"$\vect{y}^{s}$"
    assert all(n["x"] <= 14.5 for n in schematic(4, "mse")["nodes"])
