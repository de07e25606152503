"""report.graph_results: a graph exercise's results.json, every node at full precision."""

from __future__ import annotations

import json

from report.graph_results import graph_results_json
from solver.graph import solve_graph
from solver.graph_check import check_graph
from solver.graph_config import parse_graph_config
from solver.reading import read_config
from tests.instances import ROOT


def test_results_json_holds_every_node_at_full_precision():
    """The sigmoid neuron's results.json: f, each input's gradient and each node read back
    bit for bit; the node list ends at f, each node after its inputs."""
    path = ROOT / "problems" / "graphs" / "sigmoid-neuron.toml"
    problem, _ = parse_graph_config(read_config(path)[1], str(path))
    solution = solve_graph(problem)
    results = json.loads(graph_results_json(solution, check_graph(solution)))
    assert results["family"] == "graph" and results["f"] == solution.f
    assert results["gradients"] == {n: solution.gradient(n) for n in solution.problem.inputs}
    nodes = results["nodes"]
    assert [node["value"] for node in nodes] == list(solution.values)
    assert [node["gradient"] for node in nodes] == list(solution.grads)
    assert nodes[-1]["name"] == "f" and nodes[-1]["gradient"] == 1.0
    assert all(i < k for k, node in enumerate(nodes) for i in node["inputs"])
    exp = next(node for node in nodes if node["op"] == "exp")
    assert exp["local"] == [exp["value"]]  # exp keeps its value
    assert results["checks"]["symbolic"] < 1e-12
