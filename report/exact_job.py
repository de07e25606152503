"""The exact values, computed beside the rest of a build in a forked process.

They need SymPy, whose import alone takes longer than the rest of a ``--no-pdf`` build. So a
build forks a worker for them first thing, before it loads numpy and Jinja itself, and
collects the worker's plain-data summary (solver.exact.ExactSummary) when the template
context is made. Where SymPy is loaded already (the tests, a variants worker after its
first variant) a fork would gain nothing and the work is done in place.

Only the standard library is imported here.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def _summary_of_solution(solution):
    from solver.exact import summarize

    return summarize(solution)


def _summary_of_config(config: Path):
    import dataclasses

    from solver.config import load_problem
    from solver.errors import HW3Error
    from solver.network import solve

    try:  # only the first step is shown exactly: skip any longer run
        problem = dataclasses.replace(load_problem(config), steps=1)
    except HW3Error:  # the build itself reports a bad config
        return None
    return _summary_of_solution(solve(problem))


def _started(work: Callable, argument) -> Callable[[], object]:
    """Run ``work(argument)`` in a forked process (in place if SymPy is loaded already);
    call the result to wait for its value."""
    if "sympy" in sys.modules:
        value = work(argument)
        return lambda: value
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
    future = pool.submit(work, argument)

    def result():
        try:
            return future.result()
        finally:
            pool.shutdown()

    return result


def start_from_config(config: Path) -> Callable[[], object]:
    """Start on the exact values of the instance in ``config``, before anything is loaded."""
    return _started(_summary_of_config, config)


def start_from_solution(solution) -> Callable[[], object]:
    """Start on the exact values of a solved instance."""
    return _started(_summary_of_solution, solution)
