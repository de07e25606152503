"""A class's record and folder: ``OUT/class.json`` (how the class is drawn: config, seed,
members), which folders are the class's, and each member's built variant, checked before it
is keyed or graded (orchestration.classroom builds them).

One class at a time: a class is named by a digest of its record (the config's name and
text, the title, the seed, the members), written into class.json, into the first line of
each variant's config.toml and into the key's record (``.hw3-key.json``). A variant of
another class is never keyed or graded, and a key of another class (a full rebuild killed
before its key was written) stops ``grade`` and ``check`` with a line saying how to finish
the class."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from orchestration.families import checked_graph, family_of
from orchestration.publish import OutputError, remove_leftovers, replace_file
from orchestration.roster import SAFE_NAME, Member
from report.diagnosis import checked_mistakes
from report.graph_results import graph_results_json
from report.results import results_json, same_but_mistakes
from report.settings import ReportInfo, load_instance
from solver.errors import HW3Error, InputError, VerificationError
from solver.instance import Problem
from solver.network import solve
from solver.reading import Invalid, load_json, read_config
from solver.verification import checked

HANDOUTS, VARIANTS, CLASS = "handouts", "variants", "class.json"
KEY_RECORD = ".hw3-key.json"  # which class the key and quizzes beside it are of
KEY_FILES = ("answer-key.csv", "answer-key.pdf", "moodle.xml", "canvas-qti.zip")
VARIANT_FILES = ("config.toml", "results.json", "solution.pdf")


def record_class(out: Path, described: dict, *, replace_other: bool) -> set[str]:
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


def remove_stale(out: Path, before: set[str], names: set[str]) -> None:
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
        if not isinstance(described["seed"], int) or not all(map(is_member, members)):
            raise TypeError
    except (KeyError, TypeError, AttributeError):
        raise InputError(
            f"{out / CLASS}: not a class's record (build.py variants writes it)"
        ) from None
    texts = [described.get("title", ""), described.get("config", "")]
    texts += [text for m in members for text in (m.student, m.student_id)]
    if not all(isinstance(text, str) and text.isprintable() for text in texts):
        raise InputError(
            f"{out / CLASS}: a title, config or student holds a control character or is not "
            "text (build.py variants writes none: the file was edited)"
        )
    return described, members


def is_member(member: Member) -> bool:
    """A member as build.py writes one: its name a plain file name (a hand-edited record must
    not lead outside the class folder), drawn from a number or a string."""
    plain = isinstance(member.name, str) and SAFE_NAME.fullmatch(member.name) is not None
    return plain and isinstance(member.key, int | str) and not isinstance(member.key, bool)


def class_id(described: dict) -> str:
    """The class's name: a digest of its record (without the name itself)."""
    record = {k: v for k, v in described.items() if k != "class"}
    text = json.dumps(record, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def about(described: dict) -> str:
    """What each variant's config.toml says of its class, on its first line (a class.json
    written before classes were named has no name to give)."""
    named = f" (class {described['class']})" if "class" in described else ""
    return (
        f"drawn from {described['config']} with seed {described['seed']} "
        f"by build.py variants{named}."
    )


def key_record(described: dict) -> bytes:
    """The key's record: the class the key and quizzes are of."""
    return json.dumps({"class": described.get("class")}).encode()


def require_current_key(out: Path, described: dict) -> None:
    """InputError when ``out`` holds a key or quizzes of another class than class.json's:
    a full rebuild replaced the class, and was stopped before writing its key."""
    present = [name for name in KEY_FILES if (out / name).exists()]
    if not present:
        return
    try:
        kept = json.loads((out / KEY_RECORD).read_bytes()[:4096])
        current = isinstance(kept, dict) and kept.get("class") == described.get("class")
    except (OSError, ValueError):
        current = False
    if not current:
        raise InputError(
            f"{out}/: the class is incomplete: {', '.join(present)} are of another class than "
            f"{CLASS} (a `variants` run stopped before writing its key?): finish it by "
            f"running that `build.py variants` command again, or `build.py key --out {out}` "
            "to key the variants built"
        )


def class_of_variant(results: Path) -> tuple[Path, dict, Member] | None:
    """For a variant's results.json inside a class folder (``OUT/variants/NAME/``), the
    folder, its record and the member; None for a results.json anywhere else.

    Raises:
        InputError: the class record is unreadable, or names no such member.
    """
    variants = results.parent.parent
    out = variants.parent
    if results.name != "results.json" or variants.name != VARIANTS or not (out / CLASS).exists():
        return None
    described, members = read_class(out)
    member = next((m for m in members if m.name == results.parent.name), None)
    if member is None:
        raise InputError(f"{results}: {results.parent.name} is not a member of {out / CLASS}")
    return out, described, member


class UnfitVariant(Exception):
    """A member's variant that cannot be keyed or graded; the message says why, in a few
    words ("not built", "a variant of another class", …)."""


@dataclass(frozen=True)
class Variant:
    """A member's built variant: its instance (a network's Problem, or a graph exercise:
    orchestration.families.GraphExercise), its [report], its results.json data."""

    problem: Problem
    info: ReportInfo
    results: dict


def read_variant(
    out: Path, described: dict, member: Member, *, all_mistakes: bool = True
) -> Variant:
    """A member's built variant, checked: its folder holds its three files, its config.toml
    says it was drawn for this class, and its results.json is exactly the solution of that
    config (a variant of another class, left by an interrupted run, or a file edited or
    truncated since, is not taken), checked again by central differences and in 50 digits.
    Unless ``all_mistakes``, its "mistakes" table is only read, not computed again (about a
    hundred solver runs): ``grade`` checks the mistakes it names (orchestration.gradebook).

    Raises:
        UnfitVariant: saying why not.
        VerificationError: the solver's numbers for it fail a check (no key may hold them).
    """
    folder = out / VARIANTS / member.name
    if not all((folder / name).is_file() for name in VARIANT_FILES):
        raise UnfitVariant("not built")
    config = folder / "config.toml"
    try:
        head = config.open(encoding="utf-8").readline()
        if head != f"# {member.name}, {about(described)}\n":
            raise UnfitVariant("a variant of another class")
        _, data = read_config(config)
        if family_of(data).name == "graph":
            return _read_graph_variant(folder, data, str(config))
        problem, info = load_instance(config)
        solution = solve(problem)
        text = (folder / "results.json").read_text(encoding="utf-8")
        if all_mistakes:
            same = text == results_json(solution, info=info)
        else:
            same = same_but_mistakes(text, solution, info)
        if not same:
            raise UnfitVariant("its results.json is not its config's solution")
        results = json.loads(text)
        if not all_mistakes:
            checked_mistakes(results, frozenset(results["question"]["columns"]))
        checked(solution)  # the solver's numbers, checked again before they go into a key
    except VerificationError as err:
        raise VerificationError(f"{folder}: {err}") from None
    except Invalid:
        raise UnfitVariant("its results.json's mistakes are malformed") from None
    except (OSError, UnicodeDecodeError, ValueError, HW3Error):
        raise UnfitVariant("unreadable") from None
    return Variant(problem, info, results)


def _read_graph_variant(folder: Path, data: dict, source: str) -> Variant:
    """read_variant's checks of a graph exercise's variant: its results.json is exactly its
    config's solution, which SymPy and central differences confirm again."""
    exercise, info = family_of(data).template(data, source)
    solution, checks = checked_graph(exercise.problem, str(folder))
    text = (folder / "results.json").read_text(encoding="utf-8")
    if text != graph_results_json(solution, checks, exercise.question, info.decimals):
        raise UnfitVariant("its results.json is not its config's solution")
    return Variant(exercise, info, json.loads(text))
