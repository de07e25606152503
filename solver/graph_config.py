"""A computational-graph exercise's config: a [graph] table of expressions (the output ``f``,
and the intermediates the instructor wants named, each before its first use), its
[graph.values] (each input's value) and optionally [graph.ranges] (each input's range for a
class's variants, [low, high]), beside the [report] every config may have.

::

    [graph]
    q = "x + y"
    f = "q * z"

    [graph.values]
    x = -2
    y = 5
    z = -4

A [question] table says what is asked: ``gradients``, the inputs whose ∂f/∂input the student
gives (default all; f's value is always asked), and ``draw`` (default false), whether the
problem sheet draws the graph, without its numbers.

A config is a graph exercise when it holds [graph] (solver.config reads [network] ones).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from solver.errors import ConfigError
from solver.graph import GraphProblem, forward_values
from solver.reading import Invalid, describe, number
from solver.schema import read_section

MAX_VALUE = 1e6  # an input's size: a hand exercise's numbers
SECTIONS = ("graph", "report", "question")


# A gradient's answer column, ``df_dx``: letters, digits and underscores, as Canvas's blank
# names must be (report.canvas); no network's column begins so (report.question).
GRADIENT_COLUMN = "df_d"


@dataclass(frozen=True)
class GraphQuestion:
    """What a graph exercise asks: f's value and ∂f/∂input for each of ``gradients``."""

    gradients: tuple[str, ...]
    draw: bool = False  # the problem sheet draws the graph (without numbers)

    def columns(self) -> list[str]:
        """The answers' names, as answer-key.csv's columns: ``f``, then ``df_dINPUT``."""
        return ["f", *(GRADIENT_COLUMN + name for name in self.gradients)]

    def table(self) -> dict[str, Any]:
        """As the config's [question] table."""
        return {"gradients": list(self.gradients), "draw": self.draw}


def _question(table: Any, inputs: tuple[str, ...]) -> GraphQuestion:
    if not isinstance(table, dict):
        raise Invalid(f"expected a table, got {describe(table)}", "question")
    for key in table:
        if key not in ("gradients", "draw"):
            raise Invalid("unknown key (expected gradients, draw)", f"question.{key}")
    gradients = table.get("gradients", list(inputs))
    if not isinstance(gradients, list) or not gradients:
        raise Invalid(
            f"expected a list of input names, got {describe(gradients)}", "question.gradients"
        )
    for name in gradients:
        if name not in inputs:
            shown = name if isinstance(name, str) and name.isprintable() else describe(name)
            raise Invalid(f"no input {shown} in [graph.values]", "question.gradients")
    if len(set(gradients)) != len(gradients):
        raise Invalid("an input is named twice", "question.gradients")
    draw = table.get("draw", False)
    if not isinstance(draw, bool):
        raise Invalid(f"expected true or false, got {describe(draw)}", "question.draw")
    return GraphQuestion(tuple(n for n in inputs if n in gradients), draw)


def _values(table: Any, field: str) -> dict[str, float]:
    if not isinstance(table, dict) or not table:
        raise Invalid(f"expected a table of each input's value, got {describe(table)}", field)
    values = {}
    for name, value in table.items():
        try:
            values[name] = number(value)
        except Invalid as err:
            raise err.at(f"{field}.{name}") from None
        if abs(values[name]) > MAX_VALUE:
            raise Invalid(
                f"expected a number within ±{MAX_VALUE:g}, got {value}", f"{field}.{name}"
            )
    return values


def _ranges(table: Any, inputs: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    if not isinstance(table, dict):
        raise Invalid(
            f"expected a table of [low, high] per input, got {describe(table)}", "graph.ranges"
        )
    ranges = {}
    for name, value in table.items():
        field = f"graph.ranges.{name}"
        if name not in inputs:
            raise Invalid(f"no input {name} in [graph.values]", field)
        if not isinstance(value, list) or len(value) != 2:
            raise Invalid(f"expected [low, high], got {describe(value)}", field)
        low, high = (number(v) for v in value)
        if not -MAX_VALUE <= low < high <= MAX_VALUE:
            raise Invalid(
                f"expected low < high within ±{MAX_VALUE:g}, got [{low:g}, {high:g}]", field
            )
        ranges[name] = (low, high)
    return ranges


def parse_graph_config(data: Mapping[str, Any], source: str) -> tuple[GraphProblem, dict]:
    """The exercise of a config holding [graph], and its other settings ({"report": …,
    "ranges": …, "question": GraphQuestion}); the given values are solved once, so that one
    an operation refuses is refused here, naming the expression and the position.

    Raises:
        ConfigError: one line, ``source: field: message``.
    """
    try:
        for name in data:
            if name not in SECTIONS:
                known = ", ".join(f"[{s}]" for s in SECTIONS)
                raise Invalid(f"unknown section [{name}] in a graph exercise (expected {known})")
        table = data["graph"]
        if not isinstance(table, dict):
            raise Invalid(f"expected a section [graph], got {describe(table)}", "graph")
        values = _values(table.get("values"), "graph.values")
        definitions = {k: v for k, v in table.items() if k not in ("values", "ranges")}
        problem = GraphProblem(definitions, values)
        ranges = _ranges(table.get("ranges", {}), problem.inputs)
        forward_values(problem.graph, values)
        report = read_section("report", data.get("report", {}))
        question = _question(data.get("question", {}), problem.inputs)
    except Invalid as err:
        raise ConfigError(err.line(source)) from None
    return problem, {"report": report, "ranges": ranges, "question": question}


def graph_toml(
    problem: GraphProblem,
    comment: str = "",
    *,
    report: Mapping[str, Any] | None = None,
    question: GraphQuestion | None = None,
    ranges: Mapping[str, tuple[float, float]] | None = None,
) -> str:
    """The exercise as a config that :func:`parse_graph_config` reads back exactly (a class
    variant's config.toml): whole numbers as integers, other floats so that they
    round-trip; ``comment`` as its first lines."""
    import tomli_w

    def plain(value: float) -> float | int:
        return int(value) if float(value).is_integer() and str(value) != "-0.0" else value

    graph: dict[str, Any] = dict(problem.definitions)
    graph["values"] = {name: plain(value) for name, value in problem.values.items()}
    if ranges:
        graph["ranges"] = {name: [plain(a), plain(b)] for name, (a, b) in ranges.items()}
    tables = {
        **({"report": dict(report)} if report else {}),
        **({"question": question.table()} if question else {}),
        "graph": graph,
    }
    header = "".join(f"# {line}\n" for line in comment.splitlines())
    return header + ("\n" if header else "") + tomli_w.dumps(tables)
