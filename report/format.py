r"""Numbers and arrays as LaTeX: siunitx ``\num{}`` for every number, ``bmatrix*`` for arrays.

Formatting only: these functions never compute a value, they only decide how to show one.
"""

from __future__ import annotations

import math

import numpy as np
from pylatex.utils import NoEscape

# Past these magnitudes a fixed-point number is too long or rounds away: use scientific form.
LARGE = 1e6


def is_integral(values: np.ndarray | float) -> bool:
    """True when every entry is a whole number small enough to print exactly.

    >>> is_integral(np.array([-5.0, 2.0])), is_integral(0.5)
    (True, False)
    """
    arr = np.asarray(values, dtype=float)
    return bool(np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)) and np.all(abs(arr) < LARGE))


def plain(value: float, decimals: int, integral: bool = False) -> str:
    """The digits of one number, as siunitx reads them: never "-0.0000", never "nan".

    >>> plain(-0.0, 4), plain(1.96528515, 4), plain(-5.0, 4, integral=True)
    ('0.0000', '1.9653', '-5')
    >>> plain(2.5e-9, 4), plain(-3.2e7, 2), plain(-0.00004, 4)
    ('2.5000e-9', '-3.20e7', '-4.0000e-5')
    """
    if math.isnan(value):
        raise ValueError("nan cannot be typeset")
    if integral:
        return str(int(value))
    magnitude = abs(value)
    if magnitude >= LARGE or (0 < magnitude < 0.5 * 10.0**-decimals):
        mantissa, exponent = f"{value:.{decimals}e}".split("e")
        text = f"{mantissa}e{int(exponent)}"
    else:
        text = f"{value:.{decimals}f}"
    if float(text) == 0:  # rounds to zero: drop the sign
        text = text.lstrip("-")
    return text


def num(value: float, decimals: int = 4, integral: bool | None = None) -> NoEscape:
    r"""One number for math mode: ``\num{…}``, or ``\infty`` for an infinity.

    >>> print(num(-0.21246), num(3.0), num(float("-inf")))
    \num{-0.2125} \num{3} -\infty
    """
    if math.isinf(value):
        return NoEscape(r"\infty" if value > 0 else r"-\infty")
    if integral is None:
        integral = is_integral(value)
    return NoEscape(rf"\num{{{plain(value, decimals, integral)}}}")


def matrix(values: np.ndarray, decimals: int = 4) -> NoEscape:
    r"""A vector (as a column) or a matrix as ``bmatrix*`` with right-aligned columns.

    All entries share one format, so decimal points line up: whole numbers when every entry
    is whole, else ``decimals`` places.

    >>> print(matrix(np.array([1.0, -2.0])))
    \begin{bmatrix*}[r] \num{1} \\ \num{-2} \end{bmatrix*}
    """
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    integral = is_integral(arr)
    rows = (" & ".join(num(v, decimals, integral) for v in row) for row in arr)
    return NoEscape(r"\begin{bmatrix*}[r] " + r" \\ ".join(rows) + r" \end{bmatrix*}")
