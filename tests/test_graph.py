"""The computational-graph family's solver: the textbook circuits, a variable used three
times, every operation, and Hypothesis-drawn expressions, each against PyTorch's autograd
(float64) built from the drawn tree itself, not from the parser's graph; then SymPy's and
central differences' checks, and the refusals of values an operation does not accept."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from solver.graph import GraphProblem, solve_graph
from solver.graph_check import check_graph
from solver.graph_ops import FUNCTIONS, OPERATIONS
from solver.reading import Invalid

RELATIVE = 1e-12


def _solved(definitions: dict, values: dict):
    return solve_graph(GraphProblem(definitions, {k: float(v) for k, v in values.items()}))


def test_the_add_multiply_circuit():
    """(x + y)·z at (−2, 5, −4): q = 3, f = −12; ∂f/∂x = ∂f/∂y = z = −4, ∂f/∂z = q = 3."""
    solution = _solved({"q": "x + y", "f": "q*z"}, {"x": -2, "y": 5, "z": -4})
    assert solution.values[3:] == (3.0, -12.0)
    assert [solution.gradient(n) for n in "xyz"] == [-4.0, -4.0, 3.0]


def test_the_sigmoid_neuron():
    """1/(1 + e^−(w₀x₀ + w₁x₁ + w₂)) at w = (2, −3, −3), x = (−1, −2): f = σ(1) ≈ 0.73 and the
    gradients of the classic figure, (−0.20, −0.39, 0.20) and (0.39, −0.59)."""
    values = {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3}
    solution = _solved({"f": "1/(1 + exp(-(w0*x0 + w1*x1 + w2)))"}, values)
    sigma = 1 / (1 + math.exp(-1))
    assert solution.f == pytest.approx(sigma, rel=RELATIVE)
    local = sigma * (1 - sigma)  # ≈ 0.1966
    expected = {"w0": -local, "x0": 2 * local, "w1": -2 * local, "x1": -3 * local, "w2": local}
    for name, value in expected.items():
        assert solution.gradient(name) == pytest.approx(value, rel=RELATIVE), name
    assert [round(solution.gradient(n), 2) for n in ("w0", "w1", "w2")] == [-0.2, -0.39, 0.2]
    assert [round(solution.gradient(n), 2) for n in ("x0", "x1")] == [0.39, -0.59]
    same = _solved({"f": "sigmoid(w0*x0 + w1*x1 + w2)"}, values)
    assert same.f == pytest.approx(solution.f, rel=RELATIVE)
    assert same.gradient("x1") == pytest.approx(solution.gradient("x1"), rel=RELATIVE)


def test_a_variable_used_three_times_adds_its_three_gradients():
    """f = x·y + x·z + x: x feeds three nodes; ∂f/∂x = y + z + 1, the sum of what each sends."""
    solution = _solved({"f": "x*y + x*z + x"}, {"x": 2, "y": 3, "z": -5})
    assert solution.gradient("x") == 3 - 5 + 1
    x = solution.problem.inputs.index("x")
    arrivals = solution.arrivals[x]
    assert [sent for _, sent in arrivals] == [3.0, -5.0, 1.0]
    assert sum(sent for _, sent in arrivals) == solution.gradient("x")


# -- PyTorch, from the drawn tree --------------------------------------------------------------

_TORCH = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "neg": lambda a: -a,
    "exp": torch.exp,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "max": torch.maximum,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
}
_INFIX = {"add": "+", "sub": "-", "mul": "*", "div": "/"}
NAMES = ("x", "y", "z", "w0")


def _text(tree) -> str:
    """The tree as a config writes it, bracketed throughout."""
    kind = tree[0]
    if kind == "name":
        return tree[1]
    if kind == "const":
        return repr(tree[1])
    if kind == "pow":
        return f"({_text(tree[1])})^{tree[2]}" if tree[2] > 0 else f"({_text(tree[1])})^({tree[2]})"
    if kind == "neg":
        return f"-({_text(tree[1])})"
    if kind in _INFIX:
        return f"({_text(tree[1])} {_INFIX[kind]} {_text(tree[2])})"
    return f"{kind}({', '.join(_text(t) for t in tree[1:])})"


def _torch(tree, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
    kind = tree[0]
    if kind == "name":
        return inputs[tree[1]]
    if kind == "const":
        return torch.tensor(tree[1], dtype=torch.float64)
    if kind == "pow":
        return _torch(tree[1], inputs) ** tree[2]
    return _TORCH[kind](*(_torch(t, inputs) for t in tree[1:]))


def _trees():
    leaves = st.one_of(
        st.tuples(st.just("name"), st.sampled_from(NAMES)),
        st.tuples(st.just("const"), st.integers(1, 4).map(float)),
    )

    def extend(inner):
        return st.one_of(
            st.tuples(st.sampled_from(sorted(_INFIX)), inner, inner),
            st.tuples(st.sampled_from(["neg", "exp", "log", "sqrt", "relu", "sigmoid"]), inner),
            st.tuples(st.just("tanh"), inner),
            st.tuples(st.just("max"), inner, inner),
            st.tuples(st.just("pow"), inner, st.sampled_from([-2, -1, 2, 3])),
        )

    return st.recursive(leaves, extend, max_leaves=8)


def _used(tree) -> set[str]:
    if tree[0] == "name":
        return {tree[1]}
    return set().union(*(_used(t) for t in tree[1:] if isinstance(t, tuple)))


def matches_torch(tree, values: dict[str, float]) -> bool:
    """Assert that the solver's f and gradients are PyTorch's (and SymPy's); False when the
    draw is not an exercise (a single leaf, values an operation refuses, huge numbers)."""
    names = sorted(_used(tree))
    if not names or tree[0] in ("name", "const"):
        return False
    try:
        solution = _solved({"f": _text(tree)}, {n: values[n] for n in names})
    except Invalid:  # a domain, a kink or an overflow: refused, as a config's would be
        return False
    # numbers a hand exercise has: past 1e±50 a local gradient may underflow in float64
    # (solver.graph_check's SymPy check then stops the build; PyTorch underflows alike)
    numbers = [abs(v) for v in (*solution.values, *solution.grads) if v]
    if not all(1e-50 < v < 1e50 for v in numbers):
        return False
    assert check_graph(solution).symbolic < RELATIVE, _text(tree)  # SymPy, 50 digits
    # PyTorch computes tanh′ and σ′ from the output, 1 − y² and y(1 − y), which lose their
    # digits where the unit saturates: there the 50-digit check above is the reference.
    saturated = any(
        node.op in ("tanh", "sigmoid") and local[0] < 0.01
        for node, local in zip(solution.problem.graph.nodes, solution.locals, strict=True)
    )
    if saturated:
        return True
    inputs = {n: torch.tensor(values[n], dtype=torch.float64, requires_grad=True) for n in names}
    f = _torch(tree, inputs)
    f.backward()
    assert solution.f == pytest.approx(f.item(), rel=RELATIVE, abs=1e-300)
    for name in names:
        expected = inputs[name].grad.item()
        # a gradient summed from several uses is rounded relative to the sum of its shares
        index = solution.problem.inputs.index(name)
        shares = sum(abs(sent) for _, sent in solution.arrivals[index])
        scale = max(abs(expected), shares)
        assert abs(solution.gradient(name) - expected) <= RELATIVE * scale, (
            _text(tree),
            name,
            solution.gradient(name),
            expected,
        )
    return True


@pytest.mark.torch
@settings(max_examples=300, deadline=None)
@given(tree=_trees(), values=st.fixed_dictionaries({n: st.integers(-30, 30) for n in NAMES}))
def test_drawn_expressions_match_torch_autograd(tree, values):
    assume(matches_torch(tree, {k: v / 10 for k, v in values.items()}))


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_every_operation_matches_torch_and_the_checks(name):
    """Each operation alone and inside a product, at a point inside its domain: PyTorch's
    autograd, SymPy's derivative in 50 digits and central differences agree."""
    operation = OPERATIONS[name]
    if name == "pow":
        trees = [("pow", ("name", "x"), 3), ("pow", ("name", "x"), -2)]
    elif operation.arity == 2:
        trees = [(name, ("name", "x"), ("name", "y"))]
    else:
        trees = [(name, ("name", "x"))]
    for tree in trees:
        wrapped = ("mul", tree, ("name", "y")) if tree[0] != "max" else tree
        for t in (tree, wrapped):
            assert matches_torch(t, {"x": 0.7, "y": 1.3, "z": 0.0, "w0": 0.0}), name
            solution = _solved({"f": _text(t)}, {n: {"x": 0.7, "y": 1.3}[n] for n in _used(t)})
            checks = check_graph(solution)
            assert checks.passed, (name, checks)
    assert set(FUNCTIONS) | {"add", "sub", "mul", "div", "neg", "pow"} == set(OPERATIONS)


def test_the_checks_see_a_wrong_gradient():
    """A solution with one gradient off by 1e-9 fails SymPy's check (its 1e-12 tolerance)."""
    from dataclasses import replace

    solution = _solved({"q": "x + y", "f": "q*z"}, {"x": -2, "y": 5, "z": -4})
    assert check_graph(solution).passed
    grads = list(solution.grads)
    grads[0] *= 1 + 1e-9
    assert not check_graph(replace(solution, grads=tuple(grads))).passed


@pytest.mark.parametrize("y", [1.8, 2.2, 0.5])
def test_a_saturated_tanh_s_gradient_is_checked_not_refused(y):
    """1 − tanh(u)² at u = exp(exp(y)) cancels: at y = 1.8 (∂f/∂y ≈ 5.8e-365, float64's 0)
    SymPy's default precision returned digits it did not have (3.5e-164) and failed a right
    solution; at 2.2 (≈ 1e-7200) its terms cancel past any working precision we allow. The
    route here, mpmath's sech² (no cancellation), is a third one."""
    import mpmath

    problem = GraphProblem({"f": "tanh(exp(exp(y)))"}, {"y": y})
    solution = solve_graph(problem)
    checks = check_graph(solution)
    assert checks.passed, checks
    with mpmath.workdps(30):
        at = mpmath.mpf(y)
        u = mpmath.exp(mpmath.exp(at))
        expected = float(mpmath.sech(u) ** 2 * mpmath.exp(at) * u)
    assert math.isclose(solution.gradient("y"), expected, rel_tol=1e-12)
    assert (expected == 0.0) == (y > 1)


@pytest.mark.parametrize(
    ("definitions", "values", "message"),
    [
        ({"f": "log(x - y)"}, {"x": 1, "y": 2}, "graph.f: position 1: log needs a positive input"),
        ({"f": "sqrt(x)*y"}, {"x": 0, "y": 2}, "graph.f: position 1: sqrt needs a positive"),
        ({"f": "x/(y - 1)"}, {"x": 1, "y": 1}, "graph.f: position 2: div needs a nonzero divisor"),
        ({"f": "x^(-1)*y"}, {"x": 0, "y": 1}, "graph.f: position 2: pow needs a nonzero base"),
        ({"f": "max(x, y)"}, {"x": 1, "y": 1}, "graph.f: position 1: max sits at its kink"),
        ({"f": "relu(x)*y"}, {"x": 0, "y": 1}, "graph.f: position 1: relu sits at its kink"),
        ({"f": "exp(x)*y"}, {"x": 800, "y": 1}, "graph.f: position 1: exp of 800 overflows"),
        ({"f": "x*y"}, {"x": 1, "y": 1, "z": 2}, "graph.values.z: defined but never used"),
        ({"q": "x + y", "f": "x*y"}, {"x": 1, "y": 1}, "graph.q: defined but never used"),
        ({"f": "x"}, {"x": 1}, "graph.f: expected an operation, got a single name"),
        ({"f": "exp(x)"}, {"exp": 1}, "graph.values.exp: exp is a function's name"),
        ({"x": "y*y", "f": "x*y"}, {"x": 1, "y": 1}, "graph.values.x: x is an input and an"),
        ({"g": "x*y"}, {"x": 1, "y": 1}, "graph: expected f, the output's expression"),
    ],
)
def test_values_an_operation_does_not_accept_are_refused(definitions, values, message):
    with pytest.raises(Invalid) as caught:
        _solved(definitions, values)
    assert caught.value.line("").startswith(message), caught.value.line("")
