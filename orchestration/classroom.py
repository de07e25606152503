"""A class: one variant per member, its handout and its solution, then the key, built in
parallel, on one machine or in ranges on many.

``OUT/handouts/NAME.pdf`` is what a student gets (the problem sheet with an answer box for
every entry asked, at the same place on every variant); ``OUT/variants/NAME/`` holds
``config.toml`` (the instance, in the config schema), ``solution.pdf`` and ``results.json``;
``OUT/class.json`` says how the class is drawn (config, seed, members). From the variant
folders present, orchestration.class_key.write_key writes ``answer-key.csv``, ``answer-key.pdf``,
``moodle.xml`` and ``canvas-qti.zip``. A member is a numbered variant or a roster's student
(orchestration.roster). Each variant is published on its own (a failed one names itself and
leaves the others be); every output is deterministic, so the same seed gives the same files,
byte for byte, whether built in one run or in ranges (``--only A-B``) and then keyed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

from orchestration.class_key import write_key_locked
from orchestration.class_record import (
    HANDOUTS,
    VARIANTS,
    about,
    class_id,
    record_class,
    remove_stale,
)
from orchestration.families import GraphExercise, family_of_variant, read_template
from orchestration.pool import outcomes
from orchestration.publish import (
    check_output_folder,
    output_lock,
    place_folder,
    replace_file,
    staging_folder,
)
from orchestration.roster import Member, select
from report.answer_key import key_columns
from report.answer_rule import printed
from report.document import compile_templates
from report.graph_context import FIGURE_DECIMALS
from report.question import unasked_parts
from report.results import results_dict
from report.settings import ReportInfo
from report.tex import TexError, compile_pdf
from solver.draw import TENTHS, WHOLE, draw_variant, max_draws
from solver.errors import ConfigError, HW3Error
from solver.graph import solve_graph
from solver.graph_draw import draw_graph_variant
from solver.instance import Problem
from solver.network import solve as solve_drawn  # the draw's own: a test fakes solve
from solver.reading import printable


@dataclass(frozen=True)
class Outcome:
    """One variant's build: its results.json data when it was built, else the error."""

    name: str
    results: dict | None = None
    error: str | None = None


@dataclass(frozen=True)
class VariantsReport:
    """What a run built: the variants' names, the failed ones with their messages, and the
    key's files it could not write, with why (see class_key.KeyReport)."""

    built: list[str]
    failed: dict[str, str]
    skipped: dict[str, str] = field(default_factory=dict)


def _warm_up(template=None, info: ReportInfo | None = None) -> None:
    """Pay the once-per-process costs up front: compile the templates and, given a template
    (a network's instance, a graph exercise), solve and render it once (SymPy's import and
    Jinja's first calls cost ~0.4 s), and have the cached TeX formats of its solution's and
    its problem sheet's preambles ready (dumped now when missing: report.tex.format_cache).

    Run in the parent before the workers are forked, they all start warm, with SymPy
    imported once for all of them. A failure here is left to the variant that meets it.
    """
    compile_templates()
    if template is not None:
        with contextlib.suppress(Exception):
            family_of_variant(template).warm_up(template, info)


# --- one variant -------------------------------------------------------------------------


def _compile(tex: str, document: str) -> bytes:
    try:
        return compile_pdf(tex).pdf
    except TexError as err:
        raise TexError(f"{document}: {err}", err.log) from None


def build_variant(member: Member, variant, info: ReportInfo, comment: str, out: Path) -> Outcome:
    """Build one variant (a network's instance, a graph exercise): its folder's three files
    in a staging folder, swapped in whole, then its handout. A failure becomes the Outcome;
    TeX's log of a failed document is kept in the variant's folder, for the instructor to
    read."""
    variants = out / VARIANTS
    staged = staging_folder(variants)
    try:
        documents = family_of_variant(variant).variant_documents(
            variant, info, member.name, comment
        )
        files = {"config.toml": documents.config, "results.json": documents.results}
        for file, text in files.items():
            (staged / file).write_text(text)
        handout = _compile(documents.sheet, "handout")
        worked = _compile(documents.solution, "solution.pdf")
        (staged / "solution.pdf").write_bytes(worked)
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
    return Outcome(member.name, results=json.loads(documents.results))


# --- all of them -------------------------------------------------------------------------


def _crashed(name: str, message: str) -> Outcome:
    return Outcome(name, error=message)


# Draws a member may take in whole numbers before the class moves to tenths: a small network's
# whole numbers give only so many losses, and finding one not taken grows dear as they run
# out. (The homework's shapes give more than enough: 1500 members, all whole, all distinct.)
WHOLE_DRAWS = 1000


