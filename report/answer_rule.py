r"""The one rule every grader applies: an answer is right when it rounds to the printed key.

The answer key prints each answer rounded to the report's ``decimals`` d (``2.6270`` for
2.62704…). A typed number is right when it lies within half a unit of the d-th place of a
printed value p, that is when it rounds to p:

    p − t <= given <= p + t,   t = ½·10⁻ᵈ + 10⁻¹⁴·max(1, |p|)

The second term is Moodle's own slack for float error (question/type/numerical/question.php,
``get_tolerance_interval``, nominal: ``pow(10, -precision) * max(1, abs(answer))`` with PHP's
precision 14): with it, the interval here is, float for float, the one Moodle computes for a
NUMERICAL answer p with tolerance ½·10⁻ᵈ, so that ``check``, ``grade`` and a Moodle quiz give
every typed number the same verdict. Canvas compares strings, not numbers: a blank accepts
:func:`accepted_strings`, the d-place numbers this rule accepts (and their shorter forms,
trailing zeros dropped, and a zero's minus-signed forms), which are the ones a student who
rounds to d places types; a response typed with more places than asked is right in Moodle
and ``grade`` when it rounds to p, and wrong in Canvas, which says as much to the student
(the question asks for d places).

A value exactly halfway between two roundings (as its shortest repr reads, ``0.125`` at 2
places) prints either way, and both are right.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal

# Enough digits for any float at 12 decimals, so that quantize() never overflows its context.
_DIGITS = Context(prec=400)
# Moodle's slack: 10 ** -ini_get('precision'), PHP's default precision being 14.
MOODLE_SLACK = 1e-14


def half_unit(decimals: int) -> float:
    """Half a unit of the last printed place: the tolerance each printed value carries.

    >>> half_unit(4), half_unit(0)
    (5e-05, 0.5)
    """
    return 0.5 * 10.0**-decimals


def printed(value: float, decimals: int) -> list[str]:
    """The value rounded to ``decimals`` places, as the key prints it: one string, or two
    for a value halfway between two roundings (the float's own rounding, then a
    calculator's half-up); a number that rounds to zero carries no minus sign.

    >>> printed(-1.8930775857544484, 4), printed(0.125, 2), printed(-0.00004, 4)
    (['-1.8931'], ['0.12', '0.13'], ['0.0000'])
    """
    half_up = Decimal(repr(value)).quantize(
        Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP, context=_DIGITS
    )
    own = f"{value:.{decimals}f}"
    roundings = [own.lstrip("-") if float(own) == 0 else own]
    other = format(half_up.copy_abs() if half_up == 0 else half_up, "f")
    return roundings + ([other] if other != roundings[0] else [])


def interval(centre: float, decimals: int) -> tuple[float, float]:
    """The numbers right for the printed value ``centre``, computed as Moodle computes them."""
    tolerance = half_unit(decimals) + MOODLE_SLACK * max(1.0, abs(centre))
    return centre - tolerance, centre + tolerance


def accepts(given: float, value: float, decimals: int) -> bool:
    """Whether ``given`` is right for the answer ``value`` printed at ``decimals`` places.

    >>> accepts(2.63, 2.62704, 2), accepts(2.627, 2.62704, 2), accepts(2.62, 2.62704, 2)
    (True, True, False)
    >>> accepts(-0.0, -3.5e-05, 4), accepts(0.0001, -3.5e-05, 4), accepts(0.13, 0.125, 2)
    (True, False, True)
    """
    if not math.isfinite(given):
        return False
    for text in printed(value, decimals):
        low, high = interval(float(text), decimals)
        if low <= given <= high:
            return True
    return False


def _trailing_zeros_dropped(text: str) -> list[str]:
    """``text`` and each shorter form with a trailing zero (then a bare point) dropped."""
    forms = [text]
    while "." in text and text.endswith("0"):
        text = text[:-1].removesuffix(".")
        forms.append(text)
    return forms


def accepted_strings(value: float, decimals: int) -> list[str]:
    """Every string of a number with ``decimals`` places that :func:`accepts` takes for
    ``value``, and its shorter forms (trailing zeros dropped); on a zero, its minus-signed
    forms too (``-0.0000``, which a calculator shows for -3.5e-05). The printed value first.

    >>> accepted_strings(-1.8930775857544484, 4), accepted_strings(2.5, 1)
    (['-1.8931'], ['2.5'])
    >>> accepted_strings(-0.00004, 2)
    ['0.00', '0.0', '0', '-0.00', '-0.0', '-0']
    >>> accepted_strings(0.125, 2)
    ['0.12', '0.13']
    """
    unit = Decimal(1).scaleb(-decimals)
    grid: list[Decimal] = []
    for text in printed(value, decimals):
        centre = Decimal(text)
        low, high = interval(float(text), decimals)
        # Moodle's slack reaches past a neighbour only for large values at many places.
        reach = math.ceil(MOODLE_SLACK * max(1.0, abs(float(text))) / float(unit)) + 1
        for step in range(-reach, reach + 1):
            number = centre + step * unit
            if number not in grid and low <= float(number) <= high:
                grid.append(number)
    grid.sort(key=lambda n: (n != Decimal(printed(value, decimals)[0]), n))
    forms: list[str] = []
    for number in grid:
        text = format(number.copy_abs() if number == 0 else number, "f")
        signed = ["-" + text] if number == 0 else []
        for shape in [text, *signed]:
            forms += [f for f in _trailing_zeros_dropped(shape) if f not in forms]
    return forms
