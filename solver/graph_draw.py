"""A graph exercise's class variants: each input with a range in [graph.ranges] drawn as a
whole number in it (both ends included), the others kept as given; a draw where an operation
leaves its domain (a log or sqrt of a non-positive number, a division by zero), sits at its
kink (a max's tie, a ReLU at 0) or overflows is drawn again.

Each member's numbers come from a random stream of its own (solver.draw.member_stream): they
depend only on the seed and the member, as a network's do.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from solver.draw import member_stream
from solver.errors import ConfigError
from solver.graph import GraphProblem, solve_graph
from solver.reading import Invalid

MAX_DRAWS = 1000


def draw_graph_variant(
    template: GraphProblem,
    ranges: Mapping[str, tuple[float, float]],
    seed: int,
    key: int | str,
    fits: Callable[[GraphProblem], bool] | None = None,
    draws: int = MAX_DRAWS,
) -> GraphProblem:
    """Member ``key``'s exercise, drawn from ``seed``: whole numbers in ``ranges``, solvable
    (no domain error, no kink, nothing overflowing), and one ``fits`` accepts.

    Raises:
        ConfigError: a range holds no whole number, or no draw of ``draws`` fitted.
    """
    bounds = {}
    for name, (low, high) in ranges.items():
        first, last = math.ceil(low), math.floor(high)
        if first > last:
            raise ConfigError(f"graph.ranges.{name}: [{low:g}, {high:g}] holds no whole number")
        bounds[name] = (first, last)
    if not bounds:
        raise ConfigError("graph.ranges: variants need a range for at least one input")
    rng, label = member_stream(seed, key)
    fits = fits or (lambda _: True)
    for _ in range(draws):
        values = dict(template.values)
        for name, (first, last) in bounds.items():
            values[name] = float(rng.integers(first, last, endpoint=True))
        problem = GraphProblem(template.definitions, values)
        try:
            solve_graph(problem)
        except Invalid:  # a log of 0, a tie at a max, an overflow: another draw
            continue
        if fits(problem):
            return problem
    raise ConfigError(f"{label}: no draw of {draws} in [graph.ranges] fits (see the ranges)")
