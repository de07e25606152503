"""Load an instance TOML file and validate it into a :class:`~solver.instance.Problem`.

The schema is one table, :data:`SCHEMA`: section → key → how to read its value. Checking
runs in three passes, so that each message blames the real culprit:

1. the file itself: it exists, is UTF-8, is TOML;
2. each section and key on its own: present, known, and of the right form (a string, a
   number in range, a vector, a matrix that is not ragged, a one-hot ``y``);
3. the arrays against each other: d, n and q must agree across ``x, y, W1, b1, W2, b2``.

Every failure is a :class:`~solver.errors.ConfigError` whose message is one line:
the file, the dotted field, what was expected and what was found, e.g.
``problems/mine.toml: network.W1: expected shape (2, 3) to fit x (2) and b1 (3), got (3, 2)``.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import tomli_w

from solver.errors import ConfigError
from solver.instance import Params, Problem, ReportInfo
from solver.reading import (
    Invalid,
    count,
    describe,
    key_text,
    number,
    parse_toml,
    read_text,
    shown,
)

MAX_STEPS = 10_000


# --- readers: one value of one form --------------------------------------------------------

Reader = Callable[[Any], Any]


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid(f"expected a string, got {describe(value)}")
    return value


def _integer_in(low: int, high: int) -> Reader:
    """A reader of an int in low..high (not a float, not a bool)."""

    def read(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise Invalid(f"expected an integer in {low}..{high}, got {describe(value)}")
        return value

    return read


def _number_in(low: float, high: float) -> Reader:
    """A reader of a finite number in the closed interval [low, high]."""

    def read(value: Any) -> float:
        result = number(value)
        if not low <= result <= high:
            raise Invalid(f"expected a number in [{low:g}, {high:g}], got {shown(value)}")
        return result

    return read


def _positive(value: Any) -> float:
    result = number(value)
    if result <= 0:
        raise Invalid(f"expected a number > 0, got {shown(value)}")
    return result


def _entry(value: Any, where: str) -> float:
    """One number inside an array; a complaint says where it sits."""
    try:
        return number(value)
    except Invalid as err:
        raise Invalid(f"{where}: {err.message}") from None


def _array(value: Any, expected: str) -> list[Any]:
    """A nonempty TOML array."""
    if not isinstance(value, list):
        raise Invalid(f"expected {expected}, got {describe(value)}")
    if not value:
        raise Invalid(f"expected {expected}, got an empty array []")
    return value


def _vector(value: Any) -> np.ndarray:
    """A nonempty list of numbers, as a float64 array of shape (k,)."""
    items = _array(value, "a vector (a list of numbers)")
    if all(isinstance(item, list) for item in items):
        raise Invalid(
            f"expected a vector (a list of numbers), got a matrix of {count(len(items), 'row')}"
        )
    return np.array([_entry(v, f"entry {i}") for i, v in enumerate(items, 1)], dtype=np.float64)


def _matrix(value: Any) -> np.ndarray:
    """A nonempty, non-ragged list of rows of numbers, as a float64 array of shape (r, c)."""
    rows = _array(value, "a matrix (a list of rows)")
    if not any(isinstance(row, list) for row in rows):
        raise Invalid(
            f"expected a matrix (a list of rows, e.g. [[1, 2], [3, 4]]), "
            f"got a vector of {count(len(rows), 'entry')}"
        )
    for i, row in enumerate(rows, 1):
        if not isinstance(row, list):
            raise Invalid(f"row {i}: expected a row (a list of numbers), got {describe(row)}")
    width = len(rows[0])
    for i, row in enumerate(rows[1:], 2):
        if len(row) != width:
            raise Invalid(
                f"ragged matrix: row {i} has {count(len(row), 'entry')}, row 1 has {width}"
            )
    if width == 0:
        raise Invalid("expected rows of at least one number, got empty rows []")
    return np.array(
        [
            [_entry(v, f"row {i}, column {j}") for j, v in enumerate(row, 1)]
            for i, row in enumerate(rows, 1)
        ],
        dtype=np.float64,
    )


def _vector_or_matrix(value: Any) -> np.ndarray:
    """A vector (one example) or a matrix of rows (a mini-batch), told apart by the first item."""
    items = _array(value, "a vector, or a matrix with one row per example")
    return _matrix(items) if isinstance(items[0], list) else _vector(items)


def _one_hot(value: Any) -> np.ndarray:
    """Labels: a one-hot vector, or a matrix of one-hot rows; entries exactly 0 or 1."""
    y = _vector_or_matrix(value)
    for i, row in enumerate(np.atleast_2d(y), 1):
        for j, v in enumerate(row, 1):
            if v not in (0.0, 1.0):
                where = f"row {i}, column {j}" if y.ndim == 2 else f"entry {j}"
                raise Invalid(f"{where}: expected 0 or 1 (one-hot), got {v:g}")
        ones = int(row.sum())
        if ones != 1:
            where = f"row {i}: " if y.ndim == 2 else ""
            entries = ", ".join(f"{v:g}" for v in row)
            raise Invalid(f"{where}expected exactly one 1 (one-hot), got {ones} in [{entries}]")
    return y


# --- the schema ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Key:
    """One key of the schema: how to read it, what it is (for messages), whether it is required."""

    read: Reader
    about: str
    required: bool = True


def _optional_string(about: str) -> Key:
    return Key(_string, about, required=False)


SCHEMA: dict[str, dict[str, Key]] = {
    "report": {
        "title": _optional_string("the document title"),
        "author": _optional_string("the author's name"),
        "course": _optional_string("the course name"),
        "date": _optional_string("the date, as it should be printed"),
        "decimals": Key(_integer_in(0, 12), "digits after the decimal point", required=False),
    },
    "network": {
        "x": Key(_vector_or_matrix, "the input: a d-vector, or an m×d matrix for a mini-batch"),
        "y": Key(_one_hot, "the label: a one-hot q-vector, or an m×q matrix of one-hot rows"),
        "W1": Key(_matrix, "the input-to-hidden weights: a d×n matrix"),
        "b1": Key(_vector, "the hidden bias: an n-vector"),
        "W2": Key(_matrix, "the hidden-to-output weights: an n×q matrix"),
        "b2": Key(_vector, "the output bias: a q-vector"),
    },
    "training": {
        "epsilon": Key(_number_in(0.0, 1.0), "the label smoothing, a number in [0, 1]"),
        "learning_rate": Key(_positive, "the gradient-descent step size, a number > 0"),
        "steps": Key(
            _integer_in(1, MAX_STEPS), "the number of gradient-descent steps", required=False
        ),
    },
}
OPTIONAL_SECTIONS = frozenset({"report"})


def _closest(name: str, choices: list[str]) -> str | None:
    """The choice a typo most likely meant: same letters up to case, else difflib's best."""
    for choice in choices:
        if choice.lower() == name.lower():
            return choice
    lowered = {choice.lower(): choice for choice in choices}
    match = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


