"""Grading a class: every student's responses against their own variant, into grades.csv.

``responses.csv`` is what a form or an LMS export gives: an ``id`` (or ``variant``) column
naming the member (``id`` is used when both are there), and columns named as answer-
key.csv's (``loss``, ``W1_1_1``, …; a graph exercise's ``f``, ``df_dx``, …). Each entry is
checked with the checker's rule: right when it rounds to the value the key prints
(report.answer_rule, Moodle's and Canvas's rule too); a blank or absent entry, or one that
is not a number (read_answer says what is), counts as wrong. ``grades.csv`` has one row per
student: id, name, variant, score (the fraction of entries ok), the known mistakes the
answers show (report.diagnosis: ids separated by ``;``, empty when none) and, per part, the
entries ok. A response naming no member of the class, or repeating one, is reported and
left out; every member of a roster has a row, with score 0 when they did not respond (and
an empty score when their variant is not built).
"""

from __future__ import annotations

import collections
import csv
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from orchestration.class_record import (
    CLASS,
    HANDOUTS,
    VARIANTS,
    UnfitVariant,
    Variant,
    read_class,
    read_variant,
    require_current_key,
)
from orchestration.publish import OutputError, replace_file
from report.answer_key import key_columns
from report.answer_rule import accepts
from report.diagnosis import diagnose, mistake_ids
from report.question import by_part
from report.results import mistaken_answers
from report.settings import ReportInfo
from report.spreadsheet import text_cell
from solver.errors import InputError
from solver.reading import count, printable, read_text, shorten

MAX_NOTES = 20  # lines about left-out responses; past them, a count
# Rows a responses file may hold: an LMS's export lists every attempt (a quiz allowing
# many), so a few per member, and some slack; past this it is not this class's file.
ATTEMPTS = 20
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)


class ResponsesError(InputError):
    """The responses file, or the class it is graded against, is missing or malformed."""


@dataclass(frozen=True)
class Graded:
    """What the class report shows: how the students who responded did."""

    marks: list[dict[str, bool]]  # each one's verdicts, column: right or not
    members: int  # the class's size
    heading: dict  # the class's config and seed
    info: ReportInfo  # the class's [report] and [question]
    batch: bool  # whether its forward values are a batch's matrices
    mistakes: list[list[str]]  # each one's mistakes (report.diagnosis), as grades.csv's


@dataclass(frozen=True)
class Grades:
    csv: str  # grades.csv's text
    notes: list[str]  # responses left out and variants missing, one line each
    graded: Graded | None  # None: no student who responded has a variant built


# Minus signs a student may paste from the PDF or type on another keyboard layout.
_MINUS = str.maketrans({"\u2212": "-", "\ufe63": "-", "\uff0d": "-"})


def read_answer(text: str | None) -> float | None:
    """A typed answer as a number: a plain decimal, with a decimal comma where it has no
    point (``1,5932``, as a German or French keyboard types it) and any minus sign (``−``
    pasted from the PDF); None when it is blank or not a number.

    >>> read_answer("1,5932"), read_answer("\u22120.25"), read_answer("-1e-3"), read_answer("")
    (1.5932, -0.25, -0.001, None)
    >>> read_answer("1.2.3"), read_answer("1,234.5"), read_answer("=1+1")
    (None, None, None)
    """
    if not text:
        return None
    text = text.translate(_MINUS)
    if "," in text and "." not in text and text.count(",") == 1:
        text = text.replace(",", ".")
    return float(text) if _DECIMAL.fullmatch(text) else None


def _ok(value: float | None, expected: float, decimals: int) -> bool:
    if value is None:
        return False  # blank, or not a number: wrong, as a missing entry is
    return accepts(value, expected, decimals)


def _header(responses: Path, rows: Iterator[list[str]]) -> tuple[list[str], str]:
    """The columns (an id or variant column among them) and which of the two names rows."""
    header = [cell.strip() for cell in next(rows, [])]
    lowered = [cell.lower() for cell in header]
    by = next((c for c in ("id", "variant") if c in lowered), None)
    if by is None:
        found = ", ".join(printable(shorten(c)) for c in header[:8]) or "nothing"
        raise ResponsesError(
            f"{responses}: expected a header with an id or variant column, got {found}"
        )
    counts = collections.Counter(header)  # (header.count per column took minutes on a wide file)
    repeated = next((c for c in header if c and counts[c] > 1), None)
    if repeated is not None:
        raise ResponsesError(f"{responses}: the column {printable(shorten(repeated))} repeats")
    header[lowered.index(by)] = by
    return header, by


