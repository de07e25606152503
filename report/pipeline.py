"""The stages chained: config → solver → context → .tex → PDF, and the outputs published at once."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import tempfile
from collections.abc import Callable
from pathlib import Path

from report.context import build_context
from report.environment import make_environment
from report.exact_job import start_from_solution
from report.incremental import STAMP, stamp_for
from report.results import results_json
from report.tex import compile_pdf
from solver.config import load_problem
from solver.errors import TexError
from solver.network import solve
from solver.problem import Solution
from solver.verify import verify

STAGING_PREFIX = ".staging-"


def render_tex(
    solution: Solution, *, prove: bool = False, exact: Callable[[], object] | None = None
) -> str:
    """The solution document's LaTeX source, with the checks of its Verification appendix.

    ``exact`` collects the exact values if a caller started on them already (see
    report.exact_job); the symbolic proof runs only with ``prove``.
    """
    exact = exact or start_from_solution(solution)
    checks = verify(solution, prove=prove)
    summary = exact()
    if summary is not None:
        checks = dataclasses.replace(checks, exact_agreement=summary.agreement)
    context = build_context(solution, summary, checks)
    return make_environment().get_template("solution.tex.j2").render(context)


def publish(out: Path, files: dict[str, bytes]) -> None:
    """Write every file to a staging folder inside ``out``, then move them all into place.

    Nothing in ``out`` changes until every file is written; the moves themselves run with
    SIGINT/SIGTERM held back, so an interrupt cannot leave a mixed set. A build killed
    outright leaves only a staging folder behind, which the next build removes.
    """
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(STAGING_PREFIX + "*"):
        shutil.rmtree(stale, ignore_errors=True)
    with tempfile.TemporaryDirectory(dir=out, prefix=STAGING_PREFIX) as staging:
        for name, data in files.items():
            with open(Path(staging, name), "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            for name in files:
                os.replace(Path(staging, name), out / name)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)


def build(
    config: Path,
    out: Path,
    *,
    pdf: bool = True,
    prove: bool = False,
    stamp: str | None = None,
    exact: Callable[[], object] | None = None,
) -> Solution:
    """Solve the instance in ``config`` and write solution.tex, results.json (and the PDF).

    ``stamp``, the fingerprint of the build's inputs, is recorded beside the outputs so that
    an unchanged rebuild can be skipped (report.incremental); ``exact`` collects exact values
    started early (report.exact_job).
    """
    solution = solve(load_problem(config))
    tex = render_tex(solution, prove=prove, exact=exact)
    files = {"solution.tex": tex.encode(), "results.json": results_json(solution).encode()}
    if pdf:
        try:
            compiled = compile_pdf(tex)
        except TexError as err:
            if getattr(err, "log", None):
                publish(out, {"solution.log": err.log.encode()})
            raise
        files["solution.pdf"] = compiled.pdf
        files["solution.log"] = compiled.log.encode()
    if stamp is not None:
        files[STAMP] = stamp_for(stamp, files)
    publish(out, files)
    return solution
