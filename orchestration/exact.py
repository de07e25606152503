"""The exact values Problem 2 shows, and their agreement with float64: SymPy's work, kept
and checked.

SymPy's import and the exact forms take about half a second, as long as TeX's whole
preamble; only an exact-able instance (solver.exactness, decided without SymPy) needs them.
With ``keep``, what SymPy found (each exact quantity as a 30-digit decimal, and the short
forms' LaTeX) is kept in the user's cache folder (``hw3-solution/exact``, see
report.cache_folder) under a digest of the instance's numbers and of the project's code, so
that the next build of the same instance imports no SymPy at all.

A kept record is checked, never obeyed: its decimals must fit the solution's quantities
and agree with this build's float64 values (the agreement the appendix shows is measured
again at every build, from them); each form must be in report.exact_latex's grammar and
have the value kept beside it; labels and decimals are this build's. A record that fails
any of this is a miss (computed again and written anew); a cache that cannot be written is
no error.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
from pathlib import Path

import mpmath

from orchestration.cache import code_digest
from report.cache_folder import prune, read_entry, trusted_folder
from report.exact_latex import PARTS, Forms, exact_rows, value_of
from report.whole_file import write_whole
from solver.exactness import PRECISION, decimal_agreement, exactable
from solver.solution import Solution
from solver.verification import EXACT_TOLERANCE

KEEP = 200  # records kept (a few kilobytes each); writing another removes the oldest
RECORD_LIMIT = 1 << 20  # bytes of a record (MAX_WEIGHTS entries at 30 digits: ~10 kB)
Shown = tuple[dict | None, float | None]  # (rows of exact forms, agreement with float64)
Found = tuple[Forms, dict[str, list[str]]] | None  # (short forms, decimals); None: no values
MISS = object()  # no usable record: compute


def exact_shown(solution: Solution, *, decimals: int = 4, keep: bool = False) -> Shown:
    """The rows of exact forms Problem 2 shows, their decimals float64's rounded to
    ``decimals`` (None when no form is short), and the largest relative difference of the
    exact values from float64 (None: the instance has no exact values); with ``keep``, what
    SymPy found is read from and kept in the cache."""
    if not exactable(solution.problem):
        return None, None
    fnum = _fnum(decimals)
    path = _record(solution) if keep else None
    kept = _read(path) if path else MISS
    if kept is not MISS:
        shown = _shown(kept, solution, fnum, fresh=False)
        if shown is not None:
            return shown
    found = _find(solution)
    if path:
        _write(path, found)
    shown = _shown(found, solution, fnum, fresh=True)
    assert shown is not None  # fresh values are shown whatever their agreement
    return shown


def _fnum(decimals: int):
    from report.format import num

    return functools.partial(num, decimals=decimals)


def _find(solution: Solution) -> Found:
    """SymPy's work: the short forms and every exact quantity's decimals (None: none)."""
    from report.exact_forms import short_forms
    from solver.exact_values import exact_decimals, exact_values

    exact = exact_values(solution.problem)
    if exact is None:
        return None
    return short_forms(exact), exact_decimals(exact)


def _shown(found: Found, solution: Solution, fnum, *, fresh: bool) -> Shown | None:
    """The rows and the agreement of what was found; None when kept values (not ``fresh``)
    do not fit this solution, disagree with float64 or with their forms. Of fresh
    values, a form the grammar does not read is left out (never seen: tests/test_exact.py)."""
    if found is None:
        return None, None
    forms, values = found
    try:
        agreement = decimal_agreement(values, solution)
        readable = _readable(forms, values)
    except (ValueError, TypeError, KeyError):
        if fresh:
            raise
        return None
    if not fresh and (readable != forms or not agreement < EXACT_TOLERANCE):
        return None
    rows = exact_rows(readable, solution, fnum)
    return (rows if any(rows.values()) else None), agreement


def _readable(forms: Forms, values: dict[str, list[str]]) -> Forms:
    """The forms that are in the grammar and have the value kept for their place. TypeError,
    KeyError or ValueError when ``forms`` does not have the shape written."""
    if not isinstance(forms, dict) or set(forms) != set(PARTS):
        raise ValueError("forms of other parts")
    out: Forms = {part: [] for part in PARTS}
    with mpmath.workdps(PRECISION + 10):
        for part, names in PARTS.items():
            for name, index, latex in forms[part]:
                if name not in names or not isinstance(latex, str):
                    raise ValueError("a form of another quantity")
                if not isinstance(index, int) or not 0 <= index < len(values[name]):
                    raise ValueError("a form of another entry")
                exact = mpmath.mpf(values[name][index])
                with contextlib.suppress(ValueError):
                    value = value_of(latex)
                    if abs(value - exact) <= 10 ** (5 - PRECISION) * max(abs(exact), 1):
                        out[part].append((name, index, latex))
    return out


def _record(solution: Solution) -> Path | None:
    folder = trusted_folder("exact")
    if folder is None:
        return None
    problem = solution.problem
    arrays = [problem.x, problem.y, *problem.params.as_dict().values()]
    numbers = [a.tolist() for a in arrays]  # floats as repr: every bit counts
    scalars = [problem.epsilon, problem.learning_rate]
    text = json.dumps([_code(), numbers, scalars])
    return folder / f"{hashlib.sha256(text.encode()).hexdigest()[:32]}.json"


@functools.cache
def _code() -> str:
    return code_digest()


def _read(path: Path) -> Found | object:
    """The kept forms and decimals (None: the instance has none), or MISS when there is no
    record or it is not JSON of the shape written (a finer check is :func:`_shown`'s)."""
    try:
        kept = json.loads(read_entry(path, RECORD_LIMIT))
        forms, values = kept["forms"], kept["decimals"]
    except (OSError, ValueError, KeyError, TypeError):
        return MISS
    if forms is None and values is None:
        return None
    if not isinstance(forms, dict) or not isinstance(values, dict):
        return MISS
    try:
        return {p: [tuple(row) for row in rows] for p, rows in forms.items()}, values
    except TypeError:
        return MISS


def _write(path: Path, found: Found) -> None:
    forms, values = found if found is not None else (None, None)
    with contextlib.suppress(OSError, ValueError):
        write_whole(path, json.dumps({"forms": forms, "decimals": values}).encode())
        prune(path.parent, "json", KEEP)
