#!/usr/bin/env python3
# PYTHON_ARGCOMPLETE_OK  (argcomplete's global completion looks for this line)
"""Solve a back-propagation homework and typeset it: a solution PDF, a class, a check.

python build.py [build] [--config problems/hw3.toml] [--out build] [--no-pdf] [--prove]
python build.py variants (--variants N | --roster CSV) --seed S --out DIR
    [--only A-B | --shard K/N] [--jobs J]
python build.py key DIR
python build.py check --key DIR/variants/variant-007/results.json --answers answers.toml
python build.py grade --class DIR --responses responses.csv --out grades.csv

Over ~300 lines because it is the whole command line: five commands, each option with its
help text and bounds, and the one-line errors; each command's work is orchestration's.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"


def _packages() -> list[str]:
    """What a build imports: pyproject.toml's dependencies (each imported by its own name,
    "-" read as "_"), which `make` installs into .venv/."""
    import tomllib

    with open(ROOT / "pyproject.toml", "rb") as file:
        dependencies = tomllib.load(file)["project"]["dependencies"]
    return [
        re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0].replace("-", "_") for spec in dependencies
    ]


def _packages_missing() -> list[str]:
    import importlib.util

    return [name for name in _packages() if importlib.util.find_spec(name) is None]


def _in_the_project_environment() -> None:
    """Run as typed, ``python build.py …``, whatever Python that is: without the packages,
    run again with the project's own .venv/bin/python, or say in one line what to run."""
    missing = _packages_missing()
    if not missing:
        return
    in_venv = Path(sys.prefix).resolve() == VENV_PYTHON.parent.parent.resolve()
    if VENV_PYTHON.exists() and not in_venv:
        os.execv(VENV_PYTHON, [str(VENV_PYTHON), str(ROOT / "build.py"), *sys.argv[1:]])
    print(
        f"error: this Python lacks {', '.join(missing)}: run 'make' in {ROOT} first "
        f"(it installs them into .venv/), then python build.py again",
        file=sys.stderr,
    )
    sys.exit(2)


from solver.errors import HW3Error  # noqa: E402 - after the check that packages exist
from solver.limits import MAX_JOBS, MAX_MEMBERS  # noqa: E402
from solver.reading import count  # noqa: E402

DEFAULT_CONFIG = ROOT / "problems" / "hw3.toml"


