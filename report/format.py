r"""Numbers and arrays as LaTeX: siunitx ``\num{}`` for every number, ``bmatrix*`` for arrays.

Formatting only: these functions never compute a value, they only decide how to show one.
"""

from __future__ import annotations

import math

import numpy as np
from pylatex.utils import NoEscape

# Past these magnitudes a fixed-point number is too long or rounds away: use scientific form.
LARGE = 1e6
# Below this a value is float64 round-off (an entry that is 0 computed as θ − ηg, say), not a
# tiny quantity worth its exponent: it is shown as a rounded zero.
NOISE = 1e-12


def places_needed(values: np.ndarray | float, cap: int) -> int:
    """The fewest decimal places (at most ``cap``) that show every entry exactly.

    Given inputs such as 0.3 or whole weights print as typed; computed values get ``cap``.

    >>> places_needed(np.array([-5.0, 2.0]), 4), places_needed(np.array([0.8, 0.1]), 4)
    (0, 1)
    >>> places_needed(1 / 3, 4), places_needed(float("inf"), 4)
    (4, 4)
    """
    arr = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(abs(arr) >= LARGE):
        return cap
    for places in range(cap):
        if np.all(np.round(arr, places) == arr):
            return places
    return cap


def plain(value: float, decimals: int) -> str:
    """The digits of one number, as siunitx reads them: never "-0.0000", never "nan".

    >>> plain(-0.0, 4), plain(1.96528515, 4), plain(-5.0, 0)
    ('0.0000', '1.9653', '-5')
    >>> plain(2.5e-9, 4), plain(-3.2e7, 2), plain(-0.00004, 4), plain(-3.4e-14, 4)
    ('2.5000e-9', '-3.20e7', '-4.0000e-5', '0.0000')
    """
    if math.isnan(value):
        raise ValueError("nan cannot be typeset")
    magnitude = abs(value)
    if magnitude >= LARGE or (NOISE <= magnitude < 0.5 * 10.0**-decimals):
        mantissa, exponent = f"{value:.{decimals}e}".split("e")
        text = f"{mantissa}e{int(exponent)}"
    else:
        text = f"{value:.{decimals}f}"
    if float(text) == 0:  # rounds to zero: drop the sign
        text = text.lstrip("-")
    return text


def num(value: float, decimals: int = 4, places: int | None = None) -> NoEscape:
    r"""One number for math mode: ``\num{…}``, or ``\infty`` for an infinity.

    ``places`` fixes the decimal places; by default as few as show it exactly, at most
    ``decimals``.

    >>> print(num(-0.21246), num(3.0), num(0.3), num(float("-inf")))
    \num{-0.2125} \num{3} \num{0.3} -\infty
    """
    if math.isinf(value):
        return NoEscape(r"\infty" if value > 0 else r"-\infty")
    if places is None:
        places = places_needed(value, decimals)
    return NoEscape(rf"\num{{{plain(value, places)}}}")


def matrix(values: np.ndarray, decimals: int = 4) -> NoEscape:
    r"""A vector (as a column) or a matrix as ``bmatrix*`` with right-aligned columns.

    All entries share one number of decimal places, so decimal points line up: as few as
    show every entry exactly, at most ``decimals``.

    >>> print(matrix(np.array([1.0, -2.0])))
    \begin{bmatrix*}[r] \num{1} \\ \num{-2} \end{bmatrix*}
    """
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    places = places_needed(arr, decimals)
    rows = (" & ".join(num(v, decimals, places) for v in row) for row in arr)
    return NoEscape(r"\begin{bmatrix*}[r] " + r" \\ ".join(rows) + r" \end{bmatrix*}")


# A matrix with more rows (or columns) than this shows its first and last few only.
MAX_SHOWN = 8
HEAD, TAIL = 3, 2


def elided_matrix(values: np.ndarray, decimals: int = 4, axis: int = 0) -> NoEscape:
    r"""As :func:`matrix`, but past ``MAX_SHOWN`` rows (``axis=0``; columns for ``axis=1``)
    only the first ``HEAD`` and last ``TAIL`` are shown, the rest as one row of ``\vdots``
    (one column of ``\cdots``): a mini-batch of many instances stays on the page.

    >>> print(elided_matrix(np.array([1.0, -2.0])))
    \begin{bmatrix*}[r] \num{1} \\ \num{-2} \end{bmatrix*}
    >>> tex = elided_matrix(np.arange(10.0))
    >>> tex.count(r"\num"), r"\num{2} \\ \vdots \\ \num{8}" in tex
    (5, True)
    >>> print(elided_matrix(np.arange(10.0)[None, :], axis=1))  # doctest: +NORMALIZE_WHITESPACE
    \begin{bmatrix*}[r] \num{0} & \num{1} & \num{2} & \cdots & \num{8} & \num{9} \end{bmatrix*}
    """
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.shape[axis] <= MAX_SHOWN:
        return matrix(arr, decimals)
    places = places_needed(arr, decimals)
    cells = [[str(num(v, decimals, places)) for v in row] for row in arr]
    if axis == 0:
        gap = [r"\vdots"] * arr.shape[1]
        cells = cells[:HEAD] + [gap] + cells[-TAIL:]
    else:
        cells = [row[:HEAD] + [r"\cdots"] + row[-TAIL:] for row in cells]
    rows = (" & ".join(row) for row in cells)
    return NoEscape(r"\begin{bmatrix*}[r] " + r" \\ ".join(rows) + r" \end{bmatrix*}")


def sci(value: float, digits: int = 1) -> NoEscape:
    r"""A measured error size, always in scientific form (zero as 0): ``\num{1.5e-15}``.

    >>> print(sci(1.5372e-15), sci(0.0), sci(2.5e-9, 2))
    \num{1.5e-15} \num{0} \num{2.50e-9}
    """
    if value == 0:
        return NoEscape(r"\num{0}")
    mantissa, exponent = f"{value:.{digits}e}".split("e")
    return NoEscape(rf"\num{{{mantissa}e{int(exponent)}}}")
