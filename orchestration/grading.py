"""Check a student's answers against a variant's results.json, entry by entry.

A network's ``answers.toml`` holds tables ``[updated]``, ``[gradients]`` and ``[forward]``
with the keys of results.json's (W1, b1, …; h, z, …, loss), each value in the homework's
shape; a computational-graph exercise's, ``f`` at the top and ``[gradients]`` by input
name (``x = 0.25``), as its results.json. An entry
passes when it rounds to the value the key prints, at the decimals results.json's "question"
names (report.answer_rule: the rule of ``grade``, Moodle and Canvas too). The entries the
question asks (results.json's question.columns; the loss and the updated parameters by
default) are the answer: one the answers leave out is *missing*, not wrong. Any other entry
given is working shown along the way, and checked. A file that is not such a table (not
TOML, an unknown table or key, a wrong shape, a value that is not a number) is an
AnswersError: one line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from report.answer_rule import accepts, half_unit, printed
from report.diagnosis import Diagnosis, checked_mistakes, diagnose
from report.question import TOP, Answer, every_answer, part_of
from report.results import DEFAULT_DECIMALS
from solver.errors import InputError
from solver.reading import (
    MAX_RESULTS_BYTES,
    Invalid,
    describe,
    key_text,
    load_json,
    load_toml,
    number,
    printable,
    shorten,
)

TABLES = ("updated", "gradients", "forward")  # in the order they are reported
REQUIRED = "updated"
OK, WRONG, MISSING = "ok", "WRONG", "missing"


@dataclass(frozen=True)
class Entry:
    """One checked number: ``given`` is None when the answers leave it out."""

    name: str
    expected: float
    given: float | None
    printed: str  # the expected value as the key prints it (either, halfway between two)
    verdict: str
    column: str | None = None  # its column (report.question), when the question asks it


@dataclass(frozen=True)
class Check:
    key: str
    answers: str
    decimals: int
    entries: list[Entry]
    # What explains each wrong part (report.diagnosis); none when the key has no "mistakes".
    diagnoses: list[Diagnosis] = field(default_factory=list)

    def count(self, verdict: str) -> int:
        return sum(entry.verdict == verdict for entry in self.entries)

    @property
    def passed(self) -> bool:
        return all(entry.verdict == OK for entry in self.entries)


# --- reading the two files -----------------------------------------------------------------


class AnswersError(InputError):
    """The key or the answers file is missing or malformed."""


def _require_of_its_class(key: Path) -> None:
    """A variant's results.json inside a class folder must be of that class (a full
    rebuild stopped half way leaves variants of two classes): else AnswersError."""
    from orchestration.class_record import UnfitVariant, class_of_variant, read_variant

    try:
        found = class_of_variant(key)
        if found is not None:
            read_variant(*found)
    except InputError as err:
        raise AnswersError(str(err)) from None
    except UnfitVariant as why:
        out, described, member = found
        raise AnswersError(
            f"{key}: {member.name}: {why} (the class is {out / 'class.json'}'s): the class is "
            "incomplete: finish it by running its `build.py variants` command again"
        ) from None


@dataclass(frozen=True)
class Key:
    """A results.json as the checker reads it: its tables (TOP: a graph's f), in the order
    they are reported, the decimals its answers are printed at, every entry a question may
    ask and the columns its question asks (report.question)."""

    tables: dict[str, dict[str, Any]]
    decimals: int
    answers: tuple[Answer, ...]
    asked: frozenset[str]
    mistakes: dict[str, dict[str, float]] | None = None  # None: a key written before them


def load_key(path: Path) -> Key:
    """results.json's checkable tables, ``{table: {name: number or nested list}}``, checked
    as strictly as a config: every parameter W1, b1, …, W_k, b_k in ``updated`` (and in
    ``gradients``, if there) with the shapes of one network, finite numbers throughout
    (JSON's NaN and Infinity are refused), and ``forward.loss``; and the decimals its
    answers are printed at; a graph exercise's (report.graph_results), a finite f and
    gradients. A key that is not such a file would grade anything as right."""
    data = load_json(path, "a results.json", AnswersError, MAX_RESULTS_BYTES)
    try:
        if isinstance(data, dict) and data.get("family") == "graph":
            tables = _graph_tables(data)
            answers = tuple(every_answer(data))
        else:
            tables = _key_tables(data)
            answers = tuple(every_answer(tables))
        decimals = _decimals(data)
        asked = _asked(data, answers)
        return Key(tables, decimals, answers, asked, checked_mistakes(data, asked))
    except Invalid as err:
        raise AnswersError(f"{printable(str(path))}: not a results.json: {err.line('')}") from None


def _decimals(data: dict) -> int:
    """The places the answers are printed at: results.json's question.decimals (4, the
    report's default, in a results.json written before it said)."""
    question = data.get("question", {})
    if not isinstance(question, dict):
        raise Invalid(f"expected a table, got {describe(question)}", "question")
    decimals = question.get("decimals", DEFAULT_DECIMALS)
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 12:
        raise Invalid(
            f"expected an integer from 0 to 12, got {describe(decimals)}", "question.decimals"
        )
    return decimals


def _asked(data: dict, answers: tuple[Answer, ...]) -> frozenset[str]:
    """The columns asked: question.columns, each an entry of the key; a results.json written
    before it said asks every updated entry (what check asked then)."""
    every = {answer.column: answer for answer in answers}
    columns = data.get("question", {}).get("columns")
    if columns is None:
        return frozenset(c for c, answer in every.items() if answer.table == REQUIRED)
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise Invalid(
            f"expected a list of column names, got {describe(columns)}", "question.columns"
        )
    unknown = next((c for c in columns if c not in every), None)
    if unknown is not None:
        raise Invalid(f"no entry {printable(shorten(unknown))} in this key", "question.columns")
    return frozenset(columns)


def _key_tables(data: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(data, dict):
        raise Invalid(f"expected a table of tables, got {describe(data)}")
    for table in TABLES:
        if table in data and not isinstance(data[table], dict):
            raise Invalid(f"expected a table, got {describe(data[table])}", table)
    if REQUIRED not in data:
        raise Invalid(f"no table {REQUIRED!r}")
    if not data[REQUIRED]:
        raise Invalid("no parameters", REQUIRED)
    shapes = _parameter_shapes(data[REQUIRED])
    tables = {REQUIRED: data[REQUIRED]}
    if "gradients" in data:
        if set(data["gradients"]) != set(shapes):
            raise Invalid("expected the parameters of updated", "gradients")
        tables["gradients"] = data["gradients"]
    if "forward" in data:
        if "loss" not in data["forward"]:
            raise Invalid("no loss", "forward")
        tables["forward"] = data["forward"]
    for table, values in tables.items():
        for name, value in values.items():
            where = f"{table}.{key_text(name)}"
            array = _finite_array(value, where)
            if name in shapes and array.shape != shapes[name]:
                raise Invalid(f"expected shape {shapes[name]}, got {array.shape}", where)
            if table == "forward" and name == "loss" and array.shape != ():
                raise Invalid(f"expected a number, got shape {array.shape}", where)
    return tables


def _graph_tables(data: dict) -> dict[str, dict[str, Any]]:
    """A graph exercise's f (at the top, TOP) and gradients by input name, finite numbers."""
    if not isinstance(data.get("gradients"), dict) or not data["gradients"]:
        raise Invalid("expected a table of the inputs' gradients", "gradients")
    tables = {TOP: {"f": data.get("f")}, "gradients": data["gradients"]}
    for table, values in tables.items():
        for name, value in values.items():
            where = f"{table}.{key_text(name)}" if table else name
            if _finite_array(value, where).shape != ():
                raise Invalid(f"expected a number, got {describe(value)}", where)
    return tables


def _finite_array(value: Any, where: str) -> np.ndarray:
    """A number or a non-ragged nested list of finite numbers."""
    stack = [value]
    while stack:  # every leaf a number (numpy would read "1" as 1.0)
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, bool) or not isinstance(item, int | float):
            raise Invalid(f"expected numbers in a non-ragged array, got {describe(value)}", where)
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        message = f"expected numbers in a non-ragged array, got {describe(value)}"
        raise Invalid(message, where) from None
    if array.size == 0 or not np.all(np.isfinite(array)):
        raise Invalid("expected finite numbers", where)
    return array


def _parameter_shapes(updated: dict) -> dict[str, tuple[int, ...]]:
    """W1, b1, …, W_k, b_k, consecutive, the shapes of one network."""
    layers = len(updated) // 2
    expected = [f"{kind}{layer}" for layer in range(1, layers + 1) for kind in "Wb"]
    if sorted(updated) != sorted(expected) or len(updated) % 2:
        names = ", ".join(key_text(name) for name in updated)
        raise Invalid(f"expected W1, b1, …, W_k, b_k, got {shorten(names)}", REQUIRED)
    shapes = {}
    width = None
    for layer in range(1, layers + 1):
        W = _finite_array(updated[f"W{layer}"], f"{REQUIRED}.W{layer}")
        b = _finite_array(updated[f"b{layer}"], f"{REQUIRED}.b{layer}")
        rows = W.shape[0] if W.ndim == 2 else None
        if (
            W.ndim != 2
            or b.ndim != 1
            or W.shape[1] != b.shape[0]
            or (width is not None and rows != width)
        ):
            raise Invalid(
                f"W{layer} {W.shape} and b{layer} {b.shape} do not fit one network", REQUIRED
            )
        shapes[f"W{layer}"], shapes[f"b{layer}"] = W.shape, b.shape
        width = b.shape[0]
    return shapes


def _read_array(value: Any, shape: tuple[int, ...], where: str = "") -> Any:
    """``value`` as nested lists of floats of exactly ``shape``; Invalid names the spot.

    A given inf or nan is read (and will be simply wrong)."""
    if not shape:
        try:
            return number(value, finite=False)
        except Invalid as err:
            raise Invalid(where + err.message) from None
    size, inner = shape[0], shape[1:]
    unit = "rows" if inner else "entries"
    if not isinstance(value, list):
        kind = f"a {' x '.join(map(str, shape))} matrix" if inner else f"a list of {size} numbers"
        raise Invalid(f"{where}expected {kind}, got {describe(value)}")
    if len(value) != size:
        unit = unit if size != 1 else unit.removesuffix("s").replace("entrie", "entry")
        raise Invalid(f"{where}expected {size} {unit}, got {len(value)}")
    label = "row" if inner else "entry"
    return [_read_array(v, inner, f"{where}{label} {i}: ") for i, v in enumerate(value, 1)]


def load_answers(path: Path, key: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The answers, each in its expected shape; raises AnswersError (one line) if malformed."""
    data = load_toml(path, "a TOML file of answers", AnswersError)
    top = list(key.get(TOP, {}))  # a graph's f, at the top, as in its results.json
    expected = ", ".join(top + [f"[{table}]" for table in key if table != TOP])
    answers: dict[str, dict[str, Any]] = {}
    for table, values in data.items():
        if table in top and not isinstance(values, dict):
            try:
                answers.setdefault(TOP, {})[table] = _read_array(values, ())
            except Invalid as err:
                raise AnswersError(err.at(table).line(str(path))) from None
            continue
        if not isinstance(values, dict):
            why = "unknown key (expected " if top else "answers go under a table ("
            raise AnswersError(f"{path}: top-level key {key_text(table)}: {why}{expected})")
        if table == TOP or table not in key:
            raise AnswersError(f"{path}: unknown table [{key_text(table)}] (expected {expected})")
        answers[table] = {}
        for name, value in values.items():
            if name not in key[table]:
                known = ", ".join(key[table])
                raise AnswersError(
                    f"{path}: {table}.{key_text(name)}: unknown key (expected one of {known})"
                )
            try:
                answers[table][name] = _read_array(value, np.shape(key[table][name]))
            except Invalid as err:
                raise AnswersError(err.at(f"{table}.{name}").line(str(path))) from None
    return answers


# --- comparing -----------------------------------------------------------------------------


def _entry_name(table: str, name: str, index: tuple[int, ...]) -> str:
    """``updated.W1[1,2]``: 1-based, as the homework numbers entries; ``f`` at the top."""
    suffix = "[" + ",".join(str(i + 1) for i in index) + "]" if index else ""
    return f"{table}.{key_text(name)}{suffix}" if table else f"{key_text(name)}{suffix}"


def compare(key: Key, answers: dict[str, dict[str, Any]]) -> list[Entry]:
    """Every entry the key's question asks (left out: missing), and every other entry the
    answers give (working shown: checked), with a verdict: ok when it rounds to the value
    the key prints."""
    columns = {(a.table, a.name, a.index): a.column for a in key.answers}
    decimals = key.decimals
    entries = []
    for table, values in key.tables.items():
        for name, value in values.items():
            expected = np.asarray(value, dtype=np.float64)
            given_value = answers.get(table, {}).get(name)
            given = None if given_value is None else np.asarray(given_value, dtype=np.float64)
            for index in np.ndindex(expected.shape):
                asked = columns.get((table, name, index)) in key.asked
                if given is None and not asked:
                    continue
                value = float(expected[index])
                typed = None if given is None else float(given[index])
                right = typed is not None and accepts(typed, value, decimals)
                entries.append(
                    Entry(
                        name=_entry_name(table, name, index),
                        expected=value,
                        given=typed,
                        printed=" or ".join(printed(value, decimals)),
                        verdict=MISSING if typed is None else OK if right else WRONG,
                        column=columns[table, name, index] if asked else None,
                    )
                )
    return entries


def _diagnoses(key: Key, entries: list[Entry]) -> list[Diagnosis]:
    """What explains each wrong part asked (report.diagnosis); a part with an answer
    missing is incomplete, not wrong, and gets none."""
    if key.mistakes is None:
        return []
    asked = [entry for entry in entries if entry.column is not None]
    typed = {entry.column: entry.given for entry in asked}
    right = {entry.column: entry.expected for entry in asked}
    return [
        found
        for found in diagnose(typed, right, key.mistakes, key.decimals)
        if all(typed[c] is not None for c in right if part_of(c) == found.part)
    ]


def check(key: Path, answers: Path) -> Check:
    """Read both files and compare them.

    Raises:
        AnswersError: a file is missing or malformed.
    """
    _require_of_its_class(key)
    expected = load_key(key)
    given = load_answers(answers, expected.tables)
    entries = compare(expected, given)
    diagnoses = _diagnoses(expected, entries)
    return Check(str(key), str(answers), expected.decimals, entries, diagnoses)


# --- the table -----------------------------------------------------------------------------


def _number(value: float | None) -> str:
    """A number in the table: up to 10 significant digits, as a grader would compare them."""
    return "-" if value is None else f"{value:.10g}"


def format_check(result: Check) -> str:
    """The report: a header stating the rule, an aligned table, a summary line."""
    header = ("entry", "expected", "printed", "given", "verdict")
    rows = [
        (e.name, _number(e.expected), e.printed, _number(e.given), e.verdict)
        for e in result.entries
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:4], widths[1:4], strict=True)]
        return "  ".join([*cells, row[4]]).rstrip()

    explained = {d.part: d for d in result.diagnoses}
    parts = [None if e.column is None else part_of(e.column) for e in result.entries]
    body = []
    for at, row in enumerate(rows):
        body.append(line(row))
        part = parts[at]
        if part in explained and parts[at + 1 : at + 2] != [part]:  # the part's last entry
            body.append("  -> " + explained[part].words())
    total = len(result.entries)
    places = f"{result.decimals} decimal place" + ("" if result.decimals == 1 else "s")
    summary = f"{result.count(OK)} of {total} ok, {result.count(WRONG)} WRONG, "
    summary += f"{result.count(MISSING)} missing: " + ("PASS" if result.passed else "FAIL")
    return "\n".join(
        [
            f"key:     {printable(result.key)}",
            f"answers: {printable(result.answers)}",
            f"an entry is ok when it rounds to the printed value ({places}): "
            f"|given - printed| <= {half_unit(result.decimals):g}",
            "",
            line(header),
            line(tuple("-" * w for w in widths)),
            *body,
            "",
            summary,
        ]
    )
