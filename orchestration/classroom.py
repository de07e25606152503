"""A class: one variant per member, its handout and its solution, then the key, built in
parallel, on one machine or in ranges on many.

``OUT/handouts/NAME.pdf`` is what a student gets (the problem sheet with an answer box for
every entry asked, at the same place on every variant); ``OUT/variants/NAME/`` holds
``config.toml`` (the instance, in the config schema), ``solution.pdf`` and ``results.json``;
``OUT/class.json`` says how the class is drawn (config, seed, members). From the variant
folders present, :func:`write_key` writes ``answer-key.csv``, ``answer-key.pdf``,
``moodle.xml`` and ``canvas-qti.zip``. A member is a numbered variant or a roster's student
(orchestration.roster). Each variant is published on its own (a failed one names itself and
leaves the others be); every output is deterministic, so the same seed gives the same files,
byte for byte, whether built in one run or in ranges (``--only A-B``) and then keyed.
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
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from tqdm import tqdm

from orchestration.publish import (
    OutputError,
    check_output_folder,
    output_lock,
    place_folder,
    publish,
    remove_leftovers,
    replace_file,
    staging_folder,
)
from orchestration.roster import SAFE_NAME, Member, select
from orchestration.single import render_solution
from report.answer_key import key_csv
from report.canvas import canvas_qti_zip
from report.document import answer_key_tex, compile_templates, statement_tex
from report.moodle import moodle_xml
from report.quiz import quiz_question
from report.results import results_json
from report.tex import TexError, compile_pdf, prepare
from solver.config import load_problem, problem_toml
from solver.draw import draw_variant
from solver.errors import ConfigError, HW3Error, InputError
from solver.instance import Problem
from solver.limits import ATOL, RTOL
from solver.network import solve
from solver.reading import load_json, printable

HANDOUTS, VARIANTS, CLASS = "handouts", "variants", "class.json"
VARIANT_FILES = ("config.toml", "results.json", "solution.pdf")
KEY_CSV, KEY_PDF, MOODLE, CANVAS = (
    "answer-key.csv",
    "answer-key.pdf",
    "moodle.xml",
    "canvas-qti.zip",
)


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


@dataclass(frozen=True)
class KeyReport:
    """What write_key wrote: the variants in the key, the members missing from it, and the
    files it could not write, with why (Canvas's limit on a question's length)."""

    keyed: list[str]
    missing: list[str]
    skipped: dict[str, str]


def _warm_up(problem: Problem | None = None) -> None:
    """Pay the once-per-process costs up front: compile the templates and, given an instance,
    solve and render it once (SymPy's import and Jinja's first calls cost ~0.4 s), and have
    the cached TeX formats of its solution's and its problem sheet's preambles ready
    (dumped now, both at once, when missing: report.tex.format_cache).

    Run in the parent before the workers are forked, they all start warm, with SymPy
    imported once for all of them. A failure here is left to the variant that meets it.
    """
    compile_templates()
    if problem is not None:
        with contextlib.suppress(Exception):
            handout = statement_tex(problem, "variant-001", answer_boxes=True)
            documents = [render_solution(solve(problem)), handout]
            with ThreadPoolExecutor(len(documents)) as dumps:
                list(dumps.map(prepare, documents))


# --- one variant -------------------------------------------------------------------------


def _compile(tex: str, document: str) -> bytes:
    try:
        return compile_pdf(tex).pdf
    except TexError as err:
        raise TexError(f"{document}: {err}", err.log) from None


def build_variant(member: Member, problem: Problem, comment: str, out: Path) -> Outcome:
    """Build one variant: its folder's three files in a staging folder, swapped in whole,
    then its handout. A failure becomes the Outcome; TeX's log of a failed document is kept
    in the variant's folder, for the instructor to read."""
    variants = out / VARIANTS
    staged = staging_folder(variants)
    try:
        solution = solve(problem)
        results = results_json(solution)
        files = {"config.toml": problem_toml(problem, comment), "results.json": results}
        for file, text in files.items():
            (staged / file).write_text(text)
        handout = _compile(statement_tex(problem, member.name, answer_boxes=True), "handout")
        (staged / "solution.pdf").write_bytes(_compile(render_solution(solution), "solution.pdf"))
        place_folder(variants, member.name, staged)
        replace_file(out / HANDOUTS / f"{member.name}.pdf", handout)
    except HW3Error as err:
        if isinstance(err, TexError) and err.log:
            (staged / "tex.log").write_text(err.log)
            place_folder(variants, member.name, staged)
        return Outcome(member.name, error=str(err))
    except OSError as err:
        return Outcome(member.name, error=f"{err.filename or out}: {err.strerror or err}")
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return Outcome(member.name, results=json.loads(results))


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


def _build_in_worker(member: Member, problem: Problem, comment: str, out: Path) -> Outcome:
    if _interrupted:
        raise KeyboardInterrupt
    return build_variant(member, problem, comment, out)


