r"""Numbers and arrays as LaTeX: siunitx ``\num{}`` for every number, ``bmatrix*`` for arrays.

Formatting only: these functions never compute a value, they only decide how to show one.

Every number reaches siunitx already rounded and in its final digits, so the preamble sets
``parse-numbers=false``: siunitx prints it as given, the same glyphs as after parsing
(tests/test_format.py compiles both and compares the PDFs byte for byte), without parsing
it, which took a quarter of the homework's TeX pass (262 numbers, about 0.7 ms each). Only a
form siunitx must rewrite is parsed: an exponent (``1.5e-15`` → 1.5 × 10⁻¹⁵) or an integer
part long enough to be grouped (``12345`` → 12 345).
"""

from __future__ import annotations

import math

import numpy as np
from pylatex.utils import NoEscape

# Past these magnitudes a fixed-point number is too long or rounds away: use scientific form.
LARGE = 1e6
# An integer part of this many digits is grouped in threes (the preamble's group-minimum-digits).
GROUPED = 5
# Below this a value is float64 round-off (an entry that is 0 computed as θ − ηg, say), not a
# tiny quantity worth its exponent: it is shown as a rounded zero.
NOISE = 1e-12
# A given number (an input, a weight, ε, η) prints as typed, whatever the report's decimals:
# as few places as show it exactly, up to this many (float64 holds 15 to 17 digits).
GIVEN_PLACES = 12


def as_typed(decimals: int) -> int:
    """The cap on the places of a given number: ``decimals``, or more to show it as typed.

    >>> print(num(0.3, as_typed(0)), num(-5.0, as_typed(0)), num(0.125, as_typed(2)))
    \\num{0.3} \\num{-5} \\num{0.125}
    """
    return max(decimals, GIVEN_PLACES)


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


def plain(value: float, decimals: int, *, fixed: bool = False) -> str:
    """The digits of one number, as siunitx reads them: never "-0.0000", never "nan".

    Very large and small values are written in scientific form, unless ``fixed``: then
    always ``decimals`` places (a tiny value reads as 0, as in a table of rounded answers).

    >>> plain(-0.0, 4), plain(1.96528515, 4), plain(-5.0, 0)
    ('0.0000', '1.9653', '-5')
    >>> plain(2.5e-9, 4), plain(-3.2e7, 2), plain(-0.00004, 4), plain(-3.4e-14, 4)
    ('2.5000e-9', '-3.20e7', '-4.0000e-5', '0.0000')
    >>> plain(-0.00004, 4, fixed=True), plain(-2.5, 4, fixed=True)
    ('0.0000', '-2.5000')
    """
    if math.isnan(value):
        raise ValueError("nan cannot be typeset")
    magnitude = abs(value)
    scientific = magnitude >= LARGE or (NOISE <= magnitude < 0.5 * 10.0**-decimals)
    if scientific and not fixed:
        mantissa, exponent = f"{value:.{decimals}e}".split("e")
        text = f"{mantissa}e{int(exponent)}"
    else:
        text = f"{value:.{decimals}f}"
    if float(text) == 0:  # rounds to zero: drop the sign
        text = text.lstrip("-")
    return text


def num(
    value: float, decimals: int = 4, places: int | None = None, *, fixed: bool = False
) -> NoEscape:
    r"""One number for math mode: ``\num{…}``, or ``\infty`` for an infinity.

    ``places`` fixes the decimal places; by default as few as show it exactly, at most
    ``decimals``. ``fixed`` as for :func:`plain`.

    >>> print(num(-0.21246), num(3.0), num(0.3), num(float("-inf")))
    \num{-0.2125} \num{3} \num{0.3} -\infty
    """
    if math.isinf(value):
        return NoEscape(r"\infty" if value > 0 else r"-\infty")
    if places is None:
        places = places_needed(value, decimals)
    return siunitx(plain(value, places, fixed=fixed))


def siunitx(digits: str) -> NoEscape:
    r"""``\num{digits}``, printed as given; parsed (the preamble parses none) only when
    siunitx must rewrite it: an exponent, or an integer part to be grouped.

    >>> print(siunitx("-0.5346"), siunitx("1.5e-15"), siunitx("12345"), siunitx("1234.5"))
    \num{-0.5346} \num[parse-numbers=true]{1.5e-15} \num[parse-numbers=true]{12345} \num{1234.5}
    """
    integer = digits.lstrip("-").partition(".")[0]
    if "e" in digits or len(integer) >= GROUPED:
        return NoEscape(rf"\num[parse-numbers=true]{{{digits}}}")
    return NoEscape(rf"\num{{{digits}}}")


