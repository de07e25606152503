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
import re
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import tomli_w

from solver.errors import ConfigError
from solver.instance import ACTIVATIONS, LOSSES, Params, Problem, ReportInfo
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
# The largest network and batch a build accepts: past these a build would take minutes or the
# pages would be mostly ellipses. steps × parameters bounds the training run's memory and
# results.json (about 25 bytes a number).
MAX_HIDDEN_LAYERS = 4
MAX_UNITS = 100
MAX_ROWS = 100
MAX_STEP_PARAMETERS = 1_000_000


# --- readers: one value of one form --------------------------------------------------------

Reader = Callable[[Any], Any]


# [report] strings: at most this long, and only characters the PDF's fonts can set (Latin
# scripts: ASCII, Latin-1 and Latin Extended-A, and typographic punctuation). Anything else
# would stop TeX after the whole computation, so it is refused up front, by name.
MAX_TEXT = 200
_TYPESET = frozenset("–—‘’‚“”„…•€†‡‰")
# Latin Extended-A letters LaTeX's T1 encoding has no glyph for (found by typesetting all).
_UNSET = frozenset("ĦħĸĿŀŉŦŧſ")


def _settable(char: str) -> bool:
    code = ord(char)
    latin = 0x20 <= code <= 0x7E or 0xA0 <= code <= 0x17F
    return (latin and char not in _UNSET) or char in _TYPESET


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid(f"expected a string, got {describe(value)}")
    if len(value) > MAX_TEXT:
        raise Invalid(f"expected at most {MAX_TEXT} characters, got {len(value)}")
    for char in value:
        if not _settable(char):
            shown_char = repr(char) if unicodedata.category(char)[0] == "C" else f"'{char}'"
            raise Invalid(
                f"the character {shown_char} (U+{ord(char):04X}, "
                f"{unicodedata.name(char, 'a control character').lower()}) cannot be typeset "
                f"in the PDF: use Latin letters"
            )
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


def _zeros_and_ones(value: Any, kind: str = "one-hot") -> np.ndarray:
    """Labels whose entries are exactly 0 or 1: a vector, or a matrix of rows."""
    y = _vector_or_matrix(value)
    for i, row in enumerate(np.atleast_2d(y), 1):
        for j, v in enumerate(row, 1):
            if v not in (0.0, 1.0):
                where = f"row {i}, column {j}" if y.ndim == 2 else f"entry {j}"
                raise Invalid(f"{where}: expected 0 or 1 ({kind}), got {v:g}")
    return y


def _multi_label(value: Any) -> np.ndarray:
    """Targets of binary cross-entropy: 0 or 1 each, any number of ones (multi-label)."""
    return _zeros_and_ones(value, "a label per output")


def _one_hot(value: Any) -> np.ndarray:
    """Labels: a one-hot vector, or a matrix of one-hot rows; entries exactly 0 or 1."""
    y = _zeros_and_ones(value)
    for i, row in enumerate(np.atleast_2d(y), 1):
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


def _one_of(choices: tuple[str, ...]) -> Reader:
    def read(value: Any) -> str:
        if not isinstance(value, str) or value not in choices:
            expected = ", ".join(f'"{c}"' for c in choices)
            raise Invalid(f"expected one of {expected}, got {describe(value)}")
        return value

    return read


def _activations(value: Any) -> tuple[str, ...]:
    """One activation for every hidden layer, or a list of them, one per hidden layer."""
    read = _one_of(ACTIVATIONS)
    if isinstance(value, list):
        if not value:
            raise Invalid("expected an activation or a list of them, got an empty array []")
        names = []
        for i, item in enumerate(value, 1):
            try:
                names.append(read(item))
            except Invalid as err:
                raise Invalid(f"entry {i}: {err.message}") from None
        return tuple(names)
    return (read(value),)


def _finite(value: Any) -> float:
    return number(value)


# Targets, by loss: what y must hold.
LABELS = {
    "cross_entropy": Key(
        _one_hot, "the label: a one-hot q-vector, or an m×q matrix of one-hot rows"
    ),
    "binary_cross_entropy": Key(
        _multi_label, "the labels: a q-vector of 0s and 1s, or an m×q matrix of them"
    ),
    "mse": Key(_vector_or_matrix, "the target: a q-vector, or an m×q matrix"),
}


