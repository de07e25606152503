"""The stages chained: config → solver → context → .tex → PDF, and the outputs published at once."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from pathlib import Path

from report.context import build_context
from report.environment import make_environment
from report.results import results_json
from report.tex import compile_pdf
from solver.config import load_problem
from solver.errors import TexError
from solver.network import solve
from solver.problem import Solution

STAGING_PREFIX = ".staging-"


def render_tex(solution: Solution) -> str:
    """The solution document's LaTeX source."""
    return make_environment().get_template("solution.tex.j2").render(build_context(solution))


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


def build(config: Path, out: Path, *, pdf: bool = True) -> Solution:
    """Solve the instance in ``config`` and write solution.tex, results.json (and the PDF)."""
    solution = solve(load_problem(config))
    tex = render_tex(solution)
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
    publish(out, files)
    return solution
