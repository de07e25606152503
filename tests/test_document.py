"""Render tests on the .tex text: structure, numbers, escaping (no TeX needed)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from instances import HOMEWORK_CONFIG, random_problem

from orchestration.single import render_solution as render_tex
from report.settings import ReportInfo, load_instance
from solver.config import load_problem
from solver.network import solve


@pytest.fixture(scope="module")
def homework_tex() -> str:
    return render_tex(solve(load_problem(HOMEWORK_CONFIG)))


def test_each_problem_starts_on_its_own_page(homework_tex):
    p1 = homework_tex.index(r"\section{Problem 1}")
    p2 = homework_tex.index(r"\section{Problem 2}")
    assert p1 < p2
    assert r"\clearpage" in homework_tex[p1:p2]


def test_title_block_defaults_are_neutral(homework_tex):
    """Without [report], no homework's title or course (problems/hw3.toml states its own)."""
    assert "{\\large Back{-}propagation exercise\\par}" in homework_tex  # PyLaTeX's {-}
    assert "pdftitle={Back{-}propagation: a worked solution}" in homework_tex
    assert "Homework 3" not in homework_tex and "2024" not in homework_tex


def test_problem_two_shows_the_rounded_numbers(homework_tex):
    """Loss, ∂Loss/∂z and the updated entries, rounded to 4 decimals."""
    for text in ["1.5266", "-0.5346", "-0.0868", "0.6214", "1.9653", "-2.0174", "-1.8931"]:
        assert rf"\num{{{text}}}" in homework_tex, text
    assert r"\num{4.0535}" in homework_tex and r"\num{4.9379}" in homework_tex


def test_no_negative_zero_and_no_nan(homework_tex):
    numbers = re.findall(r"\\num\{([^}]*)\}", homework_tex)
    assert numbers, "no siunitx numbers at all"
    assert not any(re.fullmatch(r"-0(\.0*)?", n) for n in numbers)
    assert not any("nan" in n or "inf" in n for n in numbers)


def test_given_values_print_as_typed(homework_tex):
    r"""ε = 0.3 and η = 0.1 are shown as typed, not as 0.3000."""
    assert r"\epsilon = \num{0.3}" in homework_tex
    assert r"\eta = \num{0.1}" in homework_tex


def test_decimals_setting_changes_the_places(tmp_path):
    config = tmp_path / "c.toml"
    text = HOMEWORK_CONFIG.read_text().replace("decimals = 4", "decimals = 6")
    config.write_text(text)
    problem, info = load_instance(config)
    tex = render_tex(solve(problem), info=info)
    assert r"\num{1.526563}" in tex and r"\num{1.5266}" not in tex


def test_user_strings_are_escaped_once(homework):
    info = ReportInfo(title="50% of a_b & {c}", author="O'Neil #1", course="x^2 ~ y", date="$5")
    tex = render_tex(solve(homework), info=info)
    assert r"50\% of a\_b \& \{c\}" in tex
    assert r"O\textquotesingle{}Neil \#1" in tex
    assert r"x\textasciicircum{}2 \textasciitilde{} y" in tex
    assert r"\$5" in tex
    # Escaped exactly once: escaping twice would turn \% into \textbackslash{}\%.
    assert r"{\LARGE\bfseries 50\% of a\_b \& \{c\}\par}" in tex
    assert r"pdftitle={50\% of a\_b \& \{c\}}" in tex
    assert "textbackslash" not in tex


@pytest.mark.parametrize("shape", [(1, 1, 2), (4, 8, 3), (7, 2, 9)])
def test_other_shapes_render(shape):
    tex = render_tex(solve(random_problem(np.random.default_rng(5), *shape)))
    d, n, q = shape
    assert f"$d = {d}$, $n = {n}$, $q = {q}$" in tex
    assert tex.count(r"\begin{bmatrix*}") > 20


@pytest.mark.tex
def test_a_long_product_is_broken_not_shrunk(homework, tmp_path):
    r"""\fitsplit (the preamble's): "product = result" stays on one line when it fits; when it
    does not, the result moves to a line of its own and the product keeps the body's size."""
    import subprocess

    from report.tex import compile_pdf

    head = render_tex(solve(homework)).split(r"\begin{document}")[0]

    def layout(columns: int) -> tuple[float, float, float, float]:
        row = r"\begin{bmatrix} " + " & ".join(["0.1234"] * columns) + r" \end{bmatrix}"
        tex = head + (
            "\\begin{document}\nBody 0.5678 text.\n\\begin{align*}\n"
            f"x &= \\fitsplit{{{row}}}{{9.8765,}}\\\\\n\\end{{align*}}\n\\end{{document}}\n"
        )
        pdf = tmp_path / f"{columns}.pdf"
        pdf.write_bytes(compile_pdf(tex).pdf)
        boxes = subprocess.run(
            ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True
        )
        found = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]+)<', boxes.stdout)
        box = {word: (float(low), float(high)) for low, high, word in found}
        height = {word: high - low for word, (low, high) in box.items()}
        return height["0.5678"], height["0.1234"], box["0.1234"][0], box["9.8765,"][0]

    body, entry, product_y, result_y = layout(2)
    assert entry == pytest.approx(body) and result_y == pytest.approx(product_y, abs=2)
    body, entry, product_y, result_y = layout(6)
    assert entry == pytest.approx(body) and result_y > product_y + 5