def _version() -> str:
    """The project's version, as pyproject.toml states it (installed by `make`)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hw3-solution")
    except PackageNotFoundError:
        return "(not installed)"


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors as one line like every other error."""

    def error(self, message: str) -> None:
        words = message.removeprefix("unrecognized arguments: ").split()
        if message.startswith("unrecognized") and any(w in COMMANDS for w in words):
            message += "; the command goes first: build.py COMMAND [options]"
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def _checked(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.Namespace:
    """Refuse what argparse lets through: a lone "--" as a value (it arrives as a list)."""
    for name, value in vars(args).items():
        if isinstance(value, list):
            parser.error(f"--{name.replace('_', '-')}: expected a value, got '--'")
    return args


def _integer(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer in low..high (no upper bound when high is None)."""

    def read(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            bound = f"{low}..{high}" if high is not None else f">= {low}"
            raise argparse.ArgumentTypeError(f"expected an integer {bound}, got {text!r}")
        return value

    return read


def _range(text: str) -> tuple[int, int]:
    """An argparse type: ``A-B`` in plain digits, 1 <= A <= B (``A`` alone: that one)."""
    match = re.fullmatch(r"(\d{1,9})(?:-(\d{1,9}))?", text, re.ASCII)
    low, high = (int(match[1]), int(match[2] or match[1])) if match else (0, 0)
    if not 1 <= low <= high:
        raise argparse.ArgumentTypeError(f"expected A-B with 1 <= A <= B, got {text!r}")
    return low, high


def _shard(text: str) -> tuple[int, int]:
    """An argparse type: ``K/N`` in plain digits, 1 <= K <= N."""
    match = re.fullmatch(r"(\d{1,9})/(\d{1,9})", text, re.ASCII)
    shard, shards = (int(match[1]), int(match[2])) if match else (0, 0)
    if not 1 <= shard <= shards:
        raise argparse.ArgumentTypeError(f"expected K/N with 1 <= K <= N, got {text!r}")
    return shard, shards


def _path(text: str) -> Path:
    """An argparse type: a path, not empty (an unset shell variable must not mean here)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a path, got an empty string")
    return Path(text)


COMMANDS = ("build", "variants", "key", "check", "grade")
DEFAULT_COMMAND = "build"


def _command_line(argv: list[str]) -> list[str]:
    """The arguments with their command first: none given means ``build`` (``variants`` when
    ``--variants`` is there), as ``python build.py --out x`` has always worked."""
    if argv[:1] and (argv[0] in COMMANDS or argv[0] in ("-h", "--help", "--version")):
        return argv
    variants = any(a.split("=")[0] in ("--variants", "--roster") for a in argv)
    return ["variants" if variants else DEFAULT_COMMAND, *argv]


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="build.py",
        description=__doc__.splitlines()[0],
        epilog="With no command, build runs: python build.py --out DIR. "
        "Each command's options: python build.py COMMAND --help",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    config = _Parser(add_help=False)
    config.add_argument(
        "--config",
        type=_path,
        default=DEFAULT_CONFIG,
        metavar="TOML",
        help="the instance file (default: problems/hw3.toml beside build.py, the homework)",
    )
    build = commands.add_parser(
        "build",
        parents=[config],
        help="the solution PDF of one instance (the default command)",
        description=(
            "Solve one instance; write solution.pdf and problem.pdf (the sheet as handed "
            "out), their .tex sources, and results.json."
        ),
    )
    build.add_argument(
        "--out", type=_path, default=Path("build"), help="output folder (default: %(default)s)"
    )
    build.add_argument("--no-pdf", action="store_true", help="write .tex and results.json only")
    build.add_argument(
        "--prove",
        action="store_true",
        help="also prove Problem 1's closed forms with SymPy at this shape (a few seconds)",
    )

    variants = commands.add_parser(
        "variants",
        parents=[config],
        help="a class: a variant per student (N, or a roster), handouts, solutions, the key",
        description="Draw a class's variants of the instance from a seed; build each "
        "variant's handout and solution, then the key (answer-key.csv/.pdf, moodle.xml, "
        "canvas-qti.zip).",
    )
    who = variants.add_mutually_exclusive_group(required=True)
    who.add_argument(
        "--variants",
        "-n",
        dest="count",
        type=_integer(1, MAX_MEMBERS),
        metavar="N",
        help="N numbered variants",
    )
    who.add_argument(
        "--roster",
        type=_path,
        metavar="CSV",
        help="one variant per student of a CSV with id and name columns, named by the id",
    )
    variants.add_argument(
        "--seed",
        type=_integer(0),
        metavar="S",
        required=True,
        help="draw them from seed S (the same seed gives the same variants)",
    )
    variants.add_argument("--out", type=_path, required=True, help="the class's folder")
    variants.add_argument(
        "--jobs",
        type=_integer(1, MAX_JOBS),
        metavar="J",
        help=f"build J at a time, at most {MAX_JOBS} (default: all cores)",
    )
    part = variants.add_mutually_exclusive_group()
    part.add_argument(
        "--only",
        type=_range,
        metavar="A-B",
        help="build variants (roster rows) A..B alone, beside other ranges; then run key",
    )
    part.add_argument(
        "--shard",
        type=_shard,
        metavar="K/N",
        help="build the K-th of N near-equal ranges of the class alone (an array job's task: "
        "--shard $((SLURM_ARRAY_TASK_ID + 1))/N); then run key",
    )

    key = commands.add_parser(
        "key",
        help="(re)build a class's key, moodle.xml and canvas-qti.zip from its variants",
        description="Write answer-key.csv/.pdf, moodle.xml and canvas-qti.zip from the "
        "variant folders present in the class folder; say which are missing.",
    )
    key.add_argument("out", type=_path, metavar="OUT", help="the class's folder")

    check = commands.add_parser(
        "check",
        help="check one student's answers against their variant",
        description="Check a student's answers against a variant's results.json.",
    )
    check.add_argument("--key", type=_path, required=True, help="the variant's results.json")
    check.add_argument("--answers", type=_path, required=True, help="the student's answers TOML")

    grade = commands.add_parser(
        "grade",
        help="grade a class's responses (a CSV from a form or an LMS) into grades.csv",
        description="Check every response against its own variant; write one row per "
        "student: id, name, variant, score, and the entries ok per parameter.",
    )
    grade.add_argument(
        "--class", dest="class_dir", type=_path, required=True, help="the class's folder"
    )
    grade.add_argument(
        "--responses",
        type=_path,
        required=True,
        help="CSV: an id (or variant) column, then columns named as answer-key.csv's",
    )
    grade.add_argument(
        "--out", dest="grades", type=_path, required=True, help="grades.csv to write"
    )
    grade.add_argument(
        "--attempt",
        choices=("first", "last", "best"),
        default="best",
        help="which of a student's repeated rows is graded (default: best, as Moodle "
        "grades a quiz by its highest attempt)",
    )
    return parser


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line as a namespace whose ``command`` names what to run."""
    parser = _parser()
    _complete(parser)
    return _checked(parser, parser.parse_args(_command_line(argv)))


def _complete(parser: argparse.ArgumentParser) -> None:
    """Shell completion, when the shell asks for it (argcomplete: see the README)."""
    if "_ARGCOMPLETE" in os.environ:
        import argcomplete

        argcomplete.autocomplete(parser)


def _guarded(action: Callable[[], int], out: Path | None, interrupted: str) -> int:
    """Run the action; a project error or an OSError becomes one line and an exit status."""
    try:
        return action()
    except HW3Error as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_status
    except OSError as err:
        print(f"error: {err.filename or out}: {err.strerror}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"error: interrupted; {interrupted}", file=sys.stderr)
        return 130


def _build(args: argparse.Namespace) -> int:
    from orchestration.single import build_solution  # light: an unchanged rebuild stays instant

    outputs = "solution.tex, problem.tex, results.json"
    outputs += "" if args.no_pdf else ", solution.pdf, problem.pdf"
    if build_solution(args.config, args.out, pdf=not args.no_pdf, prove=args.prove):
        print(f"wrote {outputs} to {args.out}/")
    else:
        print(f"{args.out}/ is up to date ({outputs})")
    return 0


def _variants(args: argparse.Namespace) -> int:
    from orchestration.classroom import build_variants
    from orchestration.roster import numbered, read_roster, shard_range

    members = numbered(args.count) if args.count else read_roster(args.roster)
    jobs = args.jobs or os.cpu_count() or 1
    only = args.only
    if args.shard:
        only = shard_range(*args.shard, len(members))
        if only is None:  # an array job of more tasks than the class has members
            shard = "/".join(map(str, args.shard))
            print(f"--shard {shard}: nothing to build (the class has {len(members)} members)")
            return 0
    report = build_variants(
        args.config,
        args.out,
        members,
        args.seed,
        jobs=jobs,
        only=only,
    )
    if report.failed:
        names = ", ".join(report.failed)
        total = len(report.built) + len(report.failed)
        failed = f"{len(report.failed)} of {count(total, 'variant')} failed"
        print(f"error: {failed}: {names}", file=sys.stderr)
        return 1
    if only:
        print(
            f"wrote {count(len(report.built), 'variant')} to {args.out}/variants/ and handouts/; "
            f"once every range is built: python build.py key {args.out}"
        )
    else:
        for name, why in report.skipped.items():
            print(f"warning: {name} not written: {why}", file=sys.stderr)
        files = ["answer-key.csv", "answer-key.pdf", "moodle.xml", "canvas-qti.zip"]
        files = [name for name in files if name not in report.skipped]
        print(
            f"wrote {count(len(report.built), 'variant')} (handouts/, variants/"
            f"{''.join(f', {name}' for name in files[:-1])}) and {files[-1]} to {args.out}/"
        )
    return 0


def _key(args: argparse.Namespace) -> int:
    from orchestration.class_key import write_key

    report = write_key(args.out)
    for name, why in report.skipped.items():
        print(f"warning: {name} not written: {why}", file=sys.stderr)
    print(f"wrote the key of {count(len(report.keyed), 'variant')} to {args.out}/")
    if report.missing:
        shown = ", ".join(report.missing[:10]) + (", …" if len(report.missing) > 10 else "")
        print(
            f"error: {count(len(report.missing), 'variant')} missing (not built, or of another "
            f"class than {args.out}/class.json): {shown}: build them with the class's "
            "`build.py variants` command",
            file=sys.stderr,
        )
        return 1
    return 0


def _grade(args: argparse.Namespace) -> int:
    from orchestration.gradebook import (
        check_grades_path,
        class_report_pdf,
        grade_class,
        report_path,
        write_grades,
    )
    from report.tex import TexError

    check_grades_path(args.grades, args.responses, args.class_dir)
    grades = grade_class(args.class_dir, args.responses, attempt=args.attempt)
    for note in grades.notes:
        print(f"warning: {note}", file=sys.stderr)
    report, why = None, "no student who responded has a variant built"
    if grades.graded is not None:
        try:
            report = class_report_pdf(grades.graded)
        except TexError as err:  # the grades are what matters: written, and the reason said
            why = str(err)
    write_grades(args.grades, grades.csv)
    students = count(grades.csv.count(chr(10)) - 1, "student")
    if report is None:
        if report_path(args.grades).exists():  # left as it was, but not this grading's
            why += f" ({report_path(args.grades)} is an earlier grading's)"
        print(f"warning: the class report was not written: {why}", file=sys.stderr)
        print(f"wrote {args.grades} ({students})")
        return 0
    write_grades(report_path(args.grades), report)
    print(f"wrote {args.grades} ({students}) and its class report {report_path(args.grades)}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from orchestration.grading import check, format_check

    result = check(args.key, args.answers)
    print(format_check(result))
    return 0 if result.passed else 1


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM as Ctrl-C: unwind, so that TeX's process group is ended and nothing is left
    half-written (the outputs are only replaced at the very end, with signals held back)."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)
    args = parse_args(argv)
    if args.command == "check":
        return _guarded(lambda: _check(args), None, "nothing was written")
    if args.command == "variants":
        finished = f"the variants that finished are in {args.out}/"
        return _guarded(lambda: _variants(args), args.out, finished)
    if args.command == "key":
        return _guarded(lambda: _key(args), args.out, "the previous key is unchanged")
    if args.command == "grade":
        return _guarded(lambda: _grade(args), args.grades, "nothing was written")
    return _guarded(lambda: _build(args), args.out, "the previous outputs are unchanged")


if __name__ == "__main__":
    _in_the_project_environment()
    sys.exit(main())