def _unknown_top_level(name: str, value: Any) -> Invalid:
    """A stray section (a typo?) or a key written above every [section]."""
    if isinstance(value, dict):
        match = _closest(name, list(SCHEMA))
        hint = (
            f"did you mean [{match}]?"
            if match
            else "expected " + ", ".join(f"[{s}]" for s in SCHEMA)
        )
        return Invalid(f"unknown section [{key_text(name)}] ({hint})")
    homes = {key: section for section, keys in SCHEMA.items() for key in keys}
    match = _closest(name, list(homes))
    hint = f" (did you mean {homes[match]}.{match}? keys go under their [section])" if match else ""
    return Invalid(f"unknown top-level key {key_text(name)}{hint}")


def _read_section(section: str, table: Mapping[str, Any]) -> dict[str, Any]:
    """Check a section's keys against the schema, then read each value that is given."""
    keys = SCHEMA[section]
    for name in table:
        if name not in keys:
            match = _closest(name, list(keys))
            hint = f"did you mean {match}?" if match else "expected one of: " + ", ".join(keys)
            raise Invalid(f"unknown key {section}.{key_text(name)} ({hint})")
    for name, key in keys.items():
        if key.required and name not in table:
            raise Invalid(f"missing key {section}.{name} ({key.about})")
    values = {}
    for name, key in keys.items():
        if name in table:
            try:
                values[name] = key.read(table[name])
            except Invalid as err:
                raise err.at(f"{section}.{name}") from None
    return values


