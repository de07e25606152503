"""The exact values Problem 2 shows, and their agreement with float64: SymPy's work, kept.

SymPy's import and the exact forms take about half a second, as long as TeX's whole
preamble; only an exact-able instance (solver.exactness, decided without SymPy) needs them.
With ``keep``, the result (the rows of exact forms as LaTeX, and the agreement) is kept in
the user's cache folder (``hw3-solution/exact``, see report.cache_folder) under a
digest of the instance's numbers and of the project's code, so that the next build of the
same instance imports no SymPy at all. A record that cannot be read or does not have the
expected shape is computed again; a cache that cannot be written is no error.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
from pathlib import Path

from pylatex.utils import NoEscape

from orchestration.cache import code_digest
from report.cache_folder import cache_home, prune
from report.whole_file import write_whole
from solver.exactness import exactable
from solver.solution import Solution

KEEP = 200  # records kept (under a kilobyte each); writing another removes the oldest
Shown = tuple[dict | None, float | None]  # (rows of exact forms, agreement with float64)


def exact_shown(solution: Solution, *, decimals: int = 4, keep: bool = False) -> Shown:
    """The rows of exact forms Problem 2 shows, their decimals rounded to ``decimals``
    (report.exact_forms.exact_context; None when none is short) and their largest relative
    difference from float64 (None: the instance has no exact values); with ``keep``, read
    from and kept in the cache."""
    problem = solution.problem
    if not exactable(problem):
        return None, None
    path = _record(solution, decimals) if keep else None
    known = _read(path) if path else None
    if known is not None:
        return known
    shown = _compute(solution, decimals)
    if path:
        _write(path, shown)
    return shown


def _compute(solution: Solution, decimals: int) -> Shown:
    from report.exact_forms import exact_context
    from report.format import num
    from solver.exact_values import agreement, exact_values

    exact = exact_values(solution.problem)
    if exact is None:
        return None, None
    fnum = functools.partial(num, decimals=decimals)
    return exact_context(exact, solution, fnum), agreement(exact, solution)


def _record(solution: Solution, decimals: int) -> Path:
    problem = solution.problem
    arrays = [problem.x, problem.y, *problem.params.as_dict().values()]
    numbers = [a.tolist() for a in arrays]  # floats as repr: every bit counts
    scalars = [problem.epsilon, problem.learning_rate, decimals]
    text = json.dumps([_code(), numbers, scalars])
    return cache_home() / "exact" / f"{hashlib.sha256(text.encode()).hexdigest()[:32]}.json"


@functools.cache
def _code() -> str:
    return code_digest()


def _read(path: Path) -> Shown | None:
    """The kept result, or None when there is none or it is not as written."""
    try:
        kept = json.loads(path.read_text("utf-8"))
        rows, difference = kept["rows"], kept["agreement"]
        if not isinstance(difference, float | None):
            return None
        if rows is None:
            return None, difference
        return {
            part: [
                {k: NoEscape(str(row[k])) for k in ("label", "exact", "decimal")}
                for row in rows[part]
            ]
            for part in ("forward", "backward")
        }, difference
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write(path: Path, shown: Shown) -> None:
    rows, difference = shown
    with contextlib.suppress(OSError, ValueError):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_whole(path, json.dumps({"rows": rows, "agreement": difference}).encode())
        prune(path.parent, "*.json", KEEP)