def _settled(name: str, result: Callable[[], Outcome]) -> Outcome:
    """The variant's Outcome; a crash (a bug, a killed worker) is one too, named after it."""
    try:
        return result()
    except Exception as err:  # noqa: BLE001 - one variant's crash must not stop the others
        return Outcome(name, error=f"unexpected {type(err).__name__}: {err}")


def _serially(tasks: list[tuple], out: Path) -> Iterator[Outcome]:
    for member, problem, comment in tasks:
        build = functools.partial(build_variant, member, problem, comment, out)
        yield _settled(member.name, build)


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
            pool.submit(_build_in_worker, member, problem, comment, out): member.name
            for member, problem, comment in tasks
        }
        try:
            yield (_settled(futures[f], f.result) for f in as_completed(futures))
        except BaseException:  # Ctrl-C or the like: drop the variants not yet started
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _instance(template: Problem, seed: int, member: Member) -> Problem:
    """The member's instance: drawn from the seed and its key, naming its student."""
    problem = draw_variant(template, seed, member.key)
    if not member.student:
        return problem
    named = replace(problem.report, student=member.student, student_id=member.student_id)
    return replace(problem, report=named)


def build_variants(
    config: Path,
    out: Path,
    members: list[Member],
    seed: int,
    *,
    jobs: int = 1,
    only: tuple[int, int] | None = None,
    rtol: float = RTOL,
    atol: float = ATOL,
    progress: bool | None = None,
    on_error: Callable[[str, str], None] | None = None,
) -> VariantsReport:
    """Draw the members' variants of ``config`` from ``seed`` and build them into ``out``.

    ``only`` (first, last) builds members first..last alone, into a folder that other runs
    may be building other ranges of at the same time (each variant lands whole, by a
    rename), and leaves the key to ``write_key``; without it the whole class is built, the
    variants of an earlier class in ``out`` are removed, and the key is written (its
    Moodle and Canvas fields take ``rtol``/``atol``). ``jobs`` variants are built at a time
    (1: in this process); ``progress`` shows a bar on stderr (None: only on a terminal);
    ``on_error(name, message)`` hears of each failure as it happens (default: one
    ``error: NAME: message`` line on stderr).

    Raises:
        ConfigError: the config is invalid, or no interesting variant of its shapes exists.
        OutputError: ``out`` holds another class (a different config, seed or members).
        TexError: the answer key's PDF could not be typeset.
    """
    check_output_folder(out)
    template = load_problem(config)
    chosen = select(members, only)
    described = {
        "config": printable(config.name),
        "title": template.report.title,
        "seed": seed,
        "members": list(map(asdict, members)),
    }
    try:
        tasks = [
            (m, _instance(template, seed, m), f"{m.name}, {_about(described)}") for m in chosen
        ]
    except ConfigError as err:
        raise ConfigError(f"{config}: {err}") from None
    with output_lock(out, shared=only is not None):
        before = _record_class(out, described, replace_other=only is None)
        report = _build_class(out, template, tasks, jobs, progress, on_error)
        if only is None:
            _remove_stale(out, before, {m.name for m in members})
            if report.built:  # else there is nothing to key: each failure was reported
                write_key(out, rtol=rtol, atol=atol, locked=True)
    return report


def _build_class(out, template, tasks, jobs, progress, on_error) -> VariantsReport:
    """The chosen variants, with ``out`` locked, each swapped in as it is built."""
    for folder in (HANDOUTS, VARIANTS):
        (out / folder).mkdir(exist_ok=True)
    _warm_up(template)  # before any fork, so the workers inherit it
    if on_error is None:
        on_error = _print_error
    built: list[str] = []
    failed: dict[str, str] = {}
    bar = functools.partial(
        tqdm,
        total=len(tasks),
        desc="variants",
        unit="variant",
        file=sys.stderr,
        disable=None if progress is None else not progress,
    )
    with _outcomes(tasks, out, jobs) as outcomes, bar() as progress_bar:
        for outcome in outcomes:
            if outcome.results is None:
                failed[outcome.name] = outcome.error or "failed"
                on_error(outcome.name, failed[outcome.name])
            else:
                built.append(outcome.name)
            progress_bar.update()
    return VariantsReport(sorted(built), dict(sorted(failed.items())))


def _print_error(name: str, message: str) -> None:
    tqdm.write(f"error: {name}: {message}", file=sys.stderr)


# --- the class's record and folder ---------------------------------------------------------


def _record_class(out: Path, described: dict, *, replace_other: bool) -> set[str]:
    """Write ``out/class.json``, returning the members of the class it held before (none).
    A range (``replace_other`` False) refuses a folder that holds another class, since its
    variants would not belong together; any build refuses variants/ or handouts/ folders
    that are not a class's (they are the user's: a class would replace what is in them)."""
    text = json.dumps(described, indent=1, ensure_ascii=False) + "\n"
    path = out / CLASS
    try:
        before, members = read_class(out)
    except InputError:
        if path.exists() or any((out / name).exists() for name in (VARIANTS, HANDOUTS)):
            raise OutputError(
                f"{out}/ holds files that are not a class's ({CLASS} missing or unreadable, "
                f"or {VARIANTS}/, {HANDOUTS}/ of your own): build the class into a new folder"
            ) from None
        before, members = None, []
    if before == described:
        return {m.name for m in members}
    if not replace_other and before is not None:
        raise OutputError(
            f"{out}/ holds another class ({CLASS} differs: config, seed or members): "
            "build a range into the folder of its own class"
        )
    replace_file(out / CLASS, text.encode())
    return {m.name for m in members}


