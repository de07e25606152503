"""What Problem 1's TikZ drawing of the network needs, computed from the shape (d, n, q).

The template only loops: every coordinate, node name, label and edge is decided here.
Coordinates are in centimetres (TikZ's default unit), rounded so they print cleanly.
A layer with more than ``MAX_SHOWN`` neurons is drawn elided: its first ``HEAD`` neurons,
a vertical ellipsis, and its last neuron, each labelled with its true index.
"""

from __future__ import annotations

from typing import Any

from pylatex.utils import NoEscape

MAX_SHOWN = 6  # a layer with at most this many neurons is drawn in full
HEAD = 3  # neurons drawn before the ellipsis of an elided layer
NODE_SPACING = 1.0  # vertical distance between neighbouring slots
LAYER_SPACING = 4.6  # horizontal distance between neighbouring layers
TITLE_GAP = 0.95  # from the highest slot up to the layer titles
WEIGHTS_GAP = 1.0  # from the lowest slot down to the weight labels
PART_EM = (0.75, 0.4)  # width of one half of a split neuron: base + per index digit, in em

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


def part_width(*counts: int) -> NoEscape:
    """Width of each half of a split neuron (``h_k | a_k``), wide enough for every index.

    >>> print(part_width(3, 3))
    1.15em
    >>> print(part_width(30, 10))
    1.55em
    """
    digits = max(len(str(count)) for count in counts)
    return NoEscape(f"{PART_EM[0] + PART_EM[1] * digits:.2f}em")


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


def network_figure(d: int, n: int, q: int) -> dict[str, Any]:
    """The drawing of the d–n–q network (Figure 1).

    Keys: ``layers`` (input, hidden, output; each with ``x``, ``style``, ``elided`` and
    ``nodes``, a list of ``{ellipsis, name, y, text}``), ``edges`` (``{src, dst}`` TikZ
    anchors), ``x`` (the three layers' x by name), ``mid`` (x halfway between input and
    hidden, ``w1``, and between hidden and output, ``w2``), ``title_y`` (y of the layer
    titles), ``weights_y`` (y of the weight labels), ``part_width`` (a TeX length: the
    width of each half of a hidden or output neuron), ``elided`` (is any layer elided), and
    ``max_shown`` and ``head`` (the elision rule, for the caption).
    """
    counts = (d, n, q)
    xs = [round(i * LAYER_SPACING, 4) for i in range(len(counts))]
    layers = [
        _layer(prefix, style, text, count, x)
        for (prefix, style, text), count, x in zip(_LAYERS, counts, xs, strict=True)
    ]
    top = max(slot_ys(len(shown_indices(c)))[0] for c in counts)
    return {
        "layers": layers,
        "edges": _edges(layers[0], layers[1]) + _edges(layers[1], layers[2]),
        "x": dict(zip(("input", "hidden", "output"), xs, strict=True)),
        "mid": {"w1": round((xs[0] + xs[1]) / 2, 4), "w2": round((xs[1] + xs[2]) / 2, 4)},
        "title_y": round(top + TITLE_GAP, 4),
        "weights_y": round(-top - WEIGHTS_GAP, 4),
        "part_width": part_width(n, q),
        "elided": any(layer["elided"] for layer in layers),
        "max_shown": MAX_SHOWN,
        "head": HEAD,
    }


def figure_context(d: int, n: int, q: int) -> dict[str, Any]:
    """Everything Problem 1's template reads as ``fig``: ``{"net": network_figure(d, n, q)}``."""
    for name, value in (("d", d), ("n", n), ("q", q)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return {"net": network_figure(d, n, q)}
