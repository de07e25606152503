r"""A computational graph in TeX: the names of its nodes, each operation's formula from its
inputs (names or numbers), the whole of f as the instructor wrote it, and where each node is
drawn.

Every formula comes from the registry (solver.graph_ops: ``formula``, ``binding``,
``operand_binding``); nothing here branches on an operation's name. An input named ``w0``
is set as :math:`w_{0}`; an operation the config does not name gets :math:`u_{k}` (another
letter when an input already reads so), numbered in the forward order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from solver.expression import Graph, Node
from solver.graph_ops import OPERATIONS

ATOM = 5  # a name, a positive number, a call: never bracketed
NEGATIVE = 2  # a negative number binds as a negation
_NAME = re.compile(r"([A-Za-z]+?)(\d*)")
# Letters for the unnamed operations, the first no input or intermediate already reads as
_SPARE_LETTERS = ("u", "v", "t", "s", "g", "h", "r")


def name_tex(name: str) -> str:
    r"""``x`` → ``x``, ``w0`` → ``w_{0}``, ``out`` → ``\mathit{out}``, ``lr2`` →
    ``\mathit{lr}_{2}``, ``a1b`` → ``\mathit{a1b}``."""
    match = _NAME.fullmatch(name)
    letters, digits = (match.group(1), match.group(2)) if match else (name, "")
    base = letters if len(letters) == 1 else rf"\mathit{{{letters}}}"
    return f"{base}_{{{digits}}}" if digits else base


def _letters(name: str) -> str:
    match = _NAME.fullmatch(name)
    return match.group(1) if match else name


def node_labels(graph: Graph) -> list[str]:
    """Each node's name in TeX: an input's or an intermediate's own, ``f`` for the output,
    a spare letter with the operation's number for the rest, a constant's value."""
    taken = {_letters(node.name) for node in graph.nodes if node.name}
    spare = next((letter for letter in _SPARE_LETTERS if letter not in taken), "u")
    labels, count = [], 0
    for node in graph.nodes:
        if node.name:
            labels.append(name_tex(node.name))
        elif node.op == "const":
            labels.append(number_tex(node.constant))
        else:
            count += 1
            labels.append(f"{spare}_{{{count}}}")
    return labels


def number_tex(value: float, places: int = 4) -> str:
    """A number as short as it is exact, at most ``places`` decimals (siunitx sets it)."""
    from report.format import num

    return str(num(float(value), places))


def fill(node: Node, operands: Sequence[tuple[str, int]]) -> tuple[str, int]:
    """The node's formula from its operands' (TeX, binding): each bracketed where the
    operation asks for a tighter one; with the formula's own binding."""
    op = OPERATIONS[node.op]
    text = op.formula.replace("@n", str(node.exponent))
    for index, (tex, binding) in enumerate(operands):
        if binding < op.operand_binding[index]:
            tex = rf"\left({tex}\right)" if "frac" in tex else f"({tex})"
        text = text.replace(f"@{index}", tex)
    return text, op.binding


def operand(label: str) -> tuple[str, int]:
    return label, ATOM


def number_operand(value: float, places: int = 4) -> tuple[str, int]:
    """A number as an operand: a negative one is bracketed where a negation would be."""
    return number_tex(value, places), NEGATIVE if value < 0 else ATOM


def expression_tex(graph: Graph, index: int, labels: Sequence[str], *, top: bool = True) -> str:
    """The node ``index`` as the config wrote it: its operations spelled out down to the
    inputs, constants and the intermediates the config names (by their names)."""
    return _expression(graph, index, labels, top)[0]


def _expression(graph: Graph, index: int, labels, top: bool) -> tuple[str, int]:
    node = graph.nodes[index]
    if node.op in ("input", "const") or (node.name and not top):
        return operand(labels[index])
    parts = [_expression(graph, i, labels, False) for i in node.inputs]
    return fill(node, parts)