def _remove_stale(out: Path, before: set[str], names: set[str]) -> None:
    """The variants and handouts of the class ``out`` held before that this one does not
    have, and staging files of runs killed outright (the lock is held exclusively)."""
    for folder in (VARIANTS, HANDOUTS):
        remove_leftovers(out / folder)
    for name in before - names:
        shutil.rmtree(out / VARIANTS / name, ignore_errors=True)
        (out / HANDOUTS / f"{name}.pdf").unlink(missing_ok=True)


def read_class(out: Path) -> tuple[dict, list[Member]]:
    """``out/class.json``: how the class is drawn, and its members."""
    described = load_json(out / CLASS, "a class's class.json", InputError)
    try:
        members = [Member(**m) for m in described["members"]]
        if not isinstance(described["seed"], int) or not all(map(_is_member, members)):
            raise TypeError
    except (KeyError, TypeError, AttributeError):
        raise InputError(
            f"{out / CLASS}: not a class's record (build.py variants writes it)"
        ) from None
    return described, members


def _is_member(member: Member) -> bool:
    """A member as build.py writes one: its name a plain file name (a hand-edited record must
    not lead outside the class folder), drawn from a number or a string."""
    plain = isinstance(member.name, str) and SAFE_NAME.fullmatch(member.name) is not None
    return plain and isinstance(member.key, int | str) and not isinstance(member.key, bool)


def _about(described: dict) -> str:
    """What each variant's config.toml says of its class, on its first line."""
    return f"drawn from {described['config']} with seed {described['seed']} by build.py variants."


def read_variant(out: Path, described: dict, member: Member) -> tuple[Problem, dict] | str:
    """A member's built variant, checked: its folder holds its three files, its config.toml
    says it was drawn for this class, and its results.json is exactly the solution of that
    config (a variant of another class, left by an interrupted run, or a file edited or
    truncated since, is not taken). Else why not, in a few words."""
    folder = out / VARIANTS / member.name
    if not all((folder / name).is_file() for name in VARIANT_FILES):
        return "not built"
    config = folder / "config.toml"
    try:
        head = config.open(encoding="utf-8").readline()
        if head != f"# {member.name}, {_about(described)}\n":
            return "a variant of another class"
        problem = load_problem(config)
        expected = results_json(solve(problem))
        if (folder / "results.json").read_text(encoding="utf-8") != expected:
            return "its results.json is not its config's solution"
    except (OSError, UnicodeDecodeError, HW3Error):
        return "unreadable"
    return problem, json.loads(expected)


# --- the answer key ----------------------------------------------------------------------


def write_key(
    out: Path, *, rtol: float = RTOL, atol: float = ATOL, locked: bool = False
) -> KeyReport:
    """answer-key.csv, answer-key.pdf, moodle.xml and canvas-qti.zip of the variants present
    in ``out/variants/``, in the class's order; the members without one are reported.

    Raises:
        InputError: ``out`` holds no class, or no variant of it.
        TexError: the answer key's PDF could not be typeset.
    """
    if not locked:
        check_output_folder(out)
        with output_lock(out):
            return write_key(out, rtol=rtol, atol=atol, locked=True)
    described, members = read_class(out)
    results: dict[str, dict] = {}
    problems: dict[str, Problem] = {}
    missing = []
    for member in members:
        variant = read_variant(out, described, member)
        if isinstance(variant, str):
            missing.append(member.name)
            continue
        problems[member.name], results[member.name] = variant
    if not results:
        raise InputError(f"{out}/: no variant of the class is built yet: nothing to key")
    template = next(iter(problems.values()))
    heading = {
        "config": described["config"],
        "seed": described["seed"],
        "count": len(members),
        "failed": missing,
    }
    students = {
        m.name: {"id": m.student_id, "name": m.student}
        for m in members
        if m.student and m.name in results
    }
    files = {
        KEY_CSV: key_csv(results, students).encode(),
        KEY_PDF: compile_pdf(answer_key_tex(results, template, heading)).pdf,
    }
    questions = [quiz_question(name, problems[name], results[name]) for name in results]
    category = str(described.get("title", template.report.title))
    files[MOODLE] = moodle_xml(questions, category, rtol=rtol, atol=atol)
    skipped = {}
    try:
        files[CANVAS] = canvas_qti_zip(questions, category, rtol=rtol, atol=atol)
    except ValueError as err:  # a question longer than Canvas takes
        skipped[CANVAS] = str(err)
    publish(out, files, keep=[HANDOUTS, VARIANTS, CLASS])
    return KeyReport(list(results), missing, skipped)