class Fair:
    """The draw's rules for a class, member after member in the roster's order: every
    variant asks something of each part its question names; none has the rounded loss or
    ŷ of the config's own instance (the published homework, whose solution students have);
    and, as far as the draws allow, none has another's rounded loss or rounded answers, so
    no two students can copy. A variant that breaks one takes its stream's next draw. Whole
    numbers give a network only so many losses: once a member finds none left in
    WHOLE_DRAWS draws, it and the members after it are drawn in tenths (a hundred times as
    many); should those run out too, the members after it may share one."""

    def __init__(self, template: Problem, info: ReportInfo):
        self.template, self.info = template, info
        own = results_dict(solve_drawn(template), info=info, mistakes=False)
        forward = own["forward"]
        self.published = (self._printed(forward["loss"]), self._printed(forward["y_hat"]))
        self.losses: set = set()
        self.answers: set = set()
        self.grain = WHOLE  # the numbers' grain: whole, until their losses are used up
        self.exhausted = False  # no distinct draw found in tenths: the rest share, at no cost
        self._last: tuple = (None, None)  # the draw fits() last read, and its marks

    def _printed(self, value) -> tuple:
        return tuple(printed(float(v), self.info.decimals)[0] for v in np.ravel(value))

    def _marks(self, problem: Problem) -> tuple[tuple, tuple, dict]:
        results = results_dict(solve_drawn(problem), info=self.info, mistakes=False)
        answers = tuple((c, self._printed(v)) for c, v in key_columns(results).items())
        return self._printed(results["forward"]["loss"]), answers, results

    def fits(self, problem: Problem, *, distinct: bool) -> bool:
        self._last = problem, self._marks(problem)
        loss, answers, results = self._last[1]
        forward = (loss, self._printed(results["forward"]["y_hat"]))
        if unasked_parts(results) or loss == self.published[0] or forward == self.published:
            return False
        return not distinct or (loss not in self.losses and answers not in self.answers)

    def draw(self, seed: int, key: int | str) -> Problem:
        """Member ``key``'s instance, by these rules, and noted for the members after it."""
        fits = functools.partial(self.fits, distinct=not self.exhausted)
        draws = None  # the network's own budget (solver.draw.max_draws)
        if self.grain == WHOLE and not self.exhausted:
            draws = min(WHOLE_DRAWS, max_draws(self.template))
        try:
            problem = draw_variant(self.template, seed, key, fits, grain=self.grain, draws=draws)
        except ConfigError:
            if self.exhausted:
                raise
            if self.grain == WHOLE:
                # The whole numbers' losses are used up, or nearly (no draw of WHOLE_DRAWS
                # fitted): from this member on, numbers are drawn in tenths.
                self.grain = TENTHS
            else:  # tenths used up too (a tiny network): past this member, losses repeat
                self.exhausted = True
            return self.draw(seed, key)
        # Mostly the last draw fits() was asked of (not when the least saturated is kept).
        seen, marks = self._last
        loss, answers, _ = marks if seen is problem else self._marks(problem)
        self.losses.add(loss)
        self.answers.add(answers)
        return problem


LARGEST_LABEL = 1e4  # a wire's label past this would not fit between two nodes


class GraphFair:
    """The draw's rules for a graph exercise's class, as :class:`Fair`'s for a network's: no
    variant has the config's own f (the published exercise's), rounded to the report's
    decimals, and, as far as the ranges allow (MAX_DRAWS draws a member), none has another's
    answers (past that, members may share them) and none has an answer that prints as 0 (an
    input of 0 makes a product's other gradient 0: a guess, not a computation; past that,
    they may). Every number of a variant's drawing must show at its decimals: no draw is
    kept whose value or gradient would read 0.00."""

    def __init__(self, template: GraphExercise, info: ReportInfo):
        self.template, self.info = template, info
        self.published = self._answers(solve_graph(template.problem))
        self.taken: set = set()
        self.exhausted = False  # the ranges' distinct answers are used up
        self.zeros = False  # no draw without an answer of 0 is left: they are kept

    def _answers(self, solution) -> tuple:
        values = [solution.f, *(solution.gradient(n) for n in self.template.question.gradients)]
        return tuple(printed(v, self.info.decimals)[0] for v in values)

    def _fits(self, problem) -> bool:
        solution = solve_graph(problem)
        answers = self._answers(solution)
        if answers[0] == self.published[0]:  # f as published: its forward pass is copied
            return False
        if self._unreadable(solution):
            return False
        if not self.zeros and any(float(answer) == 0 for answer in answers):  # -0.0000 too
            return False
        return self.exhausted or answers not in self.taken

    @staticmethod
    def _unreadable(solution) -> bool:
        """A number the worked solution could not show: a node's value or gradient not 0
        that its drawing rounds to 0 (a saturated sigmoid's gradient ≈ 4.5e-5), or one too
        large for a wire's label."""
        for value in (*solution.values, *solution.grads):
            if value != 0 and not 0.5 * 10.0**-FIGURE_DECIMALS <= abs(value) < LARGEST_LABEL:
                return True
        return False

    def draw(self, seed: int, key: int | str) -> GraphExercise:
        """Member ``key``'s exercise, by these rules, and noted for the members after it."""
        template = self.template
        try:
            problem = draw_graph_variant(template.problem, template.ranges, seed, key, self._fits)
        except ConfigError:
            if self.exhausted and self.zeros:
                raise
            if not self.exhausted:
                self.exhausted = True  # the ranges' distinct answers are used up: share
            else:
                self.zeros = True  # every draw left has an answer of 0: keep them
            return self.draw(seed, key)
        self.taken.add(self._answers(solve_graph(problem)))
        return replace(template, problem=problem)


