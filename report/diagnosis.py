"""Which known mistake explains a wrong answer: the diagnosis ``check`` and ``grade`` give.

results.json's "mistakes" holds, for each known mistake (solver.mistakes) and each pair of
them, the asked answers it gets wrong and the values it gives them (report.results). A part
of a response (the loss, ∇W1, W1′, …: report.question.part_of) that is wrong is *explained*
by a mistake when every answer of the part rounds to what the mistake gives it (the
grading rule, report.answer_rule), the mistake changing at least one of them: the answers
that are wrong are the mistake's, and the ones that are right are ones it leaves right. A
single mistake is named before any pair; several that give the same numbers are named
together ("either … or …"). A part none explains, with a single wrong answer among right
ones, is an arithmetic slip; otherwise no known mistake is named. A blank answer is never
explained: a part with one gets no diagnosis. :func:`checked_mistakes` reads the table as
strictly as a config.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from report.answer_rule import accepts
from report.question import part_of
from solver.mistakes import MISTAKES, SEPARATOR, parts_of
from solver.reading import Invalid, describe, key_text, printable, shorten

SLIP = "arithmetic-slip"
SLIP_SENTENCE = "One answer of this part is off while the others are right: an arithmetic slip."
EITHER = "|"  # in grades.csv, mistakes giving the same numbers: "ascent|error-sign-reversed"


@dataclass(frozen=True)
class Diagnosis:
    """What explains one wrong part: mistakes (each a mistake's id, or a pair's "a+b"), all
    giving the same numbers; or an arithmetic slip; or nothing known (both empty)."""

    part: str
    mistakes: tuple[str, ...] = ()
    slip: bool = False

    def ids(self) -> list[str]:
        """As grades.csv names them: ``["ascent"]``; a pair's two mistakes, both made;
        ``["ascent|error-sign-reversed"]`` for either of two; ``["arithmetic-slip"]``; none
        when nothing is known."""
        if self.slip:
            return [SLIP]
        if len(self.mistakes) == 1:
            return parts_of(self.mistakes[0])
        return [EITHER.join(self.mistakes)] if self.mistakes else []

    def words(self) -> str:
        """One line: the ids, then the sentences; "no known mistake" when nothing explains it.

        >>> print(Diagnosis("W1", ("ascent",)).words())
        ascent: You stepped up the gradient: gradient descent subtracts it, θ′ = θ − η·∂Loss/∂θ.
        """
        if self.slip:
            return f"{SLIP}: {SLIP_SENTENCE}"
        if not self.mistakes:
            return "no known mistake explains it"
        named = [" and ".join(parts_of(candidate)) for candidate in self.mistakes]
        ids = named[0] if len(named) == 1 else "either " + " or ".join(named)
        sentences = [
            " ".join(MISTAKES[one].sentence for one in parts_of(candidate))
            for candidate in self.mistakes
        ]
        return f"{ids}: " + " Or: ".join(sentences)


def checked_mistakes(data: dict, asked: frozenset[str]) -> dict[str, dict[str, float]] | None:
    """results.json's "mistakes" (report.results), checked: each a known mistake or a pair of
    them, giving finite numbers to answers the question asks."""
    if "mistakes" not in data:
        return None
    mistakes = data["mistakes"]
    if not isinstance(mistakes, dict):
        raise Invalid(f"expected a table, got {describe(mistakes)}", "mistakes")
    for candidate, values in mistakes.items():
        where = f"mistakes.{key_text(candidate)}"
        if not all(one in MISTAKES for one in parts_of(candidate)):
            raise Invalid("not a known mistake (solver.mistakes)", where)
        if not isinstance(values, dict):
            raise Invalid(f"expected a table, got {describe(values)}", where)
        for column, value in values.items():
            if column not in asked:
                raise Invalid(f"{printable(shorten(column))} is not asked", where)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise Invalid(f"expected a number, got {describe(value)}", where)
            if not math.isfinite(value):
                raise Invalid("expected finite numbers", where)
    return mistakes


def _explains(
    values: Mapping[str, float],
    typed: Mapping[str, float | None],
    right: Mapping[str, float],
    columns: list[str],
    decimals: int,
) -> bool:
    """Whether a mistake giving ``values`` (its wrong answers; the rest as ``right``) gives
    every answer of the part as typed, and changes one of them."""
    if not any(column in values for column in columns):
        return False
    for column in columns:
        given = typed.get(column)
        if given is None or not accepts(given, values.get(column, right[column]), decimals):
            return False
    return True


def diagnose(
    typed: Mapping[str, float | None],
    right: Mapping[str, float],
    mistakes: Mapping[str, Mapping[str, float]],
    decimals: int,
) -> list[Diagnosis]:
    """A diagnosis for each wrong part of a response, in the answers' order.

    ``typed`` is the response by column (None: blank), ``right`` the asked answers by column,
    ``mistakes`` results.json's "mistakes", ``decimals`` the places answers are printed at.
    """
    parts: dict[str, list[str]] = {}
    for column in right:
        parts.setdefault(part_of(column), []).append(column)
    found = []
    for part, columns in parts.items():
        wrong = [
            column
            for column in columns
            if typed.get(column) is None or not accepts(typed[column], right[column], decimals)
        ]
        if not wrong:
            continue
        first = wrong[0]  # a mistake explaining the part gives this answer: a quick sieve
        explaining = [
            candidate
            for candidate, values in mistakes.items()
            if first in values and _explains(values, typed, right, columns, decimals)
        ]
        singles = [candidate for candidate in explaining if SEPARATOR not in candidate]
        chosen = tuple(singles or explaining)
        slip = not chosen and len(columns) > 1 and len(wrong) == 1 and typed.get(first) is not None
        found.append(Diagnosis(part, chosen, slip))
    return found


def mistake_ids(diagnoses: list[Diagnosis]) -> list[str]:
    """The distinct mistakes a response shows, in order: grades.csv's "mistakes". An
    either-or whose one alternative another part names for certain is that one, said once.

    >>> mistake_ids([Diagnosis("loss", ("ascent",)), Diagnosis("W1", ("ascent", "log-base-10"))])
    ['ascent']
    """
    certain = {one for d in diagnoses if len(d.mistakes) == 1 for one in parts_of(d.mistakes[0])}
    shown = [
        d
        for d in diagnoses
        if len(d.mistakes) < 2 or not any(set(parts_of(c)) <= certain for c in d.mistakes)
    ]
    return list(dict.fromkeys(one for d in shown for one in d.ids()))
