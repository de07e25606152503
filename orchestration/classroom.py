"""A class's variants: one folder per instance, and an answer key, built in parallel.

``OUT/variant-NNN/`` holds ``config.toml`` (the instance, in the config schema),
``problem.pdf`` (the homework's Problem 2 with its numbers, no solution), ``solution.pdf`` and
``results.json``; ``OUT/answer-key.csv`` and ``OUT/answer-key.pdf`` hold every variant's
loss and updated parameters. Each variant is published on its own (a failed one names itself
and leaves the others be); every output is deterministic, so the same seed gives the same
files, byte for byte.
"""

from __future__ import annotations

import contextlib
import functools
import json
import multiprocessing
import shutil
import signal
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from orchestration.publish import (
    check_output_folder,
    output_lock,
    place_folder,
    publish,
    staging_folder,
)
from orchestration.single import render_solution
from report.answer_key import key_csv
from report.document import answer_key_tex, environment, statement_tex
from report.results import results_json
from report.tex import TexError, compile_pdf, prepare
from solver.config import load_problem, problem_toml
from solver.draw import draw_variants
from solver.errors import ConfigError, HW3Error
from solver.instance import Problem
from solver.network import solve
from solver.reading import printable

KEY_CSV, KEY_PDF = "answer-key.csv", "answer-key.pdf"


def variant_name(number: int) -> str:
    """The folder of variant ``number``.

    >>> variant_name(7)
    'variant-007'
    """
    return f"variant-{number:03d}"


@dataclass(frozen=True)
class Outcome:
    """One variant's build: its results.json data when it was built, else the error."""

    name: str
    results: dict | None = None
    error: str | None = None
    logged: bool = False  # a failed variant's folder holds TeX's log


@dataclass(frozen=True)
class VariantsReport:
    """What a run built: the variants' names, and the failed ones with their messages."""

    built: list[str]
    failed: dict[str, str]


def _warm_up(problem: Problem | None = None) -> None:
    """Pay the once-per-process costs up front: compile the templates and, given an instance,
    solve and render it once (SymPy's import and Jinja's first calls cost ~0.4 s), and have
    the cached TeX formats of its solution's and its problem sheet's preambles ready
    (dumped now, both at once, when missing: report.tex_format).

    Run in the parent before the workers are forked, they all start warm, with SymPy
    imported once for all of them. A failure here is left to the variant that meets it.
    """
    environment()
    if problem is not None:
        with contextlib.suppress(Exception):
            documents = [render_solution(solve(problem)), statement_tex(problem, variant_name(1))]
            with ThreadPoolExecutor(len(documents)) as dumps:
                list(dumps.map(prepare, documents))


# --- one variant -------------------------------------------------------------------------


def _compile(tex: str, staged: Path, document: str) -> bytes:
    """The PDF of ``tex``; on a TeX failure its log is kept as ``document.log``."""
    try:
        return compile_pdf(tex).pdf
    except TexError as err:
        if err.log:
            (staged / f"{document}.log").write_text(err.log)
        raise TexError(f"{document}.pdf: {err}", err.log) from None


def build_variant(name: str, problem: Problem, comment: str, out: Path) -> Outcome:
    """Build one variant's four files in a staging folder, then swap ``out/name`` for it
    whole. A failure becomes the Outcome; TeX's log of a failed variant is published alone
    in its folder, for the instructor to read."""
    staged = staging_folder(out)
    try:
        solution = solve(problem)
        results = results_json(solution)
        files = {
            "config.toml": problem_toml(problem, comment).encode(),
            "results.json": results.encode(),
            "problem.pdf": _compile(statement_tex(problem, name), staged, "problem"),
            "solution.pdf": _compile(render_solution(solution), staged, "solution"),
        }
        for file, data in files.items():
            (staged / file).write_bytes(data)
        place_folder(out, name, staged)
    except HW3Error as err:
        if any(staged.glob("*.log")):
            place_folder(out, name, staged)
            return Outcome(name, error=str(err), logged=True)
        return Outcome(name, error=str(err))
    except OSError as err:
        return Outcome(name, error=f"{err.filename or out / name}: {err.strerror or err}")
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return Outcome(name, results=json.loads(results))


# --- all of them -------------------------------------------------------------------------

_interrupted = False  # in a worker: Ctrl-C was pressed, so start no further variant


def _on_interrupt(signum: int, frame: object) -> None:
    global _interrupted
    _interrupted = True
    raise KeyboardInterrupt


def _init_worker() -> None:
    """Each worker: warm up, and after a Ctrl-C skip the variants already queued to it."""
    _warm_up()
    signal.signal(signal.SIGINT, _on_interrupt)