def _member_info(info: ReportInfo, member: Member) -> ReportInfo:
    """The member's [report]: a numbered variant's title names it, a roster's student is
    named under the title."""
    if isinstance(member.key, int):
        info = replace(info, title=f"{info.title}, variant {member.key:03d}")
    if member.student:
        info = replace(info, student=member.student, student_id=member.student_id)
    return info


def build_variants(
    config: Path,
    out: Path,
    members: list[Member],
    seed: int,
    *,
    jobs: int = 1,
    only: tuple[int, int] | None = None,
    progress: bool | None = None,
    on_error: Callable[[str, str], None] | None = None,
) -> VariantsReport:
    """Draw the members' variants of ``config`` from ``seed`` and build them into ``out``.

    ``only`` (first, last) builds members first..last alone, into a folder that other runs
    may be building other ranges of at the same time (each variant lands whole, by a
    rename), and leaves the key to ``write_key``; without it the whole class is built, the
    variants of an earlier class in ``out`` are removed, and the key is written (what of
    it could not be, and why, is the report's ``skipped``). ``jobs`` variants are built at
    a time (1: in this process); ``progress`` shows a bar on stderr (None: only on a terminal);
    ``on_error(name, message)`` hears of each failure as it happens (default: one
    ``error: NAME: message`` line on stderr).

    Raises:
        ConfigError: the config is invalid, or no interesting variant of its shapes exists.
        OutputError: ``out`` holds another class (a different config, seed or members).
        TexError: the answer key's PDF could not be typeset.
    """
    check_output_folder(out)
    text, template, template_info = read_template(config)
    chosen = select(members, only)
    described = {
        "config": printable(config.name),
        "config_sha256": hashlib.sha256(text.encode()).hexdigest(),
        "title": template_info.title,
        "seed": seed,
        "members": list(map(asdict, members)),
    }
    described["class"] = class_id(described)
    try:
        fair = family_of_variant(template).fair(template, template_info)
        wanted = {m.name for m in chosen}
        last = max(i for i, m in enumerate(members) if m.name in wanted)
        drawn = [(m, fair.draw(seed, m.key)) for m in members[: last + 1]]  # a range too
        tasks = [
            (m, p, _member_info(template_info, m), f"{m.name}, {about(described)}")
            for m, p in drawn
            if m.name in wanted
        ]
    except ConfigError as err:
        raise ConfigError(f"{config}: {err}") from None
    with output_lock(out, shared=only is not None):
        before = record_class(out, described, replace_other=only is None)
        report = _build_class(out, template, template_info, tasks, jobs, progress, on_error)
        if only is None:
            remove_stale(out, before, {m.name for m in members})
            if report.built:  # else there is nothing to key: each failure was reported
                skipped = write_key_locked(out).skipped
                report = replace(report, skipped=skipped)
    return report


def _build_class(out, template, info, tasks, jobs, progress, on_error) -> VariantsReport:
    """The chosen variants, with ``out`` locked, each swapped in as it is built; ``template``
    and ``info`` are the config's instance and [report], for the warm-up."""
    for folder in (HANDOUTS, VARIANTS):
        (out / folder).mkdir(exist_ok=True)
    _warm_up(template, info)  # before any fork, so the workers inherit it
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
    work = [(task[0].name, (*task, out)) for task in tasks]  # (member, problem, info, comment)
    running = outcomes(work, build_variant, _crashed, jobs=jobs, warm_up=_warm_up)
    with running as finished, bar() as progress_bar:
        for outcome in finished:
            if outcome.results is None:
                failed[outcome.name] = outcome.error or "failed"
                on_error(outcome.name, failed[outcome.name])
            else:
                built.append(outcome.name)
            progress_bar.update()
    return VariantsReport(sorted(built), dict(sorted(failed.items())))


def _print_error(name: str, message: str) -> None:
    tqdm.write(f"error: {name}: {message}", file=sys.stderr)
