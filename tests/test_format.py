"""Number formatting: what siunitx receives must always be a number it can typeset."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from instances import HOMEWORK_CONFIG

from orchestration.single import render_solution as render_tex
from report.format import matrix, num, plain, sci, siunitx
from report.settings import load_instance
from report.tex import compile_pdf
from solver.network import solve

NUMBER = re.compile(r"-?\d+(\.\d+)?(e-?\d+)?")
NUM = re.compile(r"\\num(?:\[parse-numbers=true\])?\{(.*)\}")


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (1.96528515, 4, "1.9653"),
        (-0.21246, 4, "-0.2125"),
        (-0.0, 4, "0.0000"),
        (-0.00005, 4, "-0.0001"),
        (-0.00004, 4, "-4.0000e-5"),
        (1234567.0, 2, "1.23e6"),
        (0.5, 0, "0"),
        (2.0, 12, "2.000000000000"),
    ],
)
def test_plain(value, decimals, text):
    assert plain(value, decimals) == text


@pytest.mark.parametrize("value", [-1e-30, -4.9e-5, -1e-12, -0.0, 0.0])
def test_never_a_negative_zero(value):
    assert not re.fullmatch(r"-0\.?0*", plain(value, 4))


def test_nan_is_refused():
    with pytest.raises(ValueError, match="nan"):
        plain(float("nan"), 4)


@pytest.mark.parametrize("value", [3.25, -7.0, 1e-9, -2e8, 0.0])
def test_num_gives_siunitx_a_number(value):
    text = num(value)
    inner = NUM.fullmatch(text).group(1)
    assert NUMBER.fullmatch(inner)
    assert float(inner) == pytest.approx(value, rel=1e-4, abs=1e-4)


def test_matrix_shares_one_format_so_columns_align():
    """Mixed whole and fractional entries all get the same number of decimals."""
    text = matrix(np.array([[-5.0, 1.9652851548], [2.0, -1.0]]), decimals=4)
    entries = re.findall(r"\\num\{([^}]*)\}", text)
    assert entries == ["-5.0000", "1.9653", "2.0000", "-1.0000"]
    assert text.startswith(r"\begin{bmatrix*}[r]") and text.count(r"\\") == 1


def test_whole_matrices_print_whole_numbers():
    text = matrix(np.array([[3.0, -4.0], [1.0, 0.0]]))
    assert re.findall(r"\\num\{([^}]*)\}", text) == ["3", "-4", "1", "0"]


def test_vectors_are_columns():
    text = matrix(np.array([1.5, 2.5, 3.5]), decimals=1)
    assert text.count(r"\\") == 2 and "&" not in text


@pytest.mark.parametrize(
    ("digits", "parsed"),
    [("-0.5346", False), ("1234.5", False), ("0", False), ("12345", True), ("-123456.7", True)]
    + [("1.5e-15", True), ("-3.20e7", True)],
)
def test_siunitx_parses_only_what_it_must_rewrite(digits, parsed):
    """An exponent or an integer part of five digits or more (grouped) is parsed."""
    assert ("parse-numbers=true" in siunitx(digits)) == parsed


def _parsed_everywhere(tex: str) -> str:
    """``tex`` as it was before numbers went unparsed: siunitx parses every \\num."""
    tex = tex.replace(", parse-numbers=false}", "}").replace("[parse-numbers=true]", "")
    assert "parse-numbers" not in tex
    return tex


@pytest.mark.slow  # the homework compiled twice, under pdfLaTeX and XeLaTeX
@pytest.mark.tex
@pytest.mark.parametrize("script", ["", "Иван Петров"])  # pdfLaTeX, then XeLaTeX
def test_unparsed_numbers_print_exactly_as_parsed_ones(script):
    """The PDF is byte for byte the one siunitx gives when it parses every number: the
    homework's solution (every place a number appears: matrices, sums, the appendix's error
    sizes), with numbers of every form siunitx is given added, under both engines."""
    problem, info = load_instance(HOMEWORK_CONFIG)
    tex = render_tex(solve(problem), info=dataclasses.replace(info, student=script))
    forms = [0.0, -5.0, 0.3, -0.53462, 1234.5, 12345.0, -123456.7, 2.5e-9, -3.2e7, 1.5e-15]
    shown = [num(v) for v in forms] + [sci(v, 2) for v in forms]
    line = " ".join(f"${n}$ and {n}." for n in shown) + f" ${matrix(np.array(forms))}$"
    tex = tex.replace("\\end{document}", line + "\n\\end{document}")
    assert tex.count("parse-numbers=true") > 10 and ("xelatex" in tex) == bool(script)
    assert compile_pdf(tex).pdf == compile_pdf(_parsed_everywhere(tex)).pdf
