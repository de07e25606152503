"""The class report a teacher looks at after grading: one page, the score histogram and, per
part (the loss, each gradient or parameter asked), the share of the class that got it right,
the part the class struggled with most named under it, and how many students made each
known mistake (report.diagnosis).

Computed from the verdicts ``grade`` gave (orchestration.gradebook): one mapping a student
who responded, column to right or not, in the answer key's order. A student who did not
respond scores 0 in grades.csv but is left out here (counted in the text), so that the page
shows what those who answered could do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import zip_longest

from pylatex.utils import NoEscape

from report.question import by_part, part_tex
from report.settings import DEFAULT_INFO, ReportInfo

BINS = 10  # the histogram's bars: 0-10 %, …, 90-100 % (a perfect score in the last)
ONE_CHART = 20  # parts a chart of the page holds readably; more are set in two


@dataclass(frozen=True)
class PartShare:
    """How the students asked a part did: ``whole`` of ``students`` got every entry of it
    right, and ``entries`` of ``asked`` entries were right in all."""

    part: str
    students: int
    whole: int
    asked: int
    entries: int

    @property
    def whole_share(self) -> float:
        return self.whole / self.students

    @property
    def entry_share(self) -> float:
        return self.entries / self.asked


def part_shares(marks: Sequence[Mapping[str, bool]]) -> list[PartShare]:
    """Per part, in the key's order, how the students asked it did (variants are asked
    different entries: a part counts the students asked at least one entry of it).

    >>> [(s.part, s.whole, s.students, s.entries, s.asked) for s in part_shares([
    ...     {"loss": True, "W1_1_1": True, "W1_1_2": False},
    ...     {"loss": False, "W1_1_2": True}])]
    [('loss', 1, 2, 1, 2), ('W1', 1, 2, 2, 3)]
    """
    tallies: dict[str, list[int]] = {}  # part: [students, whole, asked, entries]
    for verdicts in marks:
        for part, oks in by_part(verdicts).items():
            tally = tallies.setdefault(part, [0, 0, 0, 0])
            tally[0] += 1
            tally[1] += all(oks)
            tally[2] += len(oks)
            tally[3] += sum(oks)
    return [PartShare(part, *tally) for part, tally in tallies.items()]


def histogram(scores: Sequence[float], bins: int = BINS) -> list[int]:
    """How many scores fall in each of ``bins`` equal ranges of [0, 1] (1 in the last).

    >>> histogram([0.0, 0.05, 0.1, 0.95, 1.0], bins=10)
    [2, 1, 0, 0, 0, 0, 0, 0, 0, 2]
    """
    counts = [0] * bins
    for score in scores:
        counts[min(bins - 1, int(score * bins + 1e-9))] += 1
    return counts


MISTAKES_SHOWN = 6  # the most frequent mistakes named (three rows of two); past them, a count


def mistake_counts(mistakes: Sequence[Sequence[str]]) -> list[tuple[str, int]]:
    """How many students made each mistake, the most frequent first (then the catalogue's
    order, as the ids first appear); "a|b" (either of two) counts as its own.

    >>> mistake_counts([["ascent"], ["ascent", "arithmetic-slip"], []])
    [('ascent', 2), ('arithmetic-slip', 1)]
    """
    counts: dict[str, int] = {}
    for ids in mistakes:
        for one in dict.fromkeys(ids):
            counts[one] = counts.get(one, 0) + 1
    return sorted(counts.items(), key=lambda item: -item[1])


def _percent(share: float) -> str:
    return f"{100 * share:.0f}"


def class_report_context(
    marks: Sequence[Mapping[str, bool]],
    members: int,
    heading: Mapping[str, object],
    *,
    batch: bool = False,
    info: ReportInfo = DEFAULT_INFO,
    mistakes: Sequence[Sequence[str]] = (),
) -> dict:
    """What class_report.tex.j2 shows: ``marks`` are the verdicts of the students who
    responded, of a class of ``members`` (``heading``: its config and seed); ``batch`` names
    the forward values as a batch's matrices; ``info`` is the class's [report];
    ``mistakes`` the mistakes each student's answers show."""
    counts = mistake_counts(mistakes)
    shown = [{"ids": one.split("|"), "students": n} for one, n in counts[:MISTAKES_SHOWN]]
    scores = sorted(sum(v.values()) / len(v) for v in marks)
    shares = part_shares(marks)
    hardest = min(shares, key=lambda s: (s.whole_share, s.entry_share))
    middle = len(scores) // 2
    median = scores[middle] if len(scores) % 2 else (scores[middle - 1] + scores[middle]) / 2
    parts = [
        {
            "tex": NoEscape(part_tex(s.part, batch, info.question.step)),
            "whole": _percent(s.whole_share),
            "entries": _percent(s.entry_share),
            "students": s.students,
            "hardest": s is hardest,
        }
        for s in shares
    ]
    half = -(-len(parts) // 2)
    columns = [parts] if len(parts) <= ONE_CHART else [parts[:half], parts[half:]]
    bins = histogram(scores)
    height = 6.5 if len(columns[0]) <= 8 else 3.4 if counts else 4.5  # cm
    # at most 6 ticks of whole students (3 on a low chart), room above for a label
    step = -(-max(bins) // (6 if height > 4 else 3))
    title = f"Class report: {info.course}"
    return {
        "report": {"title": title, "author": info.author, "date": info.date},
        "pdf_title": title,
        "paper": f"{info.paper}paper",
        "course": info.course,
        "responded": len(marks),
        "members": members,
        "median": _percent(median),
        "mean": _percent(sum(scores) / len(scores)),
        "perfect": sum(score == 1 for score in scores),
        "bins": bins,
        "ystep": step,
        "ytop": step * (-(-max(bins) // step) + 1),
        "width": 100 // BINS,
        # a part's row in the chart, in cm, so that the page holds it under the histogram:
        # one chart up to 20 parts, two side by side past that (31 at most: 4 hidden layers,
        # every quantity asked)
        # (8 cm of them beside a table of mistakes, under a lower histogram)
        "slot": round(min(0.9, (8.0 if counts else 8.5) / len(columns[0])), 3),
        "histogram": height,
        "parts": parts,
        "columns": columns,
        "hardest": {
            "tex": NoEscape(part_tex(hardest.part, batch, info.question.step)),
            "whole": hardest.whole,
            "students": hardest.students,
            "entries": _percent(hardest.entry_share),
        },
        "decimals": info.decimals,
        "mistakes": shown,
        # in two columns, read down: the most frequent first
        "mistake_rows": list(
            zip_longest(shown[: -(-len(shown) // 2)], shown[-(-len(shown) // 2) :])
        ),
        "more_mistakes": len(counts[MISTAKES_SHOWN:]),
        **heading,
    }
