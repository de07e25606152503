"""A class's key: answer-key.csv, answer-key.pdf, moodle.xml and canvas-qti.zip, from the
variants present in ``OUT/variants/`` (a class built in ranges is keyed once all are)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from orchestration.class_record import (
    CLASS,
    HANDOUTS,
    KEY_FILES,
    KEY_RECORD,
    VARIANTS,
    UnfitVariant,
    Variant,
    key_record,
    read_class,
    read_variant,
)
from orchestration.families import family_of_variant
from orchestration.publish import check_output_folder, output_lock, publish, remove_leftovers
from report.answer_key import key_csv
from report.canvas import canvas_qti_zip
from report.moodle import moodle_xml
from report.tex import compile_pdf
from solver.errors import InputError

KEY_CSV, KEY_PDF, MOODLE, CANVAS = KEY_FILES


@dataclass(frozen=True)
class KeyReport:
    """What write_key wrote: the variants in the key, the members missing from it, and the
    files it could not write, with why (Canvas's limit on a question's length)."""

    keyed: list[str]
    missing: list[str]
    skipped: dict[str, str]


def lms_category(described: dict, title: str) -> str:
    """The class's Moodle category and Canvas quiz title: its title and its name, so that two
    classes of one title (another seed, another config) never share a category (a Random
    question would draw from both) nor Canvas identifiers (the second import overwrote the
    first quiz's questions in place), which are derived from it.

    >>> lms_category({"title": "HW3", "class": "0123456789abcdef"}, "x")
    'HW3 (class 01234567)'
    >>> lms_category({"title": "HW3"}, "x")  # a class.json written before classes were named
    'HW3'
    """
    title = str(described.get("title", title))
    return f"{title} (class {described['class'][:8]})" if "class" in described else title


def write_key(out: Path) -> KeyReport:
    """answer-key.csv, answer-key.pdf, moodle.xml and canvas-qti.zip of the variants present
    in ``out/variants/``, in the class's order; the members without one are reported.

    Raises:
        InputError: ``out`` holds no class, or no variant of it.
        TexError: the answer key's PDF could not be typeset.
    """
    check_output_folder(out)
    with output_lock(out):
        return write_key_locked(out)


def write_key_locked(out: Path) -> KeyReport:
    """write_key, for a caller that holds ``out``'s lock already (a class's full build)."""
    described, members = read_class(out)
    for folder in (VARIANTS, HANDOUTS):  # no range is live: roll back what a killed one left
        remove_leftovers(out / folder)
    variants: dict[str, Variant] = {}
    missing = []
    for member in members:
        try:
            variants[member.name] = read_variant(out, described, member)
        except UnfitVariant:
            missing.append(member.name)
    if not variants:
        raise InputError(f"{out}/: no variant of the class is built yet: nothing to key")
    results = {name: variant.results for name, variant in variants.items()}
    template = next(iter(variants.values()))
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
    files = {KEY_RECORD: key_record(described), KEY_CSV: key_csv(results, students).encode()}
    family = family_of_variant(template.problem)
    files[KEY_PDF] = compile_pdf(
        family.answer_key_tex(results, template.problem, heading, info=template.info)
    ).pdf
    questions = [
        family.quiz_question(name, v.problem, v.results, info=v.info)
        for name, v in variants.items()
    ]
    category = lms_category(described, template.info.title)
    files[MOODLE] = moodle_xml(questions, category, penalty=template.info.question.penalty)
    skipped = {}
    try:
        files[CANVAS] = canvas_qti_zip(questions, category)
    except ValueError as err:  # a question longer than Canvas takes
        skipped[CANVAS] = str(err)
    publish(out, files, keep=[HANDOUTS, VARIANTS, CLASS])
    return KeyReport(list(results), missing, skipped)
