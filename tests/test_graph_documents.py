"""The graph family's documents and build: report.graph_tex, report.graph_context, the two
templates, and orchestration.families choosing the family by what the config holds."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from orchestration.single import build_solution
from report.document import graph_solution_tex, graph_statement_tex
from report.graph_tex import expression_tex, fill, layout, locals_tex, name_tex, node_labels
from solver.errors import ConfigError, VerificationError
from solver.expression import parse_graph
from solver.graph import GraphProblem, solve_graph
from solver.graph_check import check_graph
from solver.graph_config import GraphQuestion, parse_graph_config
from tests.instances import ROOT

GRAPHS = ROOT / "problems" / "graphs"


def _pdf_text(pdf) -> str:
    run = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return run.stdout


@pytest.mark.parametrize(
    ("name", "tex"),
    [("x", "x"), ("w0", "w_{0}"), ("out", r"\mathit{out}"), ("lr2", r"\mathit{lr}_{2}")],
)
def test_names_are_set_with_their_digits_as_subscripts(name, tex):
    assert name_tex(name) == tex


@pytest.mark.parametrize(
    ("expression", "tex"),
    [
        ("(x + y)*z", r"(x + y) \cdot z"),
        ("x - (y - z)", "x - (y - z)"),
        ("x - y - z", "x - y - z"),
        ("-(x*y)", r"-(x \cdot y)"),
        ("-x*y", r"-x \cdot y"),
        ("x*(-y)", r"x \cdot (-y)"),
        ("(x + y)^2", "(x + y)^{2}"),
        ("exp(x)^2", "(e^{x})^{2}"),
        ("1/(1 + exp(-(x + y)))", r"\frac{\num{1}}{\num{1} + e^{-(x + y)}}"),
        ("max(x, y) + sigmoid(x*y)", r"\max(x, y) + \sigma(x \cdot y)"),
    ],
)
def test_f_is_written_as_the_config_wrote_it(expression, tex):
    """Brackets exactly where the grammar needs them to read the same tree back."""
    graph = parse_graph({"f": expression}, tuple(n for n in "xyz" if n in expression))
    assert expression_tex(graph, graph.output, node_labels(graph)) == tex


def test_numbers_are_bracketed_where_a_negation_would_be():
    graph = parse_graph({"f": "x*y - z"}, ("x", "y", "z"))
    product = graph.nodes[3]
    assert fill(product, [("-2", 2), ("-4", 2)])[0] == r"-2 \cdot (-4)"
    difference = graph.nodes[-1]
    assert fill(difference, [("8", 5), ("-1", 2)])[0] == "8 - (-1)"


def test_unnamed_operations_take_a_letter_no_input_reads_as():
    graph = parse_graph({"f": "u1*u2 + v"}, ("u1", "u2", "v"))
    labels = node_labels(graph)
    assert labels[3:] == ["t_{1}", "f"]


@pytest.mark.parametrize(
    ("exponent", "local"), [(2, "2 x"), (3, "3 x^{2}"), (-1, "-x^{-2}"), (1, "1")]
)
def test_a_powers_local_gradient_is_written_out(exponent, local):
    graph = parse_graph({"f": f"x^({exponent})"}, ("x",))
    assert locals_tex(graph.nodes[-1], node_labels(graph), "f") == (local,)


def test_the_drawing_puts_each_node_right_of_its_inputs_and_keeps_nodes_apart():
    graph = GraphProblem({"f": "x*y + x*z + x"}, {"x": 2, "y": 3, "z": -5}).graph
    places = layout(graph)
    for index, node in enumerate(graph.nodes):
        assert all(places[i].column < places[index].column for i in node.inputs)
    for a in range(len(places)):
        for b in range(a):
            if places[a].column == places[b].column:
                assert abs(places[a].row - places[b].row) >= 1.0
    # x, used by both products, sits between y and z: no wire crosses another
    rows = {graph.nodes[i].name: places[i].row for i in range(3)}
    assert rows["y"] < rows["x"] < rows["z"]


def _solved(name: str):
    path = GRAPHS / f"{name}.toml"
    from solver.reading import read_config

    problem, settings = parse_graph_config(read_config(path)[1], str(path))
    solution = solve_graph(problem)
    return solution, check_graph(solution), settings["question"]


def test_the_solution_shows_the_graph_the_table_the_branch_sum_and_the_boxed_answers():
    solution, checks, question = _solved("reused")
    tex = graph_solution_tex(solution, checks, question)
    # each of the 8 wires carries its value and the gradient it sends back; so does f's
    assert tex.count(r"node[gvalue") == 9 and tex.count(r"node[ggrad") == 9
    # x's three shares, in the order of its uses, add up at the branch: y + z + 1
    assert r"\num{3} + (\num{-5}) + \num{1} = \num{-1}" in tex
    assert r"\boxed{\num{-1}}" in tex  # ∂f/∂x
    assert "multiply swaps" in tex and "add distributes" in tex
    assert "the gradients from its 3 uses add up" in tex


def test_the_sigmoid_neurons_solution_has_its_exact_values_and_symbolic_derivatives():
    solution, checks, question = _solved("sigmoid-neuron")
    tex = graph_solution_tex(solution, checks, question)
    assert r"\frac{e}{1 + e}" in tex  # f = σ(1)
    assert r"\boxed{\num{-0.1966}}" in tex and r"\boxed{\num{-0.5898}}" in tex
    assert "exp keeps its value" in tex
    assert r"\pd{f}{w_{0}} &= \fit{" in tex  # SymPy's derivative, shown


def test_the_sheet_asks_what_the_question_names_and_gives_no_answer():
    solution, _, _ = _solved("add-multiply")
    question = GraphQuestion(("x", "z"), draw=True)
    sheet = graph_statement_tex(
        solution.problem, question, "variant-002", answers=question.columns()
    )
    assert r"\pd{f}{x}, \quad \pd{f}{z}" in sheet and r"\pd{f}{y}" not in sheet
    assert "Variant 002" in sheet and r"\answerbox{$\partial f / \partial z$}" in sheet
    assert r"\begin{tikzpicture}" in sheet and "node[gvalue" not in sheet  # drawn, no numbers
    assert r"\num{-12}" not in sheet and r"\num{3}" not in sheet  # f, q and ∂f/∂z


def test_building_a_graph_config_publishes_its_documents(tmp_path):
    """build.py on the add-multiply circuit: the textbook's numbers in results.json, and
    both PDFs say them."""
    out = tmp_path / "out"
    assert build_solution(GRAPHS / "add-multiply.toml", out)
    results = json.loads((out / "results.json").read_text())
    assert results["f"] == -12.0
    assert results["gradients"] == {"x": -4.0, "y": -4.0, "z": 3.0}
    assert results["question"]["columns"] == ["f", "df_dx", "df_dy", "df_dz"]
    text = _pdf_text(out / "solution.pdf")
    assert "Backward pass" in text and "multiply swaps" in text
    sheet = _pdf_text(out / "problem.pdf")
    assert "q =x+y" in sheet and "−12" not in sheet
    log = (out / "solution.log").read_text()
    assert "Overfull" not in log and "hw3: scaled" not in log


def test_a_wrong_number_publishes_nothing(tmp_path, monkeypatch):
    """A check that disagrees stops the build before anything is written."""
    import solver.graph_check as graph_check

    real = graph_check.check_graph

    def disagreeing(solution):
        checks = real(solution)
        from dataclasses import replace

        return replace(checks, symbolic=1e-3)

    monkeypatch.setattr(graph_check, "check_graph", disagreeing)
    out = tmp_path / "out"
    with pytest.raises(VerificationError, match="nothing was published"):
        build_solution(GRAPHS / "sigmoid-neuron.toml", out, pdf=False)
    assert not out.exists() or not any(out.iterdir())


def test_a_bad_graph_config_is_one_line_and_a_nonzero_exit(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text('[graph]\nf = "x*"\n[graph.values]\nx = 1\n')
    run = subprocess.run(
        [sys.executable, "build.py", "--config", str(config), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode != 0
    assert run.stderr.strip().count("\n") == 0, run.stderr
    assert "graph.f" in run.stderr and "position 3" in run.stderr
    assert not (tmp_path / "out" / "results.json").exists()


def test_a_log_of_zero_in_a_graph_config_names_the_node(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text('[graph]\nf = "log(x - 1)"\n[graph.values]\nx = 1\n')
    with pytest.raises(ConfigError, match=r"graph\.f.*position 1: log needs a positive input"):
        build_solution(config, tmp_path / "out", pdf=False)


def test_tex_is_started_early_on_the_graph_solutions_preamble(tmp_path):
    """The head TeX is started on before anything is solved is the one the solution has."""
    from orchestration.families import family_of
    from solver.reading import read_config

    data = read_config(GRAPHS / "reused.toml")[1]
    head = family_of(data).early_head(data)
    assert head is not None and r"\usepackage{array,longtable}" in head
    assert build_solution(GRAPHS / "reused.toml", tmp_path, pdf=False)
    assert (tmp_path / "solution.tex").read_text().startswith(head)
    assert family_of({"graph": {}, "report": 3}).early_head({"graph": {}, "report": 3}) is None
