"""Number formatting: what siunitx receives must always be a number it can typeset."""

from __future__ import annotations

import re

import numpy as np
import pytest

from report.format import matrix, num, plain

NUMBER = re.compile(r"-?\d+(\.\d+)?(e-?\d+)?")


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
    inner = re.fullmatch(r"\\num\{(.*)\}", text).group(1)
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