SCHEMA: dict[str, dict[str, Key]] = {
    "report": {
        "title": _optional_string("the document title"),
        "author": _optional_string("the author's name"),
        "course": _optional_string("the course name"),
        "date": _optional_string("the date, as it should be printed"),
        "decimals": Key(_integer_in(0, 12), "digits after the decimal point", required=False),
    },
    "network": {  # the layers' W1, b1, W2, … are added per file: network_keys()
        "loss": Key(_one_of(LOSSES), "the loss", required=False),
        "activation": Key(_activations, "the hidden layers' activation(s)", required=False),
        "negative_slope": Key(_finite, "leaky ReLU's slope for h < 0", required=False),
        "x": Key(_vector_or_matrix, "the input: a d-vector, or an m×d matrix for a mini-batch"),
        "y": LABELS["cross_entropy"],
    },
    "training": {
        "epsilon": Key(
            _number_in(0.0, 1.0), "the label smoothing, a number in [0, 1]", required=False
        ),
        "learning_rate": Key(_positive, "the gradient-descent step size, a number > 0"),
        "steps": Key(
            _integer_in(1, MAX_STEPS), "the number of gradient-descent steps", required=False
        ),
    },
}
OPTIONAL_SECTIONS = frozenset({"report"})


def _keys_of(section: str) -> dict[str, Key]:
    """A section's keys as for the homework's network (one hidden layer, cross-entropy, whose
    label smoothing is then required): what messages list."""
    if section == "network":
        return network_keys({})
    if section == "training":
        epsilon = dataclasses.replace(SCHEMA["training"]["epsilon"], required=True)
        return {**SCHEMA["training"], "epsilon": epsilon}
    return SCHEMA[section]


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
    homes = {key: section for section in SCHEMA for key in _keys_of(section)}
    match = _closest(name, list(homes))
    hint = f" (did you mean {homes[match]}.{match}? keys go under their [section])" if match else ""
    return Invalid(f"unknown top-level key {key_text(name)}{hint}")


_LAYER_KEY = re.compile(r"([Wb])([0-9]+)")


def network_keys(table: Mapping[str, Any]) -> dict[str, Key]:
    """[network]'s keys for this file: the fixed ones, y as its loss wants it, and W1, b1, …
    up to the last layer the file gives (each W_l and b_l required up to there)."""
    keys = dict(SCHEMA["network"])
    loss = table.get("loss", "cross_entropy")
    keys["y"] = LABELS.get(loss, LABELS["cross_entropy"]) if isinstance(loss, str) else keys["y"]
    indices = [int(m[2]) for m in map(_LAYER_KEY.fullmatch, table) if m and m[2] != "0"]
    layers = min(max(indices, default=2), MAX_HIDDEN_LAYERS + 1)
    for k in range(1, layers + 1):
        into = "the input" if k == 1 else f"hidden layer {k - 1}"
        out = "the output" if k == layers else f"hidden layer {k}"
        rows = "d" if k == 1 else f"n{k - 1}"
        cols = "q" if k == layers else f"n{k}"
        keys[f"W{k}"] = Key(_matrix, f"the weights from {into} to {out}: a {rows}×{cols} matrix")
        keys[f"b{k}"] = Key(_vector, f"the bias of {out}: a {cols}-vector")
    return keys


def _read_section(section: str, table: Mapping[str, Any]) -> dict[str, Any]:
    """Check a section's keys against the schema, then read each value that is given."""
    keys = network_keys(table) if section == "network" else SCHEMA[section]
    if section == "network":
        for name in table:
            match = _LAYER_KEY.fullmatch(name)
            if match and int(match[2]) > MAX_HIDDEN_LAYERS + 1:
                raise Invalid(
                    f"network.{name}: at most {MAX_HIDDEN_LAYERS} hidden layers "
                    f"(W1 … W{MAX_HIDDEN_LAYERS + 1}), got a layer {match[2]}"
                )
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
            known = _keys_of(section)
            keys = ", ".join(name for name, key in known.items() if key.required)
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


def _check_shapes(network: Mapping[str, Any]) -> None:
    """The widths agree across the arrays: d from x, each layer's from its bias, q from y.

    The vectors are checked first, so a matrix is blamed only once the sizes it must fit
    are known to be right, and the message can name them.
    """
    x, y, loss = network["x"], network["y"], network.get("loss", "cross_entropy")
    layers = sum(1 for name in network if name.startswith("W"))
    W = [network[f"W{k}"] for k in range(1, layers + 1)]
    b = [network[f"b{k}"] for k in range(1, layers + 1)]
    d = x.shape[-1]
    widths = []
    for k in range(layers):  # the width out of layer k + 1: its bias, W's columns, next rows
        after = W[k + 1].shape[0] if k + 1 < layers else y.shape[-1]
        widths.append(_consensus(b[k].size, W[k].shape[1], after))
    for k, width in enumerate(widths):
        if b[k].size != width:
            after = f"W{k + 2}'s rows" if k + 1 < layers else "y's length"
            raise Invalid(
                f"expected {count(width, 'entry')} to fit W{k + 1}'s columns and {after}, "
                f"got {b[k].size}",
                f"network.b{k + 1}",
            )
    _check_batch(x, y)
    q = widths[-1]
    if y.shape[-1] != q:
        unit = "columns" if y.ndim == 2 else "entries"
        per = "output" if loss == "mse" else "class"
        raise Invalid(
            f"expected {q} {unit}, one per {per}, to fit b{layers} ({q}), got {y.shape[-1]}",
            "network.y",
        )
    for k in range(layers):
        rows = d if k == 0 else widths[k - 1]
        if k == 0:
            fits = (f"x ({d})" if x.ndim == 1 else f"x's {d} columns") + f" and b1 ({widths[0]})"
        else:
            fits = f"b{k} ({rows}) and b{k + 1} ({widths[k]})"
        if W[k].shape != (rows, widths[k]):
            raise Invalid(
                f"expected shape {(rows, widths[k])} to fit {fits}, got {W[k].shape}",
                f"network.W{k + 1}",
            )
    if loss == "cross_entropy" and q < 2:
        raise Invalid(f"expected at least 2 classes (q >= 2), got q = {q}", "network.y")
    _check_sizes(x, widths)