@dataclass(frozen=True)
class Attempt:
    """One response row, read: its line in the file, each asked entry as a number (None:
    blank or unreadable), right or not, and the entries typed that are not numbers."""

    line: int
    numbers: dict[str, float | None]
    verdicts: dict[str, bool]
    unreadable: list[tuple[str, str]]


def _attempt(line: int, cells: dict[str, str], expected: dict[str, float], decimals: int):
    numbers, verdicts, unreadable = {}, {}, []
    for column, value in expected.items():
        typed = cells.get(column, "")
        number = read_answer(typed)
        if typed and number is None:
            unreadable.append((column, typed))
        numbers[column] = number
        verdicts[column] = _ok(number, value, decimals)
    return Attempt(line, numbers, verdicts, unreadable)


def _confirmed(variant: Variant, named: set[str]) -> bool:
    """Whether the mistakes a diagnosis names give the values the variant's results.json says
    (read_variant read its "mistakes" unchecked: checking the few named is cheap)."""
    if not named:
        return True
    stored = variant.results["mistakes"]
    computed = mistaken_answers(variant.problem, variant.results, only=named)
    return all(computed.get(candidate) == stored[candidate] for candidate in named)


def _chosen(scored: list[Attempt], attempt: str) -> Attempt:
    """The attempt graded: the first, the last, or the best (the first of the best)."""
    if attempt == "first":
        return scored[0]
    if attempt == "last":
        return scored[-1]
    return max(scored, key=lambda item: sum(item.verdicts.values()))


