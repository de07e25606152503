"""What Problem 1's TikZ drawing of the network needs, computed from the shape (d, n, q).

The template only loops: every coordinate, node name, label and edge is decided here.
Coordinates are in centimetres (TikZ's default unit), rounded so they print cleanly.
A layer with more than ``MAX_SHOWN`` neurons is drawn elided: its first ``HEAD`` neurons,
a vertical ellipsis, and its last neuron, each labelled with its true index.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from pylatex.utils import NoEscape

from report.notation import equation_numbers, hidden_vector
from solver.activations import ACTIVATIONS
from solver.losses import LOSSES

MAX_SHOWN = 6  # a layer with at most this many neurons is drawn in full
HEAD = 3  # neurons drawn before the ellipsis of an elided layer
NODE_SPACING = 1.0  # vertical distance between neighbouring slots
LAYER_SPACING = 4.6  # horizontal distance between neighbouring layers, at most
MAX_WIDTH = 14.0  # the whole drawing's width from the first layer to the last, at most
TITLE_GAP = 0.5  # from the highest slot up to the layer titles' lowest line
WEIGHTS_GAP = 1.0  # from the lowest slot down to the weight labels
PART_EM = (0.75, 0.4, 0.6)  # half a split neuron: base, per index digit, a layer superscript (em)

# One entry per layer: (TikZ name prefix, TikZ style, the node text for neuron number i).
_LAYERS: tuple[tuple[str, str, str], ...] = (
    ("x", "inputnode", r"$x_{{{i}}}$"),
    ("h", "hiddennode", r"$h_{{{i}}}$ \nodepart{{two}} $a_{{{i}}}$"),
    ("z", "outputnode", r"$z_{{{i}}}$ \nodepart{{two}} $\hat{{y}}_{{{i}}}$"),
)


def shown_indices(count: int) -> list[int | None]:
    """The 1-based neuron indices drawn for a layer of ``count`` neurons; ``None`` is the ellipsis.

    >>> shown_indices(3)
    [1, 2, 3]
    >>> shown_indices(20)
    [1, 2, 3, None, 20]
    """
    if count <= MAX_SHOWN:
        return list(range(1, count + 1))
    return [*range(1, HEAD + 1), None, count]


def slot_ys(slots: int, spacing: float = NODE_SPACING) -> list[float]:
    """y coordinates of ``slots`` evenly spaced slots, top to bottom, centred on y = 0.

    >>> slot_ys(3)
    [1.0, 0.0, -1.0]
    >>> slot_ys(2, 1.5)
    [0.75, -0.75]
    """
    return [round((slots - 1) / 2 * spacing - s * spacing, 4) for s in range(slots)]


def part_width(*counts: int, numbered: bool = False) -> NoEscape:
    """Width of each half of a split neuron (``h_k | a_k``), wide enough for every index;
    ``numbered`` layers (``h^{(l)}_k``) take a superscript more.

    >>> print(part_width(3, 3))
    1.15em
    >>> print(part_width(30, 10))
    1.55em
    >>> print(part_width(3, 3, numbered=True))
    1.75em
    """
    digits = max(len(str(count)) for count in counts)
    extra = PART_EM[2] if numbered else 0.0
    return NoEscape(f"{PART_EM[0] + PART_EM[1] * digits + extra:.2f}em")


def _layer(prefix: str, style: str, text: str, count: int, x: float) -> dict[str, Any]:
    """One layer: its x, its TikZ style and its slots (neurons and at most one ellipsis)."""
    indices = shown_indices(count)
    nodes = [
        {"ellipsis": True, "name": "", "y": y, "text": NoEscape(r"$\vdots$")}
        if i is None
        else {"ellipsis": False, "name": f"{prefix}{i}", "y": y, "text": NoEscape(text.format(i=i))}
        for i, y in zip(indices, slot_ys(len(indices)), strict=True)
    ]
    return {"x": x, "style": style, "elided": count > MAX_SHOWN, "nodes": nodes}


def _edges(source: dict[str, Any], target: dict[str, Any]) -> list[dict[str, str]]:
    """Every drawn neuron of ``source`` to every drawn neuron of ``target``.

    Edges leave a neuron at its east side and enter at its west side, where ``h``/``z`` are.
    """
    return [
        {"src": f"{s['name']}.east", "dst": f"{t['name']}.west"}
        for s in source["nodes"]
        if not s["ellipsis"]
        for t in target["nodes"]
        if not t["ellipsis"]
    ]


# A neuron of hidden layer LAYER (of several), as a format string for its index i.
_HIDDEN_TEXT = r"$h^{{(LAYER)}}_{{{i}}}$ \nodepart{{two}} $a^{{(LAYER)}}_{{{i}}}$"


def _kinds(layers: int) -> list[tuple[str, str, str]]:
    """(TikZ name prefix, style, node text) of each layer: input, hidden 1 … L, output.

    One hidden layer keeps the homework's names, h_k and a_k; several are numbered,
    h^{(l)}_k and a^{(l)}_k.
    """
    if layers == 1:
        return [*_LAYERS[:1], *_LAYERS[1:2], *_LAYERS[2:]]
    hidden = [
        (f"h{k}n", "hiddennode", _HIDDEN_TEXT.replace("LAYER", str(k)))
        for k in range(1, layers + 1)
    ]
    return [_LAYERS[0], *hidden, _LAYERS[2]]


def network_figure(*widths: int) -> dict[str, Any]:
    """The drawing of the network whose layers have ``widths`` (d, n1, …, nL, q): Figure 1.

    Keys: ``layers`` (input, hidden, output; each with ``x``, ``style``, ``elided`` and
    ``nodes``, a list of ``{ellipsis, name, y, text}``), ``edges`` (``{src, dst}`` TikZ
    anchors), ``x`` (the input, first hidden and output layers' x by name), ``mid`` (x
    halfway between input and hidden, ``w1``, and between hidden and output, ``w2``, for one
    hidden layer), ``mids`` (x halfway between each pair of neighbouring layers),
    ``title_y`` (y of the layer titles), ``weights_y`` (y of the weight labels),
    ``part_width`` (a TeX length: the width of each half of a hidden or output neuron),
    ``elided`` (is any layer elided), and ``max_shown`` and ``head`` (the elision rule,
    for the caption).
    """
    # More layers, closer together: the drawing stays within the text width.
    spacing = min(LAYER_SPACING, round(MAX_WIDTH / (len(widths) - 1), 4))
    xs = [round(i * spacing, 4) for i in range(len(widths))]
    layers = [
        _layer(prefix, style, text, count, x)
        for (prefix, style, text), count, x in zip(_kinds(len(widths) - 2), widths, xs, strict=True)
    ]
    top = max(slot_ys(len(shown_indices(c)))[0] for c in widths)
    edges = [e for left, right in itertools.pairwise(layers) for e in _edges(left, right)]
    mids = [round((left + right) / 2, 4) for left, right in itertools.pairwise(xs)]
    return {
        "layers": layers,
        "edges": edges,
        "x": {"input": xs[0], "hidden": xs[1] if len(xs) > 2 else xs[0], "output": xs[-1]},
        "mid": {"w1": mids[0], "w2": mids[-1]},
        "mids": mids,
        "title_y": round(top + TITLE_GAP, 4),
        "weights_y": round(-top - WEIGHTS_GAP, 4),
        "part_width": part_width(*widths[1:], numbered=len(widths) != 3),
        "elided": any(layer["elided"] for layer in layers),
        "max_shown": MAX_SHOWN,
        "head": HEAD,
    }


def layer_titles(widths: tuple[int, ...], activations: tuple[str, ...], loss: str) -> dict:
    """Figure 1's words over each layer (what its neurons hold, with the activation or output
    function at hand), under each pair of layers (the weights and bias between them), and
    the widths for the caption (``sizes``).
    One hidden layer is named as the homework names it, h and a; several are numbered."""
    hidden = len(widths) - 2

    TIMES = r"\times"  # noqa: N806 (a backslash may not stand in an f-string's braces)
    space = r"\in \mathbb{{R}}^{{{}}}".format
    titles = [rf"input layer\\$\vect{{x}} {space(widths[0])}$"]
    for l, name in enumerate(activations, 1):
        h, a = hidden_vector("h", l, hidden), hidden_vector("a", l, hidden)
        word = "hidden layer" if hidden == 1 else f"hidden layer {l}"
        f = ACTIVATIONS[name].symbol
        titles.append(rf"{word}\\${h},\ {a} {space(widths[l])}$\\${a} = {f}({h})$")
    head = LOSSES[loss].head.strip("$")
    output = r"\vect{z}" if head == r"\mathrm{id}" else rf"{head}(\vect{{z}})"
    y_hat = r"\hat{\vect{y}}"
    out = widths[-1]
    titles.append(rf"output layer\\$\vect{{z}},\ {y_hat} {space(out)}$\\${y_hat} = {output}$")
    weights = [
        rf"$\vect{{W}}_{{{l}}} {space(f'{rows} {TIMES} {cols}')}$"
        + rf"\\$\vect{{b}}_{{{l}}} {space(cols)}$"
        for l, (rows, cols) in enumerate(itertools.pairwise(widths), 1)
    ]
    names = ["d", *(["n"] if hidden == 1 else [f"n_{{{l}}}" for l in range(1, hidden + 1)]), "q"]
    sizes = ", ".join(f"${name} = {width}$" for name, width in zip(names, widths, strict=True))
    return {
        "layers": [NoEscape(t) for t in titles],
        "weights": [NoEscape(w) for w in weights],
        "sizes": NoEscape(sizes),
    }


# The back-propagation schematic for any network: one node per quantity of the forward pass.
SCHEMATIC_WIDTH = 14.5  # cm from the input to the loss, at most
SCHEMATIC_STEP = 2.7  # cm between neighbouring nodes, at most


def schematic(hidden_layers: int, loss: str) -> dict[str, Any]:
    """Figure 2's computational graph, x → h_1 → a_1 → … → z → ŷ → Loss, with the parameters
    above the nodes they feed, and for the backward pass the gradient each arrow carries.

    Keys: ``nodes`` and ``params`` (``{name, label, x}``), ``forward`` and ``backward``
    (``{src, dst, label}``), ``param_edges`` and ``param_grads`` (``{src, dst}`` and
    ``{src, dst, label}``). Coordinates in cm; labels are LaTeX.
    """
    eq = equation_numbers(hidden_layers)
    chain = [("x", r"$\vect{x}$")]
    ops = []
    for l in range(1, hidden_layers + 1):
        h, a = (hidden_vector(letter, l, hidden_layers) for letter in "ha")
        chain += [(f"h{l}", f"${h}$"), (f"a{l}", f"${a}$")]
        ops += [f"({eq['h']})", rf"$f_{{{l}}}$"]
    chain += [("z", r"$\vect{z}$"), ("yh", r"$\hat{\vect{y}}$"), ("L", r"$\Loss$")]
    ops += [f"({eq['z']})", LOSSES[loss].head, f"({eq['loss']})"]
    step = min(SCHEMATIC_STEP, math.floor(SCHEMATIC_WIDTH / (len(chain) - 1) * 1e4) / 1e4)
    if step < 2.0:  # no room for equation numbers between close nodes: the names suffice
        ops = ["" if op.startswith("(") else op for op in ops]
    nodes = [
        {"name": name, "label": NoEscape(label), "x": round(i * step, 4)}
        for i, (name, label) in enumerate(chain)
    ]
    forward = [
        {"src": a["name"], "dst": b["name"], "label": NoEscape(op)}
        for (a, b), op in zip(itertools.pairwise(nodes), ops, strict=True)
    ]
    backward = [
        {
            "src": b["name"],
            "dst": a["name"],
            "label": NoEscape(rf"\pd{{\Loss}}{{{a['label'][1:-1]}}}"),
        }
        for a, b in itertools.pairwise(nodes[1:])
    ]
    targets = [n for n in nodes if n["name"][0] == "h"] + [n for n in nodes if n["name"] == "z"]
    params, param_edges, param_grads = [], [], []
    for l, node in enumerate(targets, 1):
        for name, offset, side in ((f"W{l}", -0.38, "left"), (f"b{l}", 0.38, "right")):
            label = rf"$\vect{{{name[0]}}}_{{{l}}}$"
            params.append(
                {
                    "name": name,
                    "label": NoEscape(label),
                    "x": round(node["x"] + offset * step / 1.35, 4),
                }
            )
            param_edges.append({"src": name, "dst": node["name"]})
            param_grads.append(
                {
                    "src": node["name"],
                    "dst": name,
                    "side": side,
                    "label": NoEscape(rf"\pd{{\Loss}}{{{label[1:-1]}}}"),
                }
            )
    return {
        "nodes": nodes,
        "params": params,
        "forward": forward,
        "backward": backward,
        "param_edges": param_edges,
        "param_grads": param_grads,
        "target": NoEscape(r"$\vect{y}^{s}$" if LOSSES[loss].smoothing else r"$\vect{y}$"),
        "loss_x": nodes[-1]["x"],
        "small": step < 2.0,
    }