def _check_sizes(x: np.ndarray, widths: list[int]) -> None:
    """Within what a build handles: MAX_UNITS a layer, MAX_ROWS instances a batch."""
    if x.shape[-1] > MAX_UNITS:
        raise Invalid(f"expected at most {MAX_UNITS} inputs (d), got {x.shape[-1]}", "network.x")
    for k, width in enumerate(widths, 1):
        if width > MAX_UNITS:
            raise Invalid(
                f"expected at most {MAX_UNITS} units in a layer, got {width}", f"network.b{k}"
            )
    if x.ndim == 2 and x.shape[0] > MAX_ROWS:
        raise Invalid(
            f"expected at most {MAX_ROWS} rows (instances of a batch), got {x.shape[0]}",
            "network.x",
        )


def _check_training(training: Mapping[str, Any], network: Mapping[str, Any]) -> None:
    """Label smoothing goes with cross-entropy only; steps × parameters stays bounded."""
    loss = network.get("loss", "cross_entropy")
    if loss == "cross_entropy" and "epsilon" not in training:
        about = SCHEMA["training"]["epsilon"].about
        raise Invalid(f"missing key training.epsilon ({about})")
    if loss != "cross_entropy" and training.get("epsilon", 0.0) != 0:
        raise Invalid(
            f'label smoothing goes with loss = "cross_entropy" only: expected 0 (or no '
            f'epsilon) with loss = "{loss}", got {shown(training["epsilon"])}',
            "training.epsilon",
        )
    parameters = sum(v.size for k, v in network.items() if k[0] in "Wb" and k[1:].isdigit())
    steps = training.get("steps", 1)
    if steps * parameters > MAX_STEP_PARAMETERS:
        raise Invalid(
            f"expected at most {MAX_STEP_PARAMETERS // parameters} steps for a network of "
            f"{parameters} parameters (steps × parameters <= {MAX_STEP_PARAMETERS}), "
            f"got {steps}",
            "training.steps",
        )


def _check_activations(network: Mapping[str, Any]) -> tuple[str, ...]:
    """One activation per hidden layer: a single name applies to every one."""
    hidden = sum(1 for name in network if name.startswith("W")) - 1
    names = network.get("activation", ("relu",))
    if len(names) == 1:
        return names * hidden
    if len(names) != hidden:
        raise Invalid(
            f"expected one activation, or a list of {hidden} (one per hidden layer), "
            f"got a list of {len(names)}",
            "network.activation",
        )
    return names


# --- the public API ------------------------------------------------------------------------


def parse_problem(data: Mapping[str, Any], source: str) -> Problem:
    """Validate already-parsed TOML into a Problem; ``source`` names it in error messages.

    Raises:
        ConfigError: with a one-line message ``source: field: expected …, got …``.
    """
    try:
        sections = _read_sections(data)
        network, training = sections["network"], sections["training"]
        _check_shapes(network)
        activations = _check_activations(network)
        _check_training(training, network)
    except Invalid as err:
        raise ConfigError(err.line(source)) from None
    params = Params(**{k: v for k, v in network.items() if k[0] in "Wb" and k[1:].isdigit()})
    return Problem(
        x=network["x"],
        y=network["y"],
        params=params,
        epsilon=training.get("epsilon", 0.0),
        learning_rate=training["learning_rate"],
        steps=training.get("steps", 1),
        report=ReportInfo(**sections["report"]),
        activations=activations,
        negative_slope=network.get("negative_slope", 0.01),
        loss=network.get("loss", "cross_entropy"),
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
    if not problem.homework_family or problem.hidden_layers != 1:
        network.update(loss=problem.loss, activation=list(problem.activations))
        if "leaky_relu" in problem.activations:
            network["negative_slope"] = problem.negative_slope
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
