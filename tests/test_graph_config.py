"""solver.graph_config: the graph examples read and solved to the textbook's numbers, and a
config that does not fit refused in one line naming the field."""

from __future__ import annotations

import tomllib

import pytest

from solver.errors import ConfigError
from solver.graph import solve_graph
from solver.graph_config import parse_graph_config
from solver.reading import read_config
from tests.instances import ROOT

GRAPHS = ROOT / "problems" / "graphs"


def _read(name: str):
    _, data = read_config(GRAPHS / name)
    return parse_graph_config(data, name)


def test_the_examples_give_the_textbook_numbers():
    circuit, settings = _read("add-multiply.toml")
    solution = solve_graph(circuit)
    assert solution.f == -12.0 and [solution.gradient(n) for n in "xyz"] == [-4.0, -4.0, 3.0]
    assert settings["ranges"]["x"] == (-5.0, 5.0) and settings["report"]["title"].startswith("Back")
    neuron = solve_graph(_read("sigmoid-neuron.toml")[0])
    assert [round(neuron.gradient(n), 2) for n in ("w0", "w1", "w2", "x0", "x1")] == [
        -0.2,
        -0.39,
        0.2,
        0.39,
        -0.59,
    ]
    reused = solve_graph(_read("reused.toml")[0])
    assert reused.gradient("x") == 3 - 5 + 1 and len(reused.arrivals[0]) == 3


BASE = '[graph]\nf = "x * y"\n[graph.values]\nx = 1\ny = 2\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BASE + "[network]\nx = [1]\n", "g.toml: unknown section [network] in a graph exercise"),
        (BASE.replace("y = 2", 'y = "2"'), "g.toml: graph.values.y: expected a number"),
        (BASE.replace("y = 2", "y = 1e9"), "g.toml: graph.values.y: expected a number within"),
        ('[graph]\nf = "x"\n', "g.toml: graph.values: expected a table of each input's value"),
        (BASE + "[graph.ranges]\nw = [1, 2]\n", "g.toml: graph.ranges.w: no input w"),
        (BASE + "[graph.ranges]\nx = [2, 1]\n", "g.toml: graph.ranges.x: expected low < high"),
        (BASE + "[graph.ranges]\nx = 3\n", "g.toml: graph.ranges.x: expected [low, high]"),
        (BASE.replace("x * y", "log(x - y)"), "g.toml: graph.f: position 1: log needs a positive"),
        (BASE.replace("x * y", "x *"), "g.toml: graph.f: position 4: expected a number, a name"),
        (BASE + "[question]\ngradients = ['z']\n", "g.toml: question.gradients: no input z"),
        (BASE + "[question]\ngradients = []\n", "g.toml: question.gradients: expected a list"),
        (BASE + "[question]\ngradients = ['x', 'x']\n", "g.toml: question.gradients: an input"),
        (BASE + "[question]\ndraw = 1\n", "g.toml: question.draw: expected true or false"),
        (BASE + "[question]\nask = 1\n", "g.toml: question.ask: unknown key"),
        (
            BASE + "[report]\ntitel = 'x'\n",
            "g.toml: unknown key report.titel (did you mean title?)",
        ),
    ],
)
def test_a_config_that_does_not_fit_is_refused_in_one_line(text, message):
    with pytest.raises(ConfigError) as caught:
        parse_graph_config(tomllib.loads(text), "g.toml")
    assert str(caught.value).startswith(message), str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_question_asks_every_gradient_unless_it_names_some():
    _, settings = parse_graph_config(tomllib.loads(BASE), "g.toml")
    assert settings["question"].columns() == ["f", "df_dx", "df_dy"]
    chosen = BASE + "[question]\ngradients = ['y']\ndraw = true\n"
    question = parse_graph_config(tomllib.loads(chosen), "g.toml")[1]["question"]
    assert question.columns() == ["f", "df_dy"] and question.draw
