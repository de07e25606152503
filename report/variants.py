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
import csv
import functools
import io
import json
import multiprocessing
import signal
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import jinja2
import numpy as np
from pylatex.utils import NoEscape
from tqdm import tqdm

from report.environment import make_environment
from report.format import matrix, num, places_needed
from report.pipeline import publish, render_tex
from report.results import results_json
from report.tex import compile_pdf
from solver.config import load_problem
from solver.errors import ConfigError, HW3Error, TexError
from solver.network import solve
from solver.problem import Problem
from solver.variants import config_toml, draw_variants

PARAMS = ("W1", "b1", "W2", "b2")
KEY_CSV, KEY_PDF = "answer-key.csv", "answer-key.pdf"
# The answer key's page in pt: A4's text width and height at 1.5 cm margins (portrait), what
# the first page's title and notes take, and the table's header and rules.
_A4_TEXT_PT = (512, 759)
_KEY_TITLE_PT, _KEY_HEAD_PT = 125, 30


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


@dataclass(frozen=True)
class VariantsReport:
    """What a run built: the variants' names, and the failed ones with their messages."""

    built: list[str]
    failed: dict[str, str]


# --- rendering ---------------------------------------------------------------------------


@functools.cache
def _environment() -> jinja2.Environment:
    """One Jinja environment per process, so each template is compiled once, not per variant."""
    return make_environment()


def _warm_up(problem: Problem | None = None) -> None:
    """Pay the once-per-process costs up front: compile this module's templates and, given
    an instance, solve and render it once (SymPy's and Jinja's first calls cost ~0.4 s).

    Run in the parent before the workers are forked, they all start warm; elsewhere it is
    each worker's initializer. A failure here is left to the variant that meets it.
    """
    env = _environment()
    for name in ("problem_statement.tex.j2", "answer_key.tex.j2", "preamble.tex.j2"):
        env.get_template(name)
    if problem is not None:
        with contextlib.suppress(Exception):
            render_tex(solve(problem))


def _row_vector(values: np.ndarray, decimals: int) -> NoEscape:
    r"""A vector written inline as the homework does, ``[0, 2]^\top``."""
    places = places_needed(values, decimals)
    return NoEscape("[" + ", ".join(num(v, decimals, places) for v in values) + r"]^\top")


def statement_context(problem: Problem, name: str) -> dict:
    """What problem_statement.tex.j2 shows: the instance's given numbers, never an answer."""
    d, n, q = problem.shape
    info = problem.report
    mat = functools.partial(matrix, decimals=info.decimals)
    batch = problem.x.shape[0] if problem.x.ndim == 2 else 0
    inline = functools.partial(_row_vector, decimals=info.decimals)
    given = {key: mat(value) for key, value in problem.params.as_dict().items()}
    given.update(
        x=mat(problem.x) if batch else inline(problem.x),
        y=mat(problem.y) if batch else inline(problem.y),
        epsilon=num(problem.epsilon, info.decimals),
        eta=num(problem.learning_rate, info.decimals),
    )
    heading = f"Problem 2, {name.replace('-', ' ')}"
    return {
        "report": {"title": heading, "author": info.author, "date": info.date},
        "course": info.course,
        "heading": heading,
        "pdf_title": f"{info.course}: {heading}",
        "d": d,
        "n": n,
        "q": q,
        "batch": batch,
        "given": given,
    }


def render_statement(problem: Problem, name: str) -> str:
    """The variant's problem sheet as LaTeX source."""
    template = _environment().get_template("problem_statement.tex.j2")
    return template.render(statement_context(problem, name))


# --- one variant -------------------------------------------------------------------------


def _compile(tex: str, folder: Path, document: str) -> bytes:
    """The PDF of ``tex``; on a TeX failure its log is kept as ``folder/document.log``."""
    try:
        return compile_pdf(tex).pdf
    except TexError as err:
        if err.log:
            publish(folder, {f"{document}.log": err.log.encode()})
        raise TexError(f"{document}.pdf: {err}", err.log) from None


def build_variant(name: str, problem: Problem, comment: str, folder: Path) -> Outcome:
    """Write one variant's four files into ``folder`` at once; a failure becomes the Outcome."""
    try:
        solution = solve(problem)
        results = results_json(solution)
        files = {
            "config.toml": config_toml(problem, comment).encode(),
            "results.json": results.encode(),
            "problem.pdf": _compile(render_statement(problem, name), folder, "problem"),
            "solution.pdf": _compile(render_tex(solution), folder, "solution"),
        }
        publish(folder, files)
    except HW3Error as err:
        return Outcome(name, error=str(err))
    except OSError as err:
        return Outcome(name, error=f"{err.filename or folder}: {err.strerror or err}")
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
        yield _settled(name, functools.partial(build_variant, name, problem, comment, out / name))


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
            pool.submit(_build_in_worker, name, problem, comment, out / name): name
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
    template = load_problem(config)
    try:
        problems = draw_variants(template, count, seed)
    except ConfigError as err:
        raise ConfigError(f"{config}: {err}") from None
    about = f"drawn from {config.name} with seed {seed}"
    tasks = [
        (variant_name(k), problem, f"{variant_name(k)}, {about} by build.py --variants.")
        for k, problem in enumerate(problems, 1)
    ]
    out.mkdir(parents=True, exist_ok=True)
    _warm_up(template)  # before any fork, so the workers inherit it
    if on_error is None:
        on_error = _print_error
    results: dict[str, dict] = {}
    failed: dict[str, str] = {}
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
            else:
                results[outcome.name] = outcome.results
            progress_bar.update()
    results = dict(sorted(results.items()))
    heading = {"config": config.name, "seed": seed, "count": count, "failed": sorted(failed)}
    publish(out, answer_key(results, template, heading))
    return VariantsReport(built=list(results), failed=dict(sorted(failed.items())))


