"""One build (orchestration/single.py): solve, render, compile, publish; skipped when current."""

from __future__ import annotations

import pytest
from instances import HOMEWORK_CONFIG, NO_PDF_FOLDER, ROOT

from orchestration.single import build_solution, early_head, render_solution
from report.tex import TexError
from report.tex.format_cache import split
from solver.config import load_problem
from solver.network import solve
from solver.reading import read_config


def test_returns_whether_it_built(tmp_path):
    out = tmp_path / "out"
    assert build_solution(HOMEWORK_CONFIG, out, pdf=False) is True
    assert sorted(p.name for p in out.iterdir()) == NO_PDF_FOLDER
    assert build_solution(HOMEWORK_CONFIG, out, pdf=False) is False


def test_the_tex_holds_the_verification_and_exact_forms(homework):
    """The appendix is there, the exact forms beside the decimals, the proof only when asked."""
    solution = solve(homework)
    tex = render_solution(solution)
    assert r"\section{Appendix: Verification}" in tex
    assert r"\hat{y}_{1} &= \frac{1}{1 + e^{-3} + e} \approx" in tex
    assert r"\texttt{-{}-prove} to include it" in tex
    proved = render_solution(solution, prove=True)
    assert r"\texttt{-{}-prove} to include it" not in proved


@pytest.mark.parametrize("config", sorted((ROOT / "problems").glob("*.toml")), ids=lambda p: p.stem)
def test_tex_is_started_early_on_the_preamble_the_solution_has(config):
    """What a build starts TeX on before it has solved (its paper, depth and loss read from
    the raw tables) is the head of the solution it then renders: else the early start and
    its cached Figure 2 would be thrown away on every build of that network."""
    _, data = read_config(config)
    solution = solve(load_problem(config))
    assert early_head(data) == split(render_solution(solution)).head


def test_no_early_start_without_weights():
    assert early_head({"network": {"x": [1.0]}}) is None


@pytest.mark.tex
@pytest.mark.parametrize("failing_document", ["solution", "problem"])
def test_a_tex_failure_publishes_only_the_log(tmp_path, monkeypatch, failing_document):
    """TeX's log is written for the user to read; nothing else of the build is published.
    The error names the document whose TeX failed."""
    from report import tex as tex_module

    compile_pdf = tex_module.compile_pdf

    def failing(tex, **kwargs):
        is_sheet = "Your task is to compute the derivatives" in tex
        if is_sheet == (failing_document == "problem"):
            raise TexError("TeX failed: solution.tex:1: boom", "the log\n")
        return compile_pdf(tex, **kwargs)

    monkeypatch.setattr("report.tex.compile_pdf", failing)
    out = tmp_path / "out"
    with pytest.raises(TexError, match=f"^{failing_document}.pdf: TeX failed: .*boom"):
        build_solution(HOMEWORK_CONFIG, out)
    outputs = sorted(p.name for p in out.iterdir() if p.name != ".hw3.lock")
    assert outputs == [".hw3-set.json", f"{failing_document}.log"]
    assert (out / f"{failing_document}.log").read_text() == "the log\n"


def test_the_homework_instance_loads(homework):
    assert load_problem(HOMEWORK_CONFIG).shape == homework.shape == (2, 3, 3)


def test_the_config_is_read_once(tmp_path, monkeypatch):
    """One read of the config serves the fingerprint, TeX's early start and the solver."""
    from solver import reading

    reads, real = [], reading.read_text
    monkeypatch.setattr(
        reading, "read_text", lambda path, *a, **k: reads.append(path) or real(path, *a, **k)
    )
    assert build_solution(HOMEWORK_CONFIG, tmp_path / "out", pdf=False)
    assert reads == [HOMEWORK_CONFIG]
