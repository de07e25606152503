"""The instance file's schema: how each key of each section is read, one value at a time.

:data:`SCHEMA` maps section → key → :class:`Key` (how to read it, what it is, whether it is
required); [network]'s layer keys W1, b1, … depend on the file (:func:`network_keys`), and
y is read as the file's loss wants it. :func:`read_sections` checks the sections and keys
(unknown ones with a suggestion, missing ones with what they are) and reads every value;
solver.config then checks the arrays against each other.

Its length is the table: every key of every section, with its reader and its words, in one
place (the error messages and docs/config.md follow it).
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from solver.activations import ACTIVATIONS
from solver.losses import DEFAULT as DEFAULT_LOSS
from solver.losses import LOSSES
from solver.optimizers import OPTIMIZERS, Option
from solver.reading import Invalid, count, describe, key_text, number, shown

MAX_STEPS = 10_000
MAX_HIDDEN_LAYERS = 4


# --- readers: one value of one form --------------------------------------------------------

Reader = Callable[[Any], Any]


# [report] strings: at most this long; which characters the PDF's fonts can set is the
# report's to say (report.scripts), when it reads the [report] table (report.settings).
MAX_TEXT = 200


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid(f"expected a string, got {describe(value)}")
    if len(value) > MAX_TEXT:
        raise Invalid(f"expected at most {MAX_TEXT} characters, got {len(value)}")
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"expected true or false, got {describe(value)}")
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


# What a [question] may ask (report.question answers them in this order).
ASKABLE = ("loss", "forward", "gradients", "updated")
_PARAMETER = re.compile(r"[Wb][1-9][0-9]?")


def _list_of(read_one: Reader, what: str, *, empty: bool, unique: bool = True) -> Reader:
    """A reader of a list whose items ``read_one`` reads (none repeated, if ``unique``)."""

    def read(value: Any) -> tuple:
        if not isinstance(value, list) or (not value and not empty):
            raise Invalid(f"expected a list of {what}, got {describe(value)}")
        items = []
        for i, item in enumerate(value, 1):
            try:
                items.append(read_one(item))
            except Invalid as err:
                raise Invalid(f"entry {i}: {err.message}") from None
            if unique and items[-1] in items[:-1]:
                raise Invalid(f"entry {i}: {describe(item)} is listed twice")
        return tuple(items)

    return read


def _parameter_name(value: Any) -> str:
    if not isinstance(value, str) or not _PARAMETER.fullmatch(value):
        raise Invalid(f'expected a parameter\'s name ("W1", "b2", …), got {describe(value)}')
    return value


def _activations(value: Any) -> tuple[str, ...]:
    """One activation for every hidden layer, or a list of them, one per hidden layer."""
    read = _one_of(tuple(ACTIVATIONS))
    if isinstance(value, list):
        if not value:
            raise Invalid("expected an activation or a list of them, got an empty array []")
        return _list_of(read, "activations", empty=False, unique=False)(value)
    return (read(value),)


def _finite(value: Any) -> float:
    return number(value)


def _pair_in(low: float, high: float) -> Reader:
    """A reader of two numbers, each in [low, high) (Adam's betas)."""

    def read(value: Any) -> tuple[float, float]:
        if not isinstance(value, list) or len(value) != 2:
            raise Invalid(f"expected a list of two numbers, got {describe(value)}")
        pair = tuple(number(v) for v in value)
        for i, v in enumerate(pair, 1):
            if not low <= v < high:
                raise Invalid(f"entry {i}: expected a number in [{low:g}, {high:g}), got {v:g}")
        return pair

    return read


def _nonnegative(value: Any) -> float:
    result = number(value)
    if result < 0:
        raise Invalid(f"expected a number >= 0, got {shown(value)}")
    return result


def _option_key(option: Option) -> Key:
    """An optimizer's option as a [training] key (solver.optimizers holds its range)."""
    if option.kind == "bool":
        read = _boolean
    elif option.kind == "pair":
        read = _pair_in(option.low, option.high)
    elif option.high == float("inf"):
        read = _nonnegative
    else:
        read = _number_in(option.low, option.high)
    return Key(read, option.about, required=False)


# Every optimizer's options, each under its name, in the registry's order (the first reader
# of a name serves: they agree).
OPTION_KEYS: dict[str, Key] = {}
for _optimizer in OPTIMIZERS.values():
    for _name, _option in _optimizer.options.items():
        OPTION_KEYS.setdefault(_name, _option_key(_option))


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
        "student": _optional_string("the student's name, under the title"),
        "student_id": _optional_string("the student's id, under the name"),
        "paper": Key(_one_of(("a4", "letter")), "the paper size", required=False),
        "appendix": Key(_boolean, "whether the Verification appendix is in", required=False),
    },
    "question": {
        "ask": Key(
            _list_of(_one_of(ASKABLE), "quantities", empty=False),
            "what is asked: any of " + ", ".join(f'"{q}"' for q in ASKABLE),
            required=False,
        ),
        "parameters": Key(
            _list_of(_parameter_name, "parameter names", empty=False),
            "the parameters whose gradients and updated values are asked",
            required=False,
        ),
        "ask_given": Key(
            _boolean, "whether entries the handout already shows are asked", required=False
        ),
        "penalty": Key(
            _number_in(0.0, 1.0), "the share of the marks lost per extra try", required=False
        ),
        "step": Key(
            _integer_in(1, MAX_STEPS),
            "the step after which the updated parameters are asked",
            required=False,
        ),
    },
    "network": {  # the layers' W1, b1, W2, … are added per file: network_keys()
        "loss": Key(_one_of(tuple(LOSSES)), "the loss", required=False),
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
        "steps": Key(_integer_in(1, MAX_STEPS), "the number of optimizer steps", required=False),
        "optimizer": Key(
            _one_of(tuple(OPTIMIZERS)), "the optimizer (torch.optim's rule)", required=False
        ),
        "l2": Key(_nonnegative, "the L2 penalty λ on the weights, a number >= 0", required=False),
        **OPTION_KEYS,
    },
}
OPTIONAL_SECTIONS = frozenset({"report", "question"})


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
    loss = table.get("loss", DEFAULT_LOSS)
    keys["y"] = LABELS.get(loss, LABELS[DEFAULT_LOSS]) if isinstance(loss, str) else keys["y"]
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


def read_section(section: str, table: Mapping[str, Any]) -> dict[str, Any]:
    """Check a section's keys against the schema, then read each value that is given."""
    if not isinstance(table, dict):
        raise Invalid(f"expected a section [{section}], got {describe(table)}", section)
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


def read_sections(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
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
        sections[section] = read_section(section, table)
    return sections