def _quiet(progress: bool | None) -> bool | None:
    return None if progress is None else not progress


def _print_error(name: str, message: str) -> None:
    tqdm.write(f"error: {name}: {message}", file=sys.stderr)


# --- the answer key ----------------------------------------------------------------------


def key_columns(results: dict) -> dict[str, float]:
    """One variant's row of the key: the loss, then every updated entry, 1-based, row-major.

    >>> row = key_columns({"forward": {"loss": 1.5}, "updated": {"W1": [[1.0, 2.0]], "b1": [3.0],
    ...                    "W2": [[4.0]], "b2": [5.0, 6.0]}})
    >>> list(row), row["W1_1_2"]
    (['loss', 'W1_1_1', 'W1_1_2', 'b1_1', 'W2_1_1', 'b2_1', 'b2_2'], 2.0)
    """
    row = {"loss": float(results["forward"]["loss"])}
    for name in PARAMS:
        values = np.asarray(results["updated"][name], dtype=np.float64)
        for index in np.ndindex(values.shape):
            row["_".join([name, *(str(i + 1) for i in index)])] = float(values[index])
    return row


def key_csv(results: dict[str, dict]) -> str:
    """The key as CSV: a header, then one row a variant; floats by repr, so they read back."""
    rows = [{"variant": name, **key_columns(r)} for name, r in results.items()]
    text = io.StringIO()
    header = list(rows[0]) if rows else ["variant", "loss"]
    writer = csv.DictWriter(text, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: v if isinstance(v, str) else repr(v) for k, v in row.items()})
    return text.getvalue()


def fixed(value: float, places: int) -> NoEscape:
    r"""One number of the key: always ``places`` decimals, never scientific, never "-0".

    Rounding noise such as 3.4e-14 for an entry that is 0 reads as 0 here, as it should.

    >>> print(fixed(3.4417e-14, 4), fixed(-2.5, 4), fixed(-0.00001, 2))
    \num{0.0000} \num{-2.5000} \num{0.00}
    """
    text = f"{value:.{places}f}"
    if float(text) == 0:
        text = text.lstrip("-")
    return NoEscape(rf"\num{{{text}}}")


def key_matrix(values: np.ndarray, places: int) -> NoEscape:
    """A parameter of the key as ``bmatrix*``: a vector as a column, all entries ``fixed``."""
    arr = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if arr.ndim == 1:
        arr = arr[:, None]
    rows = (" & ".join(fixed(v, places) for v in row) for row in arr)
    return NoEscape(r"\begin{bmatrix*}[r] " + r" \\ ".join(rows) + r" \end{bmatrix*}")


def key_layout(shape: tuple[int, int, int], decimals: int) -> dict:
    """Portrait or landscape, and how many variants each page holds.

    Sizes in pt, measured on the typeset key (A4, 1.5 cm margins, small font, 4 pt column
    gaps): a row is 12 pt a matrix line plus 4 pt, for max(d, n, q) lines; the table is
    about 127 pt plus 47 pt per number column at 4 decimals (n for W1', q for W2', one each
    for b1' and b2'). A table wider than portrait is set in landscape, scaled down to the
    width if it is wider still; the rows per page follow from the scaled height.
    """
    d, n, q = shape
    width = 127 + (n + q + 2) * (47 + 5 * (decimals - 4))
    landscape = width > _A4_TEXT_PT[0]
    text_width, text_height = _A4_TEXT_PT[::-1] if landscape else _A4_TEXT_PT
    row = min(1.0, text_width / width) * (12 * max(d, n, q) + 4)
    first = text_height - _KEY_TITLE_PT - _KEY_HEAD_PT
    rest = text_height - _KEY_HEAD_PT
    return {
        "landscape": landscape,
        "first": max(1, int(first // row)),
        "rest": max(1, int(rest // row)),
    }


def key_pages(rows: list[dict], first: int, rest: int) -> list[list[dict]]:
    """The rows split into pages: ``first`` on the first page, ``rest`` on each other one.

    >>> [len(page) for page in key_pages(list(range(10)), 4, 3)]
    [4, 3, 3]
    """
    pages = [rows[:first]]
    pages += [rows[i : i + rest] for i in range(first, len(rows), rest)]
    return pages


def key_context(results: dict[str, dict], template: Problem, heading: dict) -> dict:
    """What answer_key.tex.j2 shows: each variant's loss and updated parameters, formatted."""
    info = template.report
    places = info.decimals
    layout = key_layout(template.shape, places)
    rows = [
        {
            "name": name,
            "loss": fixed(r["forward"]["loss"], places),
            **{p: key_matrix(r["updated"][p], places) for p in PARAMS},
        }
        for name, r in results.items()
    ]
    title = f"Answer key: {info.course}"
    return {
        "report": {"title": title, "author": info.author, "date": info.date},
        "pdf_title": title,
        "course": info.course,
        "decimals": info.decimals,
        "epsilon": num(template.epsilon, info.decimals),
        "eta": num(template.learning_rate, info.decimals),
        "layout": layout,
        "pages": key_pages(rows, layout["first"], layout["rest"]),
        **heading,
    }


def answer_key(results: dict[str, dict], template: Problem, heading: dict) -> dict[str, bytes]:
    """answer-key.csv and answer-key.pdf for the built variants."""
    context = key_context(results, template, heading)
    tex = _environment().get_template("answer_key.tex.j2").render(context)
    return {KEY_CSV: key_csv(results).encode(), KEY_PDF: compile_pdf(tex).pdf}
