"""Reading the files a user gives (an instance, a results.json key, a student's answers):
bounded, UTF-8, parsed; and saying in a message what a value was.

Every reader raises the caller's error class (a subclass of InputError) with one line that
starts with the file's name, so the config loader and the grader report alike.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import tomllib
import unicodedata
from pathlib import Path
from typing import Any

from solver.errors import ConfigError, InputError

# A file larger than this is refused before it is parsed: a results.json of 10000 training
# steps is about 7 MB.
MAX_FILE_BYTES = 32 * 2**20
# A config or an answers file: the largest accepted network's, every number at full
# precision, is 2-3 MB (tomllib reads a megabyte in about a second; 32 MiB took 87 s).
MAX_TOML_BYTES = 8 * 2**20
# A results.json: the largest accepted run (steps × parameters ≤ 10⁶, the largest network
# for 19 steps) writes about 37 MB.
MAX_RESULTS_BYTES = 64 * 2**20


class Invalid(Exception):
    """A value broke a schema; ``field`` is filled in by whoever knows the value's name."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def at(self, field: str) -> Invalid:
        """The same complaint, now naming the field it is about."""
        return Invalid(self.message, field)

    def line(self, source: str) -> str:
        """The one-line message: ``source: field: message``."""
        return ": ".join(part for part in (source, self.field, self.message) if part)


# --- files -----------------------------------------------------------------------------------


def read_text(path: Path, what: str, error: type[InputError], limit: int | None = None) -> str:
    """The file's text, decoded as UTF-8 (a leading byte-order mark is allowed), at most
    ``limit`` bytes of it (default MAX_FILE_BYTES).

    ``what`` says what the file should be (``"a TOML file"``); it is named when the path
    turns out to be a directory.
    """
    limit = MAX_FILE_BYTES if limit is None else limit
    try:
        with Path(path).open("rb") as f:
            raw = f.read(limit + 1)
    except FileNotFoundError:
        raise error(f"{path}: no such file ({what})") from None
    except IsADirectoryError:
        raise error(f"{path}: expected {what}, got a directory") from None
    except OSError as err:
        raise error(f"{path}: cannot read the file: {err.strerror or err}") from None
    if len(raw) > limit:
        size = f"{limit // 2**20} MiB" if limit >= 2**20 else f"{limit // 2**10} KiB"
        raise error(f"{path}: expected {what} of at most {size}")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise error(
            f"{path}: expected UTF-8 text, got byte 0x{raw[err.start]:02x} at line {line}"
        ) from None


def load_toml(path: Path, what: str, error: type[InputError]) -> dict[str, Any]:
    """The file parsed as TOML; an empty file is an empty table."""
    return parse_toml(read_text(path, what, error, limit=MAX_TOML_BYTES), path, error)


def parse_toml(text: str, path: Path, error: type[InputError]) -> dict[str, Any]:
    """TOML text read from ``path``, parsed."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise error(f"{path}: not valid TOML: {err}") from None
    except RecursionError:
        raise error(
            f"{path}: arrays or tables nested too deeply (a matrix nests two deep)"
        ) from None


def read_config(path: Path) -> tuple[str, dict[str, Any]]:
    """An instance file read once (bounded) and parsed: its text and its TOML tables, for a
    build to fingerprint, to start TeX on and to solve (solver.config.parse_problem).

    Raises:
        ConfigError: the file is missing, unreadable, too large, not UTF-8, empty or not
            TOML; the message is one line starting with ``path``.
    """
    text = read_text(path, "a TOML file", ConfigError, limit=MAX_TOML_BYTES)
    if not text.strip():
        raise ConfigError(f"{path}: empty file: expected sections [network] and [training]")
    return text, parse_toml(text, path, ConfigError)


def load_json(path: Path, what: str, error: type[InputError], limit: int | None = None) -> Any:
    """The file (at most ``limit`` bytes, default MAX_FILE_BYTES) parsed as JSON."""
    try:
        return json.loads(read_text(path, what, error, limit), parse_constant=_no_constant)
    except json.JSONDecodeError as err:
        raise error(f"{path}: not {what}: invalid JSON: {err}") from None
    except ValueError as err:  # NaN or Infinity: no results.json holds them
        raise error(f"{path}: not {what}: {err}") from None
    except RecursionError:
        raise error(f"{path}: arrays or tables nested too deeply to be {what}") from None


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


# --- describing what was found ---------------------------------------------------------------


def shown(value: Any) -> str:
    """A value on one line as the user wrote it (strings quoted, escapes kept), for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, list):
        return "[" + ", ".join(shown(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key_text(k)} = {shown(v)}" for k, v in value.items()) + "}"
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def printable(text: str) -> str:
    r"""``text`` with every control character written as an escape: a name read from a file
    can then never move a terminal's cursor or hide a line (nor break a TeX or TOML file).

    >>> printable("ok.W1"), printable("a\x1b[2Jb")
    ('ok.W1', 'a\\x1b[2Jb')
    """
    return "".join(
        char if unicodedata.category(char)[0] != "C" else char.encode("unicode_escape").decode()
        for char in text
    )


def key_text(key: str) -> str:
    """A key as TOML would show it: bare if it can be, quoted otherwise."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def shorten(text: str, limit: int = 50) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_KINDS: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "boolean"),  # before int: a bool is an int in Python
    (int, "integer"),
    (float, "float"),
    (str, "string"),
    (list, "array"),
    (dict, "table"),
    (dt.datetime, "date-time"),
    (dt.date, "date"),
    (dt.time, "time"),
)


def describe(value: Any) -> str:
    """What was found, e.g. ``string "0.3"`` or ``boolean true``.

    >>> describe("0.3"), describe(True), describe([1, 2.5])
    ('string "0.3"', 'boolean true', 'array [1, 2.5]')
    """
    kind = next((name for types, name in _KINDS if isinstance(value, types)), None)
    return f"{kind or type(value).__name__} {shorten(shown(value))}"


def count(number: int, noun: str) -> str:
    """``1 row``, ``2 rows``; ``1 entry``, ``3 entries``.

    >>> count(1, "entry"), count(3, "entry"), count(2, "row")
    ('1 entry', '3 entries', '2 rows')
    """
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{number} {noun if number == 1 else plural}"


# --- numbers -----------------------------------------------------------------------------------


def number(value: Any, *, finite: bool = True) -> float:
    """An int or float (a bool is an int in Python but not a number here); with ``finite``,
    inf and nan are refused too. Raises Invalid."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(f"expected a number, got {describe(value)}")
    try:
        result = float(value)
    except OverflowError:
        raise Invalid(f"expected a number that fits a float, got {describe(value)}") from None
    if finite and not math.isfinite(result):
        raise Invalid(f"expected a finite number, got {describe(value)}")
    return result