def locals_tex(node: Node, labels: Sequence[str], own: str) -> tuple[str, ...]:
    """Each local gradient ∂node/∂input as a formula of the inputs' and the node's
    (``own``) names, from the registry's ``locals_tex``; a power's written out (2x, not 2x¹)."""
    op = OPERATIONS[node.op]
    out = []
    for template in op.locals_tex:
        text = template
        if node.exponent is not None:
            n, m = node.exponent, node.exponent - 1
            if m == 0:  # x¹'s slope: 1
                out.append("1")
                continue
            text = text.replace("@n ", {1: "", -1: "-"}.get(n, f"{n} "))
            text = text.replace("^{@m}", "" if m == 1 else f"^{{{m}}}")
        for position, source in enumerate(node.inputs):
            text = text.replace(f"@{position}", labels[source])
        out.append(text.replace("@o", own))
    return tuple(out)


# --- the drawing -----------------------------------------------------------------------


CONSTANT_RISE = 0.75  # rows a constant sits above the node it feeds
CLEARANCE = 0.6  # rows a straight wire keeps from the nodes it passes
LANE_RISE = 0.9  # rows above the highest node passed that a long wire is routed along


@dataclass(frozen=True)
class Placed:
    """A node's place in the drawing, in columns (left to right) and rows (top down)."""

    column: int
    row: float


def layout(graph: Graph) -> list[Placed]:
    """Left to right by depth (inputs in column 0, each operation one column right of its
    deepest input, a constant just up and left of the node it feeds); top down in the
    order a walk back from f meets the inputs, each operation level with the mean of its
    inputs', and nodes of one column kept a row apart."""
    nodes = graph.nodes
    constant = [node.op == "const" for node in nodes]
    column = [0] * len(nodes)
    for index, node in enumerate(nodes):
        if node.inputs:
            column[index] = 1 + max((column[i] for i in node.inputs if not constant[i]), default=0)
    row: dict[int, float] = {}
    leaves = 0

    def place(index: int) -> float:
        nonlocal leaves
        if index not in row:
            inputs = [i for i in nodes[index].inputs if not constant[i]]
            if inputs:
                row[index] = sum(place(i) for i in inputs) / len(inputs)
            elif not nodes[index].inputs:
                row[index] = float(leaves)
                leaves += 1
            else:  # an operation of constants alone
                row[index] = float(leaves)
        return row[index]

    for index in range(len(nodes) - 1, -1, -1):
        if not constant[index]:
            place(index)
    # Once more with the inputs reordered by the mean row of the nodes they feed (a used
    # twice between its two uses): fewer wires cross.
    consumers: dict[int, list[int]] = {}
    for index, node in enumerate(nodes):
        for source in node.inputs:
            consumers.setdefault(source, []).append(index)
    inputs = [i for i, node in enumerate(nodes) if not node.inputs and not constant[i]]
    order = sorted(
        inputs, key=lambda i: (sum(row[c] for c in consumers[i]) / len(consumers[i]), row[i])
    )
    row = {i: float(rank) for rank, i in enumerate(order)}
    for index in range(len(nodes) - 1, -1, -1):
        if not constant[index]:
            place(index)
    for index in range(len(nodes)):
        if nodes[index].inputs:  # each constant it takes, above and left of it
            for source in nodes[index].inputs:
                if constant[source]:
                    column[source] = column[index] - 1
                    row[source] = row[index] - CONSTANT_RISE
    for col in set(column):
        members = sorted((row[i], i) for i in range(len(nodes)) if column[i] == col)
        floor = -1e9
        for value, index in members:
            row[index] = max(value, floor + 1.0)
            floor = row[index]
    return [Placed(column[i], row[i]) for i in range(len(nodes))]


def lane(places: Sequence[Placed], source: int, target: int) -> float | None:
    """The row a wire from ``source`` to ``target`` runs along above the nodes it would pass
    through, when a straight line would come within CLEARANCE rows of one; else None."""
    start, end = places[source], places[target]
    span = end.column - start.column
    if span <= 1:
        return None
    between = [p for p in places if start.column < p.column < end.column]
    for p in between:
        at = start.row + (end.row - start.row) * (p.column - start.column) / span
        if abs(p.row - at) < CLEARANCE:
            return min(min(q.row for q in between), start.row, end.row) - LANE_RISE
    return None