# A matrix with more than MAX_SHOWN rows (columns) shows its first HEAD and last TAIL rows
# (columns) only, and states its shape: a 100-unit layer stays on the page, and amsmath's
# limit of 10 matrix columns is never reached.
MAX_SHOWN = 8
HEAD, TAIL = 3, 2


def _elided(items: list, count: int, gap) -> list:
    """The first HEAD and last TAIL of ``items``, ``gap`` between, once there are too many."""
    return items if count <= MAX_SHOWN else [*items[:HEAD], gap, *items[-TAIL:]]


def matrix(
    values: np.ndarray,
    decimals: int = 4,
    *,
    places: int | None = None,
    fixed: bool = False,
) -> NoEscape:
    r"""A vector (as a column) or a matrix as ``bmatrix*`` with right-aligned columns.

    All entries share one number of decimal places, so decimal points line up: ``places``,
    or by default as few as show every entry exactly, at most ``decimals``. ``fixed`` as for
    :func:`plain`. Past ``MAX_SHOWN`` rows (columns) only the first ``HEAD`` and last
    ``TAIL`` are shown, the rest as one row of ``\vdots`` (one column of ``\cdots``, and
    ``\ddots`` where both meet), and the shape is written below the bracket.

    >>> print(matrix(np.array([1.0, -2.0])))
    \begin{bmatrix*}[r] \num{1} \\ \num{-2} \end{bmatrix*}
    >>> tex = matrix(np.arange(10.0))
    >>> tex.count(r"\num"), r"\num{2} \\ \vdots \\ \num{8}" in tex, tex.endswith("_{10}")
    (5, True, True)
    >>> print(matrix(np.arange(10.0)[None, :]))  # doctest: +NORMALIZE_WHITESPACE
    \begin{bmatrix*}[r] \num{0} & \num{1} & \num{2} & \cdots & \num{8} & \num{9}
    \end{bmatrix*}_{1 \times 10}
    >>> r"\ddots" in matrix(np.zeros((9, 9)))
    True
    """
    arr = np.asarray(values, dtype=float)
    vector = arr.ndim == 1
    if vector:
        arr = arr[:, None]
    if places is None:
        places = places_needed(arr, decimals)
    rows, cols = arr.shape
    shown_cols = _elided(list(range(cols)), cols, None)
    cells = []
    for r in _elided(list(range(rows)), rows, None):
        if r is None:
            cells.append([r"\ddots" if c is None else r"\vdots" for c in shown_cols])
        else:
            cells.append(
                [
                    r"\cdots" if c is None else str(num(arr[r, c], decimals, places, fixed=fixed))
                    for c in shown_cols
                ]
            )
    body = r" \\ ".join(" & ".join(row) for row in cells)
    tex = r"\begin{bmatrix*}[r] " + body + r" \end{bmatrix*}"
    if rows > MAX_SHOWN or cols > MAX_SHOWN:
        tex += f"_{{{rows}}}" if vector else f"_{{{rows} \\times {cols}}}"
    return NoEscape(tex)


def row_vector(values: np.ndarray, decimals: int) -> NoEscape:
    r"""A vector written inline as the homework does, ``[0, 2]^\top``.

    >>> print(row_vector(np.array([0.0, 2.0]), 4))
    [\num{0}, \num{2}]^\top
    """
    places = places_needed(values, decimals)
    return NoEscape("[" + ", ".join(num(v, decimals, places) for v in values) + r"]^\top")


def sci(value: float, digits: int = 1) -> NoEscape:
    r"""A measured error size, always in scientific form (zero as 0): 1.5 × 10⁻¹⁵.

    >>> print(sci(1.5372e-15), sci(0.0), sci(2.5e-9, 2))
    \num[parse-numbers=true]{1.5e-15} \num{0} \num[parse-numbers=true]{2.50e-9}
    >>> print(sci(float("inf")))
    \infty
    """
    if value == 0:
        return siunitx("0")
    if not math.isfinite(value):  # a check that found a value not finite
        return NoEscape(r"\infty")
    mantissa, exponent = f"{value:.{digits}e}".split("e")
    return siunitx(f"{mantissa}e{int(exponent)}")
