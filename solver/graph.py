"""The computational-graph family: a scalar function f of named inputs, built of the
operations of solver.graph_ops, and its back-propagation as a student writes it on the graph:
each node's value (the forward pass), then from f backwards each node's upstream gradient
∂f/∂node, the local gradients of its operation, and the downstream gradients it passes to
its inputs; where a node feeds several others, the gradients arriving from each add up.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from solver.expression import Graph, Node, parse_graph
from solver.graph_ops import OPERATIONS
from solver.reading import Invalid


@dataclass(frozen=True)
class GraphProblem:
    """The exercise: [graph]'s expressions (the output ``f`` last) and each input's value."""

    definitions: Mapping[str, str]  # {"q": "x + y", "f": "q*z"}
    values: Mapping[str, float]  # {"x": -2.0, "y": 5.0, "z": -4.0}
    graph: Graph = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "graph", parse_graph(self.definitions, tuple(self.values)))

    @property
    def inputs(self) -> tuple[str, ...]:
        return tuple(self.values)


@dataclass(frozen=True)
class GraphSolution:
    """Every node's value and gradient ∂f/∂node, in the graph's order; per operation node its
    local gradients ∂node/∂input; per node fed to several others, the share from each."""

    problem: GraphProblem
    values: tuple[float, ...]
    grads: tuple[float, ...]
    locals: tuple[tuple[float, ...], ...]  # () for an input or a constant
    # per node, (the node it feeds, the gradient it sends back), one per use, in order
    arrivals: tuple[tuple[tuple[int, float], ...], ...]

    @property
    def f(self) -> float:
        return self.values[-1]

    def gradient(self, name: str) -> float:
        """∂f/∂ an input, by name."""
        return self.grads[self.problem.inputs.index(name)]


def _problem_at(node: Node, what: str) -> Invalid:
    at = "" if node.position is None else f"position {node.position}: "
    return Invalid(f"{at}{node.op} {what}", node.field)


def forward_values(graph: Graph, values: Mapping[str, float]) -> tuple[float, ...]:
    """Each node's value, inputs first; raises Invalid naming the node where an operation
    leaves its domain, sits at its kink or overflows."""
    out: list[float] = []
    for node in graph.nodes:
        if node.op == "input":
            out.append(float(values[node.name]))
            continue
        if node.op == "const":
            out.append(float(node.constant))
            continue
        op = OPERATIONS[node.op]
        args = [out[i] for i in node.inputs]
        shown = ", ".join(f"{a:.6g}" for a in args)
        if (need := op.domain(*args, node.exponent)) is not None:
            raise _problem_at(node, f"needs {need}, got {shown}")
        if (kink := op.kink(*args, node.exponent)) is not None:
            raise _problem_at(node, f"sits at its kink: {kink}, where its gradient is undefined")
        try:
            value = op.value(*args, node.exponent)
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            raise _problem_at(node, f"of {shown} overflows float64")
        out.append(value)
    return tuple(out)


def solve_graph(problem: GraphProblem) -> GraphSolution:
    """The forward pass, then the backward pass from ∂f/∂f = 1: each node's upstream gradient
    times its local gradients, sent to its inputs and summed where a node has several uses."""
    graph = problem.graph
    values = forward_values(graph, problem.values)
    locals_: list[tuple[float, ...]] = []
    for node, value in zip(graph.nodes, values, strict=True):
        if node.op in ("input", "const"):
            locals_.append(())
        else:
            args = [values[i] for i in node.inputs]
            locals_.append(tuple(OPERATIONS[node.op].local(*args, value, node.exponent)))
    grads = [0.0] * len(graph.nodes)
    grads[graph.output] = 1.0
    arrivals: list[list[tuple[int, float]]] = [[] for _ in graph.nodes]
    for index in range(graph.output, -1, -1):
        node = graph.nodes[index]
        for source, local in zip(node.inputs, locals_[index], strict=True):
            sent = grads[index] * local
            arrivals[source].append((index, sent))
            grads[source] += sent
    for index, value in enumerate(grads):
        if not math.isfinite(value):
            raise _problem_at(graph.nodes[index], "has a gradient that overflows float64")
    return GraphSolution(
        problem=problem,
        values=values,
        grads=tuple(grads),
        locals=tuple(locals_),
        arrivals=tuple(tuple(reversed(a)) for a in arrivals),
    )