def _build_in_worker(name: str, problem: Problem, comment: str, folder: Path) -> Outcome:
    if _interrupted:
        raise KeyboardInterrupt
    return build_variant(name, problem, comment, folder)


def _settled(name: str, result: Callable[[], Outcome]) -> Outcome:
    """The variant's Outcome; a crash (a bug, a killed worker) is one too, named after it."""
    try:
        return result()
    except Exception as err:  # noqa: BLE001 - one variant's crash must not stop the others
        return Outcome(name, error=f"unexpected {type(err).__name__}: {err}")


def _serially(tasks: list[tuple], out: Path) -> Iterator[Outcome]:
    for name, problem, comment in tasks:
        yield _settled(name, functools.partial(build_variant, name, problem, comment, out))


@contextlib.contextmanager
def _outcomes(tasks: list[tuple], out: Path, jobs: int) -> Iterator[Iterator[Outcome]]:
    """The variants' Outcomes as they finish: ``jobs`` worker processes, or this one for 1.

    The workers are forked (where there is fork) at the first submit, before the caller
    starts any thread such as a progress bar's, and start with every module imported.
    """
    if jobs <= 1:
        yield _serially(tasks, out)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker)
    with pool:
        futures = {
            pool.submit(_build_in_worker, name, problem, comment, out): name
            for name, problem, comment in tasks
        }
        try:
            yield (_settled(futures[f], f.result) for f in as_completed(futures))
        except BaseException:  # Ctrl-C or the like: drop the variants not yet started
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def build_variants(
    config: Path,
    out: Path,
    count: int,
    seed: int,
    *,
    jobs: int = 1,
    progress: bool | None = None,
    on_error: Callable[[str, str], None] | None = None,
) -> VariantsReport:
    """Draw ``count`` variants of ``config`` from ``seed`` and build them into ``out``.

    ``jobs`` variants are built at a time (1: in this process); ``progress`` shows a bar on
    stderr (None: only on a terminal); ``on_error(name, message)`` hears of each failure as
    it happens (default: one ``error: variant-NNN: message`` line on stderr). The answer key
    covers the variants that were built.

    Raises:
        ConfigError: the config is invalid, or no interesting variant of its shapes exists.
        TexError: the answer key's PDF could not be typeset.
    """
    check_output_folder(out)
    template = load_problem(config)
    try:
        problems = draw_variants(template, count, seed)
    except ConfigError as err:
        raise ConfigError(f"{config}: {err}") from None
    about = f"drawn from {printable(config.name)} with seed {seed}"
    tasks = [
        (variant_name(k), problem, f"{variant_name(k)}, {about} by build.py --variants.")
        for k, problem in enumerate(problems, 1)
    ]
    with output_lock(out):
        return _build_class(config, out, template, tasks, seed, jobs, progress, on_error)


def _build_class(config, out, template, tasks, seed, jobs, progress, on_error) -> VariantsReport:
    """The class, with ``out`` locked: each variant swapped in as it is built, then the key
    and the set (stale variants of an earlier run removed) published together."""
    count = len(tasks)
    _warm_up(template)  # before any fork, so the workers inherit it
    if on_error is None:
        on_error = _print_error
    results: dict[str, dict] = {}
    failed: dict[str, str] = {}
    logged: list[str] = []
    bar = functools.partial(
        tqdm,
        total=count,
        desc="variants",
        unit="variant",
        file=sys.stderr,
        disable=_quiet(progress),
    )
    with _outcomes(tasks, out, jobs) as outcomes, bar() as progress_bar:
        for outcome in outcomes:
            if outcome.results is None:
                failed[outcome.name] = outcome.error or "failed"
                on_error(outcome.name, failed[outcome.name])
                if outcome.logged:
                    logged.append(outcome.name)
            else:
                results[outcome.name] = outcome.results
            progress_bar.update()
    results = dict(sorted(results.items()))
    heading = {
        "config": printable(config.name),
        "seed": seed,
        "count": count,
        "failed": sorted(failed),
    }
    publish(out, answer_key(results, template, heading), keep=[*results, *logged])
    return VariantsReport(built=list(results), failed=dict(sorted(failed.items())))


def _quiet(progress: bool | None) -> bool | None:
    return None if progress is None else not progress


def _print_error(name: str, message: str) -> None:
    tqdm.write(f"error: {name}: {message}", file=sys.stderr)


# --- the answer key ----------------------------------------------------------------------


def answer_key(results: dict[str, dict], template: Problem, heading: dict) -> dict[str, bytes]:
    """answer-key.csv and answer-key.pdf for the built variants."""
    tex = answer_key_tex(results, template, heading)
    return {KEY_CSV: key_csv(results).encode(), KEY_PDF: compile_pdf(tex).pdf}
