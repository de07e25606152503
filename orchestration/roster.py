"""A class's members: numbered variants, or one variant per student of a roster CSV.

A member is named by what its files are called: ``variant-007`` (``handouts/variant-007.pdf``,
``variants/variant-007/``), or a student's id. Its instance is drawn from the class's seed
and its key: the variant's number, or the student's id (solver.draw.draw_variant), so it
depends on nothing else: variants 5..8 are the same built alone, and a student added to a
roster later changes nobody else's numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from report.scripts import settable
from solver.errors import InputError
from solver.limits import MAX_MEMBERS
from solver.reading import printable, read_text, shorten
from solver.schema import MAX_TEXT

# An id becomes a file and a folder name on every system a class is copied to: plain
# letters, digits, '.', '_', '-'; not ending in '.', not a name Windows reserves, and two
# ids differing only in case would be one folder on macOS and Windows.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}(?<!\.)", re.ASCII)
_RESERVED = re.compile(r"(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?", re.IGNORECASE)


class RosterError(InputError):
    """The roster is missing or malformed."""


@dataclass(frozen=True)
class Member:
    name: str  # its handout's and folder's name
    key: int | str  # what its instance is drawn from, with the seed
    student: str = ""  # from the roster: printed on the handout's first page
    student_id: str = ""


def numbered(count: int) -> list[Member]:
    """Variants 1..count, named with as many digits as the largest needs (at least 3).

    >>> [m.name for m in numbered(2)], numbered(1000)[6].name
    (['variant-001', 'variant-002'], 'variant-0007')
    """
    width = max(3, len(str(count)))
    return [Member(f"variant-{k:0{width}d}", k) for k in range(1, count + 1)]


def read_roster(path: Path) -> list[Member]:
    """One member per row of a CSV with a header holding ``id`` and ``name`` (other columns
    are ignored): named by the id.

    Raises:
        RosterError: the file cannot be read, has no id or name column, or a row has an
            id unsafe as a file name, a repeated id, or a name the PDF cannot print.
    """
    text = read_text(path, "a roster CSV file", RosterError)
    try:
        return _members(path, csv.reader(io.StringIO(text)))
    except csv.Error as err:
        raise RosterError(f"{path}: not CSV: {err}") from None


def _members(path: Path, rows: Iterator[list[str]]) -> list[Member]:
    header = [cell.strip().lower() for cell in next(rows, [])]
    for column in ("id", "name"):
        if column not in header:
            found = ", ".join(printable(shorten(c)) for c in header[:8]) or "nothing"
            raise RosterError(
                f"{path}: expected a header row with the column {column}, got {found}"
            )
    at = {column: header.index(column) for column in ("id", "name")}
    members: list[Member] = []
    rows_of: dict[str, int] = {}
    for line, row in enumerate(rows, 2):
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        cells = {c: row[i].strip() if i < len(row) else "" for c, i in at.items()}
        where = f"{path}: row {line}"
        student_id, name = cells["id"], cells["name"]
        if not SAFE_NAME.fullmatch(student_id) or _RESERVED.fullmatch(student_id):
            raise RosterError(
                f"{where}: id '{printable(shorten(student_id))}' cannot name a file: use 1-64 "
                "letters, digits, '.', '_' or '-', from a letter or digit to one that is no "
                "'.' (and no name Windows reserves, such as CON or NUL)"
            )
        if student_id.lower() in rows_of:
            raise RosterError(
                f"{where}: id {student_id} repeats row {rows_of[student_id.lower()]} "
                "(ids are told apart regardless of case)"
            )
        bad = next((c for c in name if not settable(c)), None)
        if bad is not None:
            raise RosterError(
                f"{where}: name '{printable(shorten(name))}': the character U+{ord(bad):04X} "
                "cannot be printed"
            )
        if not 1 <= len(name) <= MAX_TEXT:
            raise RosterError(f"{where}: name: expected 1-{MAX_TEXT} characters, got {len(name)}")
        rows_of[student_id.lower()] = line
        members.append(Member(student_id, student_id, student=name, student_id=student_id))
        if len(members) > MAX_MEMBERS:
            raise RosterError(f"{path}: more than {MAX_MEMBERS} students")
    if not members:
        raise RosterError(f"{path}: no student in the roster")
    return members


def shard_range(shard: int, shards: int, size: int) -> tuple[int, int] | None:
    """Members ``A..B`` of the ``shard``-th of ``shards`` near-equal ranges of a class of
    ``size`` (the first ``size % shards`` one longer), so that an array job's task needs no
    arithmetic and no clamping; None when there are more shards than members and this one
    is empty.

    >>> [shard_range(k, 3, 10) for k in (1, 2, 3)]
    [(1, 4), (5, 7), (8, 10)]
    >>> shard_range(3, 3, 2), shard_range(1, 1, 5)
    (None, (1, 5))
    """
    length, longer = divmod(size, shards)
    first = (shard - 1) * length + min(shard - 1, longer) + 1
    last = first + length + (shard <= longer) - 1
    return (first, last) if first <= last else None


def select(members: list[Member], only: tuple[int, int] | None) -> list[Member]:
    """Members ``A..B`` (1-based, both included: variant numbers or roster rows in order)."""
    if only is None:
        return members
    first, last = only
    if last > len(members):
        raise InputError(f"--only {first}-{last}: the class has {len(members)} members")
    return members[first - 1 : last]
