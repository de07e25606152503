"""The graph family's checks, each by another route than solver.graph's float64 passes:
SymPy differentiates f built from the parsed graph (never from the config's text) and
evaluates each derivative at the inputs in 50 digits, the given values read as the decimals
they are written in; central differences perturb each input in float64.
"""

from __future__ import annotations

from dataclasses import dataclass

from solver.expression import Graph
from solver.graph import GraphSolution, forward_values
from solver.graph_ops import OPERATIONS

DIGITS = 50
SYMBOLIC_TOLERANCE = 1e-12  # relative, float64 against 50 digits
DIFFERENCE_TOLERANCE = 1e-6  # relative, with the floor below
DIFFERENCE_FLOOR = 1e-3  # |a − n| / max(|a|, |n|, floor): tiny gradients are not noise
STEP = 1e-6
# The working precision, in bits, SymPy may raise to where terms cancel (1 - tanh(424)²
# ≈ 1e-368 needs about 1250): its default (100) returned a number with no right digit.
# Terms that still cancel at this precision leave less than 2⁻⁴⁰⁰⁰ ≈ 1e-1204 of their size:
# 0 in float64 for terms of any size float64 holds (the passes overflow on larger ones).
MAX_BITS = 4000


@dataclass(frozen=True)
class GraphChecks:
    """The largest relative disagreement of each check, over f and every input's gradient
    (a gradient summed from several uses against the sum of its shares' sizes, the scale its
    rounding has)."""

    symbolic: float
    differences: float
    derivatives: dict[str, object]  # per input, ∂f/∂input as SymPy built it
    function: object = None  # f as SymPy built it
    at: dict = None  # each input's symbol → its value, exactly

    @property
    def passed(self) -> bool:
        return self.symbolic < SYMBOLIC_TOLERANCE and self.differences < DIFFERENCE_TOLERANCE


def symbolic_f(graph: Graph) -> tuple:
    """f as a SymPy expression, node by node from the graph, and the symbol of each input
    (by name: SymPy may simplify an input away, as in x − x)."""
    import sympy

    built, symbols = [], {}
    for node in graph.nodes:
        if node.op == "input":
            symbols[node.name] = sympy.Symbol(node.name, real=True)
            built.append(symbols[node.name])
        elif node.op == "const":
            built.append(sympy.Rational(repr(node.constant)))
        else:
            args = [built[i] for i in node.inputs]
            built.append(OPERATIONS[node.op].symbolic(*args, node.exponent))
    return built[-1], symbols


def _precise(expression) -> float:
    """``expression``, which holds no symbol, to DIGITS digits, as the nearest float64 (0.0
    where its terms cancel past MAX_BITS: strict, SymPy says so rather than return digits
    it could not get)."""
    from sympy.core.evalf import PrecisionExhausted

    try:
        return float(expression.evalf(DIGITS, maxn=MAX_BITS, strict=True))
    except PrecisionExhausted:
        return 0.0


def _relative(a: float, b: float, floor: float = 0.0) -> float:
    return abs(a - b) / max(abs(a), abs(b), floor, 1e-300)


def check_graph(solution: GraphSolution) -> GraphChecks:
    """SymPy's derivatives and central differences against the float64 back-propagation."""
    import sympy

    problem = solution.problem
    f, symbols = symbolic_f(problem.graph)
    # each input's float64 value exactly (a binary fraction), put in exactly: float64's own
    # rounding of the inputs is then not counted against the passes
    at = {symbols[name]: sympy.Rational(float(v)) for name, v in problem.values.items()}
    # the rounding of a value or a gradient is relative to the largest number that makes it
    value_scale = max(abs(v) for v in solution.values)
    worst = _relative(_precise(f.xreplace(at)), solution.f, 1e-3 * value_scale)
    derivatives, differences = {}, 0.0
    for name, value in problem.values.items():
        derivative = sympy.diff(f, symbols[name])
        derivatives[name] = derivative
        precise = _precise(derivative.xreplace(at))
        # a gradient summed from several uses is rounded relative to the sum of its shares
        index = problem.inputs.index(name)
        shares = sum(abs(sent) for _, sent in solution.arrivals[index])
        worst = max(worst, _relative(precise, solution.gradient(name), shares))
        step = STEP * max(1.0, abs(value))
        up = dict(problem.values, **{name: value + step})
        down = dict(problem.values, **{name: value - step})
        graph = problem.graph
        quotient = (forward_values(graph, up)[-1] - forward_values(graph, down)[-1]) / (2 * step)
        differences = max(
            differences, _relative(quotient, solution.gradient(name), DIFFERENCE_FLOOR)
        )
    return GraphChecks(
        symbolic=worst, differences=differences, derivatives=derivatives, function=f, at=at
    )