def _read_sections(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every section of the schema, read; an absent optional section is an empty dict."""
    for name, value in data.items():
        if name not in SCHEMA:
            raise _unknown_top_level(name, value)
    sections = {}
    for section in SCHEMA:
        if section not in data:
            if section in OPTIONAL_SECTIONS:
                sections[section] = {}
                continue
            keys = ", ".join(name for name, key in SCHEMA[section].items() if key.required)
            raise Invalid(f"missing section [{section}] (with keys {keys})")
        table = data[section]
        if not isinstance(table, dict):
            raise Invalid(f"expected a section [{section}], got {describe(table)}", section)
        sections[section] = _read_section(section, table)
    return sections


# --- the arrays against each other ---------------------------------------------------------


def _consensus(vector: int, first: int, second: int) -> int:
    """The size two of three witnesses agree on; when the matrices disagree the vector decides.

    A lone odd witness is then the culprit, whichever array it is.
    """
    return first if first == second else vector


def _check_batch(x: np.ndarray, y: np.ndarray) -> None:
    """y has one row per row of x, or is a vector when x is."""
    if x.ndim == 1 and y.ndim == 2:
        raise Invalid(
            f"expected a vector (x is one example), got a matrix of shape {y.shape}", "network.y"
        )
    if x.ndim == 2 and y.ndim == 1:
        raise Invalid(
            f"expected a matrix with one row per row of x ({x.shape[0]}), "
            f"got a vector of {count(y.size, 'entry')}",
            "network.y",
        )
    if x.ndim == 2 and x.shape[0] != y.shape[0]:
        raise Invalid(
            f"expected {x.shape[0]} rows, one per row of x, got {y.shape[0]}", "network.y"
        )


def _check_shapes(network: Mapping[str, np.ndarray]) -> None:
    """d, n and q agree across the arrays.

    The vectors are checked first, so a matrix is blamed only once the sizes it must fit
    are known to be right, and the message can name them.
    """
    x, y, W1, b1, W2, b2 = (network[k] for k in ("x", "y", "W1", "b1", "W2", "b2"))
    d = x.shape[-1]
    n = _consensus(b1.size, W1.shape[1], W2.shape[0])
    q = _consensus(b2.size, W2.shape[1], y.shape[-1])
    if b1.size != n:
        raise Invalid(
            f"expected {count(n, 'entry')} to fit W1's columns and W2's rows, got {b1.size}",
            "network.b1",
        )
    if b2.size != q:
        raise Invalid(
            f"expected {count(q, 'entry')} to fit W2's columns and y's length, got {b2.size}",
            "network.b2",
        )
    _check_batch(x, y)
    if y.shape[-1] != q:
        unit = "columns" if y.ndim == 2 else "entries"
        raise Invalid(
            f"expected {q} {unit}, one per class, to fit b2 ({q}), got {y.shape[-1]}", "network.y"
        )
    x_size = f"x ({d})" if x.ndim == 1 else f"x's {d} columns"
    if W1.shape != (d, n):
        raise Invalid(
            f"expected shape {(d, n)} to fit {x_size} and b1 ({n}), got {W1.shape}", "network.W1"
        )
    if W2.shape != (n, q):
        raise Invalid(
            f"expected shape {(n, q)} to fit b1 ({n}) and b2 ({q}), got {W2.shape}", "network.W2"
        )
    if q < 2:
        raise Invalid(f"expected at least 2 classes (q >= 2), got q = {q}", "network.y")


# --- the public API ------------------------------------------------------------------------


def parse_problem(data: Mapping[str, Any], source: str) -> Problem:
    """Validate already-parsed TOML into a Problem; ``source`` names it in error messages.

    Raises:
        ConfigError: with a one-line message ``source: field: expected …, got …``.
    """
    try:
        sections = _read_sections(data)
        network = sections["network"]
        _check_shapes(network)
    except Invalid as err:
        raise ConfigError(err.line(source)) from None
    params = Params(W1=network["W1"], b1=network["b1"], W2=network["W2"], b2=network["b2"])
    return Problem(
        x=network["x"],
        y=network["y"],
        params=params,
        **sections["training"],
        report=ReportInfo(**sections["report"]),
    )


def load_problem(path: str | os.PathLike[str]) -> Problem:
    """Read, parse and validate the instance TOML file at ``path``.

    Raises:
        ConfigError: the file is missing, unreadable, too large, not UTF-8, empty, not TOML,
            or does not fit :data:`SCHEMA`; the message is one line starting with ``path``.
    """
    source = Path(os.fspath(path))
    text = read_text(source, "a TOML file", ConfigError)
    if not text.strip():
        raise ConfigError(f"{source}: empty file: expected sections [network] and [training]")
    return parse_problem(parse_toml(text, source, ConfigError), os.fspath(path))


def problem_toml(problem: Problem, comment: str = "") -> str:
    """The instance as a config file in :data:`SCHEMA`, which :func:`load_problem` reads back
    exactly: whole numbers are written as integers, other floats so that they round-trip."""
    network = {"x": problem.x, "y": problem.y, **problem.params.as_dict()}
    training = {
        "epsilon": problem.epsilon,
        "learning_rate": problem.learning_rate,
        "steps": problem.steps,
    }
    tables = {
        "report": dataclasses.asdict(problem.report),
        "network": {key: _plain(value) for key, value in network.items()},
        "training": {key: _plain(value) for key, value in training.items()},
    }
    header = "".join(f"# {line}\n" for line in comment.splitlines())
    return header + ("\n" if header else "") + tomli_w.dumps(tables)


def _plain(value: Any) -> Any:
    """Arrays as nested lists, whole floats as ints (``-5`` rather than ``-5.0``; -0.0 keeps
    its sign)."""
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer() and str(value) != "-0.0":
        return int(value)
    return value
