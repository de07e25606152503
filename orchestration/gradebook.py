"""Grading a class: every student's responses against their own variant, into grades.csv.

``responses.csv`` is what a form or an LMS export gives: an ``id`` (or ``variant``) column
naming the member, and columns named as answer-key.csv's (``loss``, ``W1_1_1``, …). Each
entry is checked with the checker's rule (|given − expected| <= atol + rtol·|expected|); a
blank, absent or unreadable entry counts as wrong. ``grades.csv`` has one row per student:
id, name, variant, score (the fraction of entries ok) and, per parameter, the entries ok.
A response naming no member of the class, or repeating one, is reported (one line each) and
left out; every member of a roster has a row, with score 0 when they did not respond.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path

from orchestration.classroom import VARIANTS, read_class
from orchestration.grading import ATOL, RTOL
from orchestration.roster import Member
from report.answer_key import key_columns
from solver.errors import InputError
from solver.reading import load_json, printable, read_text, shorten


class ResponsesError(InputError):
    """The responses file, or the class it is graded against, is missing or malformed."""


@dataclass(frozen=True)
class Grades:
    csv: str  # grades.csv's text
    notes: list[str]  # responses left out, one line each


def _parameter(column: str) -> str:
    """The parameter a key column belongs to: ``W1_2_3`` → ``W1``; ``loss`` → ``loss``."""
    return column.split("_", 1)[0]


def _expected(out: Path, member: Member) -> dict[str, float]:
    path = out / VARIANTS / member.name / "results.json"
    return key_columns(load_json(path, "a variant's results.json", ResponsesError))


def _ok(text: str | None, expected: float, rtol: float, atol: float) -> bool:
    try:
        given = float(text or "")
    except ValueError:
        return False  # blank, or not a number: wrong, as a missing entry is
    return abs(given - expected) <= atol + rtol * abs(expected)


def grade_class(out: Path, responses: Path, *, rtol: float = RTOL, atol: float = ATOL) -> Grades:
    """Grade every response in ``responses`` against its variant in the class folder ``out``.

    Raises:
        ResponsesError: the responses are not CSV with an id or variant column, or the
            class folder holds no class.
    """
    try:
        _, members = read_class(out)
    except InputError as err:
        raise ResponsesError(str(err)) from None
    text = read_text(responses, "a responses CSV file", ResponsesError)
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as err:
        raise ResponsesError(f"{responses}: not CSV: {err}") from None
    header = [cell.strip() for cell in rows[0]] if rows else []
    by = next((c for c in ("id", "variant") if c in header), None)
    if by is None:
        found = ", ".join(printable(shorten(c)) for c in header[:8]) or "nothing"
        raise ResponsesError(
            f"{responses}: expected a header with an id or variant column, got {found}"
        )
    named = {m.student_id if by == "id" and m.student_id else m.name: m for m in members}
    answered: dict[str, dict[str, str]] = {}
    first_row: dict[str, int] = {}
    notes = []
    for line, row in enumerate(rows[1:], 2):
        cells = dict(zip(header, (cell.strip() for cell in row), strict=False))
        who = cells.get(by, "")
        if not any(cells.values()):
            continue
        where = f"{responses}: row {line}"
        if who not in named:
            notes.append(f"{where}: no member of the class has {by} {printable(shorten(who))!r}")
        elif who in answered:
            notes.append(f"{where}: {by} {who} repeats row {first_row[who]}, which is graded")
        else:
            answered[who], first_row[who] = cells, line
    keys = {}
    for who in (w for w in named if w in answered or named[w].student):
        try:
            keys[who] = _expected(out, named[who])
        except ResponsesError:
            notes.append(f"{out}/: {named[who].name} has no results.json (not built?): not graded")
    columns = set(next(iter(keys.values()), {}))
    if answered and not columns & set(header):
        raise ResponsesError(
            f"{responses}: no answer column: expected columns named as answer-key.csv's "
            "(loss, W1_1_1, …)"
        )
    table = io.StringIO()
    writer = None
    for who, expected in keys.items():
        member = named[who]
        given = answered.get(who, {})
        verdicts = {c: _ok(given.get(c), value, rtol, atol) for c, value in expected.items()}
        per_parameter: dict[str, int] = {}
        for column, ok in verdicts.items():
            per_parameter[f"{_parameter(column)}_ok"] = (
                per_parameter.get(f"{_parameter(column)}_ok", 0) + ok
            )
        row = {
            "id": member.student_id,
            "name": member.student,
            "variant": member.name,
            "score": f"{sum(verdicts.values()) / len(verdicts):.4f}",
            **per_parameter,
        }
        if writer is None:
            writer = csv.DictWriter(table, fieldnames=list(row), lineterminator="\n")
            writer.writeheader()
        writer.writerow(row)
    return Grades(table.getvalue(), notes)


def write_grades(path: Path, text: str) -> None:
    """``path`` replaced by ``text`` at once: an existing grades file is never half written."""
    staged = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        staged.write_text(text)
        os.replace(staged, path)
    finally:
        staged.unlink(missing_ok=True)
