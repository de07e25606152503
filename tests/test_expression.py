"""solver.expression: the grammar it accepts (precedence, associativity, functions,
intermediate names) and everything else refused in one line naming the position, within a
second, with nothing evaluated: tests/data/hostile_expressions.txt holds expressions that
would run code under an eval-based parser."""

from __future__ import annotations

import builtins
import contextlib
import time
from pathlib import Path

import pytest

from solver.expression import MAX_CHARACTERS, MAX_DEPTH, MAX_NODES, parse_graph
from solver.graph import GraphProblem, solve_graph
from solver.reading import Invalid

HOSTILE = Path(__file__).parent / "data" / "hostile_expressions.txt"
INPUTS = ("x", "y", "z")


def _f(text: str, **values: float) -> float:
    values = values or {"x": 2.0, "y": 3.0, "z": 5.0}
    used = {k: v for k, v in values.items() if k in text}
    return solve_graph(GraphProblem({"f": text}, used)).f


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x - y - z", 2 - 3 - 5),  # left to right
        ("x / y / z", 2 / 3 / 5),
        ("x + y * z", 2 + 3 * 5),
        ("-x^2 + y", -(2**2) + 3),  # −x² is −(x²)
        ("x**3 * y", 2**3 * 3),
        ("(x + y)^(-2) * z", (2 + 3) ** -2 * 5),
        ("x^-1 * y", 3 / 2),
        ("max(x, y) * z", 15),
        ("2.5e-1 * x + .5 * y", 0.25 * 2 + 0.5 * 3),
        ("  x*y  ", 6),
    ],
)
def test_the_grammar_reads_as_mathematics(text, expected):
    assert _f(text) == pytest.approx(expected, rel=1e-15)


def test_intermediate_names_are_nodes_of_the_graph():
    graph = parse_graph({"q": "x + y", "p": "q * q", "f": "p - z"}, INPUTS)
    named = {node.name: node.op for node in graph.nodes if node.name}
    assert named == {"x": "input", "y": "input", "z": "input", "q": "add", "p": "mul", "f": "sub"}
    q = next(i for i, node in enumerate(graph.nodes) if node.name == "q")
    assert sum(node.inputs.count(q) for node in graph.nodes) == 2  # q used twice: one node


def _hostile() -> list[str]:
    lines = HOSTILE.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


@contextlib.contextmanager
def _no_evaluation():
    """Every way of running text as code fails loudly inside, SymPy's parsers included
    (restored before pytest reports: its assertion rewriting compiles)."""
    import sympy
    import sympy.parsing.sympy_parser as sympy_parser

    def refuse(*args, **kwargs):
        raise AssertionError("text was evaluated")

    targets = [
        (builtins, "eval"),
        (builtins, "exec"),
        (builtins, "compile"),
        (sympy, "sympify"),
        (sympy, "parse_expr"),
        (sympy_parser, "parse_expr"),
    ]
    saved = [(module, name, getattr(module, name)) for module, name in targets]
    for module, name in targets:
        setattr(module, name, refuse)
    try:
        yield
    finally:
        for module, name, original in saved:
            setattr(module, name, original)


@pytest.mark.parametrize("text", _hostile())
def test_hostile_expressions_are_refused_in_one_line(text):
    start = time.perf_counter()
    refused = None
    with _no_evaluation():
        try:
            parse_graph({"f": text}, INPUTS)
        except Invalid as err:
            refused = err
    elapsed = time.perf_counter() - start
    assert refused is not None, f"accepted: {text}"
    line = refused.line("hostile.toml")
    assert line.startswith("hostile.toml: graph.f: ") and "\n" not in line
    assert elapsed < 1.0, elapsed


@pytest.mark.parametrize(
    "text",
    ["x+" * 1_000_000 + "x", "(" * 100_000 + "x" + ")" * 100_000, "9" * 1_000_000],
)
def test_huge_expressions_are_refused_before_reading(text):
    start = time.perf_counter()
    with pytest.raises(Invalid) as caught:
        parse_graph({"f": text}, INPUTS)
    assert time.perf_counter() - start < 1.0
    assert caught.value.message == f"expected at most {MAX_CHARACTERS} characters, got {len(text)}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os')", "position 1: unexpected character '_'"),
        ("x.real", "position 2: unexpected character '.'"),
        ("foo(x)", "position 1: foo is not a function (the functions are exp, log, sqrt, max"),
        ("x y", "position 3: expected an operator + - * / ^ or the end, got 'y'"),
        ("x +", "position 4: expected a number, a name, a function or '(', got the end"),
        ("2**2**2**30", "position 5: a power of a power needs brackets, as (x^2)^3"),
        ("x^1000", "position 3: expected an exponent from -16 to 16, not 0, got 1000"),
        ("x^0", "position 3: expected an exponent from -16 to 16, not 0, got 0"),
        ("x^y", "position 3: expected a whole-number exponent, got 'y'"),
        ("max(x)", "position 1: max takes 2 arguments, got 1"),
        ("exp x", "position 5: expected '(' after exp, got 'x'"),
        ("(x + y", "position 7: expected ')', got the end"),
        ("w * x", "position 1: unknown name w (expected an input of [graph.values] or a name"),
        ("(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1), f"deeper than {MAX_DEPTH} levels"),
        ("+".join(["x"] * MAX_NODES), f"the graph has more than {MAX_NODES} nodes"),
        ("1e999 * x", "position 1: the number is too large"),
    ],
)
def test_each_refusal_names_the_position_and_what_was_expected(text, message):
    with pytest.raises(Invalid) as caught:
        parse_graph({"f": text}, INPUTS)
    assert caught.value.field == "graph.f"
    assert message in caught.value.message, caught.value.message