def grade_class(
    out: Path,
    responses: Path,
    *,
    attempt: str = "best",
) -> Grades:
    """Grade every response in ``responses`` against its variant in the class folder ``out``.
    A member who answered more than once (an LMS's export lists every attempt) is graded on
    their ``attempt``: "first", "last" or "best" (the default, as Moodle's quiz grades by
    the highest attempt: another try never lowers a grade).

    Raises:
        ResponsesError: the responses are not CSV with an id or variant column and answer
            columns, name no member of the class, or the class folder holds no class.
    """
    try:
        described, members = read_class(out)
        require_current_key(out, described)
    except InputError as err:
        raise ResponsesError(str(err)) from None
    text = read_text(responses, "a responses CSV file", ResponsesError)
    rows = csv.reader(io.StringIO(text))
    try:
        header, by = _header(responses, rows)
        # Ids match whatever their case: a roster refuses two that differ only in it.
        named = {
            (m.student_id if by == "id" and m.student_id else m.name).casefold(): m for m in members
        }
        answered: dict[str, list[tuple[int, dict[str, str]]]] = {}  # every attempt, in order
        left_out = []
        max_rows = ATTEMPTS * len(members) + 100 + 1  # a header, then the responses
        for line, row in enumerate(rows, 2):
            cells = dict(zip(header, (cell.strip() for cell in row), strict=False))
            typed = cells.get(by, "")
            who = typed.casefold()
            if not any(cells.values()):
                continue
            where = f"{responses}: row {line}"
            if line > max_rows:
                raise ResponsesError(
                    f"{responses}: more than {max_rows - 1} rows for a class of "
                    f"{count(len(members), 'member')} ({ATTEMPTS} attempts each at most)"
                )
            if who not in named:
                left_out.append(
                    f"{where}: no member of the class has {by} '{printable(shorten(typed))}'"
                )
            else:
                answered.setdefault(who, []).append((line, cells))
    except csv.Error as err:
        raise ResponsesError(f"{responses}: not CSV: {err}") from None
    if not answered:
        raise ResponsesError(f"{responses}: no response names a member of the class by its {by}")
    notes = left_out[:MAX_NOTES]
    if len(left_out) > MAX_NOTES:
        notes.append(f"{responses}: {len(left_out) - MAX_NOTES} more rows left out likewise")
    graded: list[dict] = []
    marks: list[dict[str, bool]] = []
    mistakes: list[list[str]] = []
    template = None  # a variant read: the class's [report], for its report
    checked_columns = False
    repeated, unread = 0, []
    for who in (w for w in named if w in answered or named[w].student):
        member = named[who]
        row = {
            "id": text_cell(member.student_id or ""),
            "name": text_cell(member.student or ""),
            "variant": member.name,
        }
        try:
            variant = read_variant(out, described, member, all_mistakes=False)
        except UnfitVariant as why:
            notes.append(f"{out}/: {member.name}: {why}: not graded")
            graded.append({**row, "score": ""})
            continue
        template, results = template or variant, variant.results
        expected = key_columns(results)
        if not checked_columns and not set(expected) & set(header):
            raise ResponsesError(
                f"{responses}: no answer column: expected columns named as answer-key.csv's "
                f"({', '.join(list(expected)[:2])}, …)"
            )
        checked_columns = True
        decimals = results["question"]["decimals"]
        scored = [
            _attempt(line, cells, expected, decimals)
            for line, cells in answered.get(who, [(0, {})])
        ]
        chosen = _chosen(scored, attempt)
        verdicts = chosen.verdicts
        if len(scored) > 1:
            repeated += 1
        for column, typed in chosen.unreadable[: MAX_NOTES - len(unread)]:
            unread.append(
                f"{responses}: row {chosen.line} ({member.name}), {column}: "
                f"'{printable(shorten(typed))}' is not a number: marked wrong"
            )
        row["score"] = f"{sum(verdicts.values()) / len(verdicts):.4f}"
        diagnoses = diagnose(chosen.numbers, expected, results.get("mistakes", {}), decimals)
        if not _confirmed(variant, {c for d in diagnoses for c in d.mistakes}):
            notes.append(
                f"{out}/: {member.name}: its results.json's mistakes are not its config's "
                "(edited since?): no mistake named"
            )
            diagnoses = []
        shown = mistake_ids(diagnoses)
        row["mistakes"] = ";".join(shown)
        if who in answered:
            marks.append(verdicts)
            mistakes.append(shown)
        for part, oks in by_part(verdicts).items():  # W1_2_3 counts for W1
            row[f"{part}_ok"] = f"{sum(oks)} of {len(oks)}"
        graded.append(row)
    if repeated:
        notes.append(
            f"{responses}: {count(repeated, 'member')} answered more than once: graded each "
            f"one's {attempt} attempt (--attempt)"
        )
    notes += unread
    columns = max((list(row) for row in graded), key=len)
    table = io.StringIO()
    writer = csv.DictWriter(table, fieldnames=columns, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(graded)
    summary = None
    if marks and template is not None:
        heading = {"config": described["config"], "seed": described["seed"]}
        batch = getattr(template.problem, "batch", False)  # a graph exercise has none
        summary = Graded(marks, len(members), heading, template.info, batch, mistakes)
    return Grades(table.getvalue(), notes, summary)


def class_report_pdf(graded: Graded) -> bytes:
    """The class report's page (report.class_report), beside grades.csv.

    Raises:
        TexError: it could not be typeset.
    """
    from report.document import class_report_tex
    from report.tex import compile_pdf

    info, batch = graded.info, graded.batch
    tex = class_report_tex(
        graded.marks,
        graded.members,
        graded.heading,
        batch=batch,
        info=info,
        mistakes=graded.mistakes,
    )
    return compile_pdf(tex).pdf


def report_path(grades: Path) -> Path:
    """Where the class report of ``grades`` goes: beside it, named as it, ``.pdf``.

    >>> report_path(Path("out/grades.csv")), report_path(Path("grades"))
    (PosixPath('out/grades.pdf'), PosixPath('grades.pdf'))
    """
    return grades.with_suffix(".pdf")


def check_grades_path(path: Path, responses: Path, out: Path) -> None:
    """Refuse, before any work, a grades path that is no place for a new file (a folder, a
    device, the responses themselves, or a file of the class), or whose class report
    (:func:`report_path`) would go to such a place."""
    if path.name in ("", ".", ".."):
        raise OutputError(f"--out {path}: expected a file name for grades.csv")
    if report_path(path) == path:
        raise OutputError(
            f"--out {path}: the class report is written beside grades.csv as a .pdf: "
            "name the grades file .csv"
        )
    for target in (path, report_path(path)):
        _check_new_file(target, f"--out {path}", responses, out)


def _check_new_file(path: Path, flag: str, responses: Path, out: Path) -> None:
    target = path.resolve()
    if path.exists() and not path.is_file():
        raise OutputError(f"{flag}: {path} is a folder or a device, not a file")
    if not target.parent.is_dir() or not os.access(target.parent, os.W_OK | os.X_OK):
        raise OutputError(f"{flag}: cannot write in {target.parent}")
    if responses.exists() and target == responses.resolve():
        raise OutputError(f"{flag}: {path} is the responses file")
    inside = out.resolve()
    ours = [inside / name for name in (CLASS, VARIANTS, HANDOUTS)]
    if target.parent == inside and target.name.startswith(("answer-key", "moodle", "canvas")):
        ours.append(target)
    if any(target == p or p in target.parents for p in ours):
        raise OutputError(f"{flag}: {path} is one of the class's own files")


def write_grades(path: Path, content: str | bytes) -> None:
    """``path`` (through a symbolic link, its target) replaced by ``content`` at once: an
    existing grades file or class report is never half written."""
    replace_file(path, content.encode() if isinstance(content, str) else content)
