"""Tests of solver.config: the homework's instance loads; every bad file gets one clear line."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from instances import HOMEWORK_CONFIG, assert_same_problem

from report.scripts import settable
from report.settings import ReportInfo, load_instance
from solver.config import load_problem, parse_problem, problem_toml
from solver.draw import draw_variants
from solver.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent

# The homework's instance, as TOML value text, section by section.
HOMEWORK = {
    "network": {
        "x": "[0, 2]",
        "y": "[1, 0, 0]",
        "W1": "[[-5, 2, 2], [-5, 2, -1]]",
        "b1": "[-3, -2, -3]",
        "W2": "[[3, -4, 1], [-2, -4, -2], [-4, -2, 3]]",
        "b2": "[4, 5, 5]",
    },
    "training": {"epsilon": "0.3", "learning_rate": "0.1"},
}


def instance(changes: dict[str, str | None] | None = None) -> str:
    """The homework's instance as TOML text, with ``{"section.key": value}`` changes.

    A value of None drops the key; a new section or key is added.
    """
    sections = {name: dict(keys) for name, keys in HOMEWORK.items()}
    for dotted, value in (changes or {}).items():
        section, key = dotted.split(".", 1)
        keys = sections.setdefault(section, {})
        if value is None:
            del keys[key]
        else:
            keys[key] = value
    return "".join(
        f"[{name}]\n" + "".join(f"{key} = {value}\n" for key, value in keys.items())
        for name, keys in sections.items()
    )


def write(tmp_path: Path, text: str | bytes, name: str = "mine.toml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    """The message load_problem raises, checked to be one line starting with the path."""
    with pytest.raises(ConfigError) as info:
        load_problem(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: "), message
    return message.removeprefix(f"{path}: ")


def assert_homework_arrays(problem) -> None:
    np.testing.assert_array_equal(problem.x, [0, 2])
    np.testing.assert_array_equal(problem.y, [1, 0, 0])
    np.testing.assert_array_equal(problem.params.W1, [[-5, 2, 2], [-5, 2, -1]])
    np.testing.assert_array_equal(problem.params.b1, [-3, -2, -3])
    np.testing.assert_array_equal(problem.params.W2, [[3, -4, 1], [-2, -4, -2], [-4, -2, 3]])
    np.testing.assert_array_equal(problem.params.b2, [4, 5, 5])
    arrays = [problem.x, problem.y, *problem.params.as_dict().values()]
    assert all(a.dtype == np.float64 for a in arrays)
    assert problem.shape == (2, 3, 3)
    assert (problem.epsilon, problem.learning_rate) == (0.3, 0.1)


# --- instances that load -------------------------------------------------------------------


def test_problems_hw3_toml_is_the_homework():
    """problems/hw3.toml loads as the homework's Problem 2 instance, with its report strings."""
    problem, info = load_instance(ROOT / "problems" / "hw3.toml")
    assert_homework_arrays(problem)
    assert problem.steps == 1
    assert info.course == "Machine Learning Course 2024 Spring, Homework 3"
    assert info.title == "Solutions to Homework 3"
    assert info.decimals == 4


def test_minimal_instance_takes_the_defaults(tmp_path):
    """Without [report] and steps, the dataclass defaults apply; a str path works too."""
    problem = load_problem(str(write(tmp_path, instance())))
    assert_homework_arrays(problem)
    assert problem.steps == 1
    _, info = load_instance(write(tmp_path, instance()))
    assert info == ReportInfo()
    # neutral words: no homework's own title or course (problems/hw3.toml states its own)
    assert "Homework" not in info.course + info.title and "2024" not in info.course
    assert isinstance(problem.epsilon, float) and isinstance(problem.learning_rate, float)


def test_report_and_steps_are_read(tmp_path):
    """Every [report] string and decimals, and steps, reach the Problem."""
    changes = {
        "report.title": '"T"',
        "report.author": '"Ada"',
        "report.course": '"C"',
        "report.date": '"today"',
        "report.decimals": "0",
        "training.steps": "10000",
    }
    problem, info = load_instance(write(tmp_path, instance(changes)))
    assert info == ReportInfo(title="T", author="Ada", course="C", date="today", decimals=0)
    assert problem.steps == 10000


@pytest.mark.parametrize(
    ("epsilon", "expected"), [("0", 0.0), ("1", 1.0), ("1.0", 1.0), ("0.25", 0.25)]
)
def test_epsilon_bounds_are_inclusive(tmp_path, epsilon, expected):
    """ε may be 0 or 1, and may be written as an int."""
    problem = load_problem(write(tmp_path, instance({"training.epsilon": epsilon})))
    assert problem.epsilon == expected


def test_mini_batch_keeps_its_rows(tmp_path):
    """x (m, d) and y (m, q) stay matrices."""
    changes = {"network.x": "[[0, 2], [1.5, -1]]", "network.y": "[[1, 0, 0], [0, 0, 1]]"}
    problem = load_problem(write(tmp_path, instance(changes)))
    assert problem.x.shape == (2, 2) and problem.y.shape == (2, 3)
    np.testing.assert_array_equal(problem.y, [[1, 0, 0], [0, 0, 1]])
    assert problem.shape == (2, 3, 3)


def test_smallest_sizes_work(tmp_path):
    """d = n = 1 and q = 2 are allowed."""
    changes = {
        "network.x": "[0.5]",
        "network.y": "[0, 1]",
        "network.W1": "[[2]]",
        "network.b1": "[-1]",
        "network.W2": "[[1, -1]]",
        "network.b2": "[0, 0.5]",
    }
    problem = load_problem(write(tmp_path, instance(changes)))
    assert problem.shape == (1, 1, 2)


def test_byte_order_mark_is_accepted(tmp_path):
    """A UTF-8 file saved with a BOM (some Windows editors) still loads."""
    problem = load_problem(write(tmp_path, "\ufeff".encode() + instance().encode()))
    assert problem.shape == (2, 3, 3)


def test_parse_problem_takes_parsed_toml():
    """parse_problem validates a dict, naming its source in errors."""
    data = {
        "network": {"x": [0, 2], "y": [1, 0, 0], "W1": [[-5, 2, 2], [-5, 2, -1]]},
        "training": {"epsilon": 0.3, "learning_rate": 0.1},
    }
    data["network"] |= {"b1": [-3, -2, -3], "W2": [[3, -4, 1], [-2, -4, -2], [-4, -2, 3]]}
    data["network"]["b2"] = [4, 5, 5]
    assert_homework_arrays(parse_problem(data, "given"))
    del data["network"]["b2"]
    with pytest.raises(ConfigError, match=r"^given: missing key network\.b2 "):
        parse_problem(data, "given")


# --- the file itself -----------------------------------------------------------------------


def test_missing_file(tmp_path):
    """A path that does not exist."""
    assert error_of(tmp_path / "nope.toml") == "no such file (a TOML file)"


def test_directory_instead_of_file(tmp_path):
    """A directory where the file should be."""
    assert error_of(tmp_path) == "expected a TOML file, got a directory"


def test_unreadable_file(tmp_path, monkeypatch):
    """An OS error on reading (permissions: simulated, as root may read anything)."""
    path = write(tmp_path, instance())

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)
    assert error_of(path) == "cannot read the file: Permission denied"


def test_non_utf8_bytes(tmp_path):
    """Latin-1 text: name the byte and its line."""
    path = write(tmp_path, b"[report]\nauthor = 'Ana'\ntitle = 'Caf\xe9'\n")
    assert error_of(path) == "expected UTF-8 text, got byte 0xe9 at line 3"


@pytest.mark.parametrize("text", ["", " \n\n\t\n"], ids=["empty", "blank"])
def test_empty_file(tmp_path, text):
    """An empty or blank file says so, and which sections it needs."""
    message = error_of(write(tmp_path, text))
    assert message.startswith("empty file") and "[network]" in message and "[training]" in message


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[network]\nx = [0, 2]\ny = \n", "(at line 3, column 5)"),
        ("[network]\nx = [0, 2\n", "(at end of document)"),
        ("[training]\nepsilon = 0.3\nepsilon = 0.4\n", "(at line 3, column 14)"),
        ("[training\n", "(at line 1, column 10)"),
    ],
    ids=["no-value", "unclosed-array", "duplicate-key", "unclosed-header"],
)
def test_not_toml(tmp_path, text, where):
    """A TOML syntax error keeps tomllib's position."""
    message = error_of(write(tmp_path, text))
    assert message.startswith("not valid TOML: ") and message.endswith(where)


def test_comments_only_is_missing_sections(tmp_path):
    """A file of comments parses to nothing: the first missing section is named."""
    assert error_of(write(tmp_path, "# nothing yet\n")).startswith("missing section [network]")


# --- the schema ----------------------------------------------------------------------------

NOT_NETWORK = instance().replace("[network]", "[netwrok]")

# (TOML text, how the message after the path starts, further words it must contain)
BAD: dict[str, tuple[str, str, list[str]]] = {
    # missing and unknown sections and keys
    "missing-key": (instance({"network.b2": None}), "missing key network.b2 ", ["q-vector"]),
    "missing-key-training": (
        instance({"training.epsilon": None}),
        "missing key training.epsilon ",
        ["[0, 1]"],
    ),
    "missing-section": (
        instance().split("[training]")[0],
        "missing section [training]",
        ["epsilon", "learning_rate"],
    ),
    "misspelt-section": (NOT_NETWORK, "unknown section [netwrok]", ["did you mean [network]?"]),
    "misspelt-key": (
        instance({"training.learning_rate": None, "training.learnig_rate": "0.1"}),
        "unknown key training.learnig_rate (did you mean learning_rate?)",
        [],
    ),
    "wrong-case-key": (
        instance({"network.W1": None, "network.w1": "[[1]]"}),
        "unknown key network.w1 (did you mean W1?)",
        [],
    ),
    "misspelt-report-key": (
        instance({"report.titel": '"T"'}),
        "unknown key report.titel (did you mean title?)",
        [],
    ),
    "unrelated-key": (
        instance({"training.dropout": "0.5"}),
        "unknown key training.dropout",
        ["expected one of: epsilon, learning_rate, steps, optimizer, l2, momentum, dampening"],
    ),
    "quoted-key-stays-one-line": (
        instance({'training."a\\nb"': "1"}),
        'unknown key training."a\\nb"',
        [],
    ),
    "key-above-sections": (
        "learning_rate = 0.1\n" + instance(),
        "unknown top-level key learning_rate",
        ["did you mean training.learning_rate?"],
    ),
    "section-not-a-table": (
        "training = 5\n" + instance().split("[training]")[0],
        "training: expected a section [training], got integer 5",
        [],
    ),
    # numbers
    "string-number": (
        instance({"training.epsilon": '"0.3"'}),
        "training.epsilon: expected a number, got string",
        ['"0.3"'],
    ),
    "table-number": (
        instance({"training.epsilon": "{ value = 0.3 }"}),
        "training.epsilon: expected a number, got table",
        ["value = 0.3"],
    ),
    "bool-number": (
        instance({"training.epsilon": "true"}),
        "training.epsilon: expected a number, got boolean true",
        [],
    ),
    "nan": (
        instance({"training.learning_rate": "nan"}),
        "training.learning_rate: expected a finite number",
        ["nan"],
    ),
    "inf": (
        instance({"training.learning_rate": "+inf"}),
        "training.learning_rate: expected a finite number",
        ["inf"],
    ),
    "bool-in-vector": (
        instance({"network.b1": "[-3, true, -3]"}),
        "network.b1: entry 2: expected a number, got boolean true",
        [],
    ),
    "string-in-vector": (
        instance({"network.x": '[0, "2"]'}),
        "network.x: entry 2: expected a number, got string",
        ['"2"'],
    ),
    "nan-in-matrix": (
        instance({"network.W1": "[[-5, 2, 2], [-5, nan, -1]]"}),
        "network.W1: row 2, column 2: expected a finite number",
        ["nan"],
    ),
    "date-in-vector": (
        instance({"network.b2": "[4, 5, 1979-05-27]"}),
        "network.b2: entry 3: expected a number, got date 1979-05-27",
        [],
    ),
    "huge-integer": (
        instance({"network.b2": "[4, 5, 1" + "0" * 400 + "]"}),
        "network.b2: entry 3: expected a number that fits a float",
        ["…"],
    ),
    # each array's own form
    "ragged": (
        instance({"network.W1": "[[-5, 2, 2], [-5, 2]]"}),
        "network.W1: ragged matrix: row 2 has 2 entries, row 1 has 3",
        [],
    ),
    "matrix-given-vector": (
        instance({"network.W1": "[-5, 2, 2]"}),
        "network.W1: expected a matrix",
        ["got a vector of 3 entries"],
    ),
    "vector-given-matrix": (
        instance({"network.b1": "[[-3, -2, -3]]"}),
        "network.b1: expected a vector",
        ["got a matrix of 1 row"],
    ),
    "number-in-matrix-rows": (
        instance({"network.W2": "[[3, -4, 1], 7, [-4, -2, 3]]"}),
        "network.W2: row 2: expected a row",
        ["got integer 7"],
    ),
    "array-in-vector": (
        instance({"network.b1": "[-3, [-2], -3]"}),
        "network.b1: entry 2: expected a number, got array [-2]",
        [],
    ),
    "empty-vector": (
        instance({"network.b1": "[]"}),
        "network.b1: expected a vector",
        ["empty array"],
    ),
    "empty-matrix": (
        instance({"network.W2": "[]"}),
        "network.W2: expected a matrix",
        ["empty array"],
    ),
    "empty-rows": (
        instance({"network.W2": "[[], [], []]"}),
        "network.W2: expected rows of at least one number",
        ["empty rows"],
    ),
    "empty-x": (instance({"network.x": "[]"}), "network.x: expected a vector", ["empty array"]),
    "scalar-x": (instance({"network.x": "5"}), "network.x: expected a vector", ["got integer 5"]),
    # shapes against each other: the odd one out is blamed, naming what it must fit
    "W1-transposed": (
        instance({"network.W1": "[[-5, -5], [2, 2], [2, -1]]"}),
        "network.W1: expected shape (2, 3) to fit x (2) and b1 (3), got (3, 2)",
        [],
    ),
    "x-too-long": (
        instance({"network.x": "[0, 2, 1]"}),
        "network.W1: expected shape (3, 3) to fit x (3) and b1 (3), got (2, 3)",
        [],
    ),
    "W1-for-batch-x": (
        instance({"network.x": "[[0, 2, 1]]", "network.y": "[[1, 0, 0]]"}),
        "network.W1: expected shape (3, 3) to fit x's 3 columns and b1 (3), got (2, 3)",
        [],
    ),
    "b1-odd-one-out": (
        instance({"network.b1": "[-3, -2, -3, 0]"}),
        "network.b1: expected 3 entries to fit W1's columns and W2's rows, got 4",
        [],
    ),
    "W2-odd-one-out": (
        instance({"network.W2": "[[3, -4], [-2, -4], [-4, -2]]"}),
        "network.W2: expected shape (3, 3) to fit b1 (3) and b2 (3), got (3, 2)",
        [],
    ),
    "b2-odd-one-out": (
        instance({"network.b2": "[4, 5]"}),
        "network.b2: expected 3 entries to fit W2's columns and y's length, got 2",
        [],
    ),
    "y-odd-one-out": (
        instance({"network.y": "[1, 0]"}),
        "network.y: expected 3 entries, one per class, to fit b2 (3), got 2",
        [],
    ),
    "one-class": (
        instance({"network.y": "[1]", "network.W2": "[[3], [-2], [-4]]", "network.b2": "[4]"}),
        "network.y: expected at least 2 classes",
        ["q = 1"],
    ),
    # labels
    "y-two-ones": (
        instance({"network.y": "[1, 1, 0]"}),
        "network.y: expected exactly one 1 (one-hot), got 2 in [1, 1, 0]",
        [],
    ),
    "y-no-one": (
        instance({"network.y": "[0, 0, 0]"}),
        "network.y: expected exactly one 1 (one-hot), got 0",
        [],
    ),
    "y-soft": (
        instance({"network.y": "[0.5, 0.5, 0]"}),
        "network.y: entry 1: expected 0 or 1 (one-hot), got 0.5",
        [],
    ),
    "y-batch-row-not-one-hot": (
        instance({"network.x": "[[0, 2], [1, 1]]", "network.y": "[[1, 0, 0], [0, 0, 0]]"}),
        "network.y: row 2: expected exactly one 1 (one-hot), got 0",
        [],
    ),
    "y-batch-entry-not-binary": (
        instance({"network.x": "[[0, 2], [1, 1]]", "network.y": "[[1, 0, 0], [0, 2, 0]]"}),
        "network.y: row 2, column 2: expected 0 or 1 (one-hot), got 2",
        [],
    ),
    "batch-rows-differ": (
        instance(
            {"network.x": "[[0, 2], [1, 1]]", "network.y": "[[1, 0, 0], [0, 1, 0], [0, 0, 1]]"}
        ),
        "network.y: expected 2 rows, one per row of x, got 3",
        [],
    ),
    "batch-y-for-single-x": (
        instance({"network.y": "[[1, 0, 0]]"}),
        "network.y: expected a vector (x is one example)",
        ["(1, 3)"],
    ),
    "single-y-for-batch-x": (
        instance({"network.x": "[[0, 2], [1, 1]]"}),
        "network.y: expected a matrix with one row per row of x (2)",
        ["vector of 3 entries"],
    ),
    # training
    "epsilon-above-1": (
        instance({"training.epsilon": "1.5"}),
        "training.epsilon: expected a number in [0, 1], got 1.5",
        [],
    ),
    "epsilon-negative": (
        instance({"training.epsilon": "-0.1"}),
        "training.epsilon: expected a number in [0, 1], got -0.1",
        [],
    ),
    "learning-rate-zero": (
        instance({"training.learning_rate": "0"}),
        "training.learning_rate: expected a number > 0, got 0",
        [],
    ),
    "learning-rate-negative": (
        instance({"training.learning_rate": "-0.1"}),
        "training.learning_rate: expected a number > 0, got -0.1",
        [],
    ),
    "steps-zero": (
        instance({"training.steps": "0"}),
        "training.steps: expected an integer in 1..10000, got integer 0",
        [],
    ),
    "steps-too-many": (
        instance({"training.steps": "10001"}),
        "training.steps: expected an integer in 1..10000, got integer 10001",
        [],
    ),
    "steps-float": (
        instance({"training.steps": "2.0"}),
        "training.steps: expected an integer in 1..10000, got float 2.0",
        [],
    ),
    "steps-bool": (
        instance({"training.steps": "true"}),
        "training.steps: expected an integer in 1..10000, got boolean true",
        [],
    ),
    "steps-string": (
        instance({"training.steps": '"3"'}),
        'training.steps: expected an integer in 1..10000, got string "3"',
        [],
    ),
    # report
    "title-not-string": (
        instance({"report.title": "3"}),
        "report.title: expected a string, got integer 3",
        [],
    ),
    "author-not-string": (
        instance({"report.author": '["Ada", "Alan"]'}),
        "report.author: expected a string, got array",
        ['["Ada", "Alan"]'],
    ),
    "date-as-toml-date": (
        instance({"report.date": "2024-04-28"}),
        "report.date: expected a string, got date 2024-04-28",
        [],
    ),
    "decimals-too-many": (
        instance({"report.decimals": "13"}),
        "report.decimals: expected an integer in 0..12, got integer 13",
        [],
    ),
    "decimals-negative": (
        instance({"report.decimals": "-1"}),
        "report.decimals: expected an integer in 0..12",
        [],
    ),
    "decimals-float": (
        instance({"report.decimals": "4.0"}),
        "report.decimals: expected an integer in 0..12, got float 4.0",
        [],
    ),
    "decimals-bool": (
        instance({"report.decimals": "false"}),
        "report.decimals: expected an integer in 0..12, got boolean false",
        [],
    ),
}


@pytest.mark.parametrize(("text", "head", "words"), list(BAD.values()), ids=list(BAD))
def test_bad_instance(tmp_path, text, head, words):
    """Each schema violation names its field first, then what was expected and what was found."""
    message = error_of(write(tmp_path, text))
    assert message.startswith(head), message
    for word in words:
        assert word in message, message


# --- writing an instance back: problem_toml -------------------------------------------------


def test_written_config_loads_back(tmp_path, template):
    """config.toml reads back through load_problem to the same instance."""
    for k, v in enumerate(draw_variants(template, 10, seed=4)):
        path = tmp_path / f"{k}.toml"
        path.write_text(problem_toml(v, comment="a comment\nover two lines"))
        assert_same_problem(load_problem(path), v)


def test_mini_batch_variants_keep_the_batch(tmp_path, template):
    """An m×d input gives m×d inputs and m one-hot rows, each row partly active."""
    y = np.eye(3)[[0, 2, 1, 0]]
    batch = dataclasses.replace(template, x=np.zeros((4, 2)), y=y)
    for v in draw_variants(batch, 5, seed=2):
        assert v.x.shape == (4, 2) and v.y.shape == (4, 3)
        np.testing.assert_array_equal(v.y.sum(axis=1), 1)
        active = (v.x @ v.params.W1 + v.params.b1 > 0).sum(axis=1)
        assert np.all((active > 0) & (active < 3))
        path = tmp_path / "batch.toml"
        path.write_text(problem_toml(v))
        assert_same_problem(load_problem(path), v)


@pytest.mark.parametrize(
    "value",
    [0.1, -5.0, 1e-300, 5e-324, 1.7976931348623157e308, 2.0**60, 1 / 3, -0.0],
)
def test_floats_read_back_bit_for_bit(tmp_path, value):
    """Every finite float written into a config reads back as the same float."""
    template = load_problem(HOMEWORK_CONFIG)
    W1 = template.params.W1.copy()
    W1[0, 1] = value
    problem = replace(template, params=replace(template.params, W1=W1))
    path = tmp_path / "config.toml"
    path.write_text(problem_toml(problem))
    read = load_problem(path).params.W1[0, 1]
    assert read == value and np.signbit(read) == np.signbit(value)


@pytest.mark.parametrize("text", ['say "hi"', "back\\slash", "tab\tnew\nline", "del\x7f", "ünï 😀"])
def test_strings_read_back(tmp_path, text):
    """A report string written into a config reads back as typed."""
    template, info = load_instance(HOMEWORK_CONFIG)
    path = tmp_path / "config.toml"
    path.write_text(problem_toml(template, report=replace(info, title=text).table()))
    assert tomllib.loads(path.read_text())["report"]["title"] == text  # escaped as TOML wants
    if all(settable(char) for char in text):  # else refused by name: test_hostile.py
        assert load_instance(path)[1].title == text


# --- networks other than the homework's --------------------------------------------------------

DEEP = {
    "network.loss": '"mse"',
    "network.activation": '["tanh", "sigmoid"]',
    "network.y": "[0.5, -1.5, 2]",
    "network.W2": "[[1, 0], [0, 1], [1, 1]]",
    "network.b2": "[0, 0]",
    "network.W3": "[[1, -1, 0], [0.5, 0.5, 2]]",
    "network.b3": "[0, 1, -1]",
    "training.epsilon": None,
}


def test_a_deep_network_loads(tmp_path):
    """Two hidden layers (3 and 2 units), each its activation, and MSE with real targets."""
    problem = load_problem(write(tmp_path, instance(DEEP)))
    assert problem.shape == (2, 3, 2, 3) and problem.hidden_layers == 2
    assert problem.activations == ("tanh", "sigmoid") and problem.loss == "mse"
    assert problem.epsilon == 0.0 and not problem.homework_family
    assert list(problem.params.as_dict()) == ["W1", "b1", "W2", "b2", "W3", "b3"]


def test_no_hidden_layer_is_softmax_regression(tmp_path):
    text = instance({"network.W1": "[[1, 2, 3], [4, 5, 6]]", "network.b1": "[0, 0, 0]"})
    text = text.replace("W2 = ", "# W2 = ").replace("b2 = ", "# b2 = ")
    problem = load_problem(write(tmp_path, text))
    assert problem.shape == (2, 3) and problem.hidden_layers == 0 and problem.activations == ()


def test_one_activation_applies_to_every_hidden_layer(tmp_path):
    problem = load_problem(write(tmp_path, instance({**DEEP, "network.activation": '"tanh"'})))
    assert problem.activations == ("tanh", "tanh")


BAD_NETWORKS = {
    "activation-unknown": (
        {**DEEP, "network.activation": '"swish"'},
        "network.activation: expected one of ",
    ),
    "activation-count": (
        {**DEEP, "network.activation": '["tanh", "tanh", "tanh"]'},
        "network.activation: expected one activation, or a list of 2 (one per hidden layer)",
    ),
    "loss-unknown": ({"network.loss": '"hinge"'}, "network.loss: expected one of "),
    "epsilon-with-mse": (
        {**DEEP, "training.epsilon": "0.1"},
        'training.epsilon: label smoothing goes with loss = "cross_entropy" only',
    ),
    "bce-labels": (
        {"network.loss": '"binary_cross_entropy"', "network.y": "[1, 0.5, 0]"},
        "network.y: entry 2: expected 0 or 1 (a label per output), got 0.5",
    ),
    "missing-bias": (
        {k: v for k, v in DEEP.items() if k != "network.b3"},
        "missing key network.b3 (the bias of the output",
    ),
    "gap-in-layers": (
        {**DEEP, "network.W2": None, "network.b2": None},
        "missing key network.W2 (the weights from hidden layer 1 to hidden layer 2",
    ),
    "too-deep": ({"network.W6": "[[1]]"}, "network.W6: at most 4 hidden layers (W1 … W5)"),
    "shape-deep": (
        {**DEEP, "network.W3": "[[1, -1, 0], [0.5, 0.5, 2], [1, 1, 1]]"},
        "network.W3: expected shape (2, 3) to fit b2 (2) and b3 (3), got (3, 3)",
    ),
}


@pytest.mark.parametrize(
    ("changes", "message"), list(BAD_NETWORKS.values()), ids=list(BAD_NETWORKS)
)
def test_bad_network(tmp_path, changes, message):
    assert error_of(write(tmp_path, instance(changes))).startswith(message)


def _wide(units: int) -> dict[str, str]:
    row = "[" + ", ".join(["0.5"] * units) + "]"
    return {
        "network.W1": f"[{row}, {row}]",
        "network.b1": row,
        "network.W2": "[" + ", ".join(["[1, 0, 0]"] * units) + "]",
    }


def test_the_largest_layer_is_accepted_and_one_more_unit_refused(tmp_path):
    assert load_problem(write(tmp_path, instance(_wide(100)))).shape == (2, 100, 3)
    message = error_of(write(tmp_path, instance(_wide(101))))
    assert message == "network.b1: expected at most 100 units in a layer, got 101"


def test_batches_past_the_limit_are_refused(tmp_path):
    x = "[" + ", ".join(["[0, 2]"] * 101) + "]"
    y = "[" + ", ".join(["[1, 0, 0]"] * 101) + "]"
    message = error_of(write(tmp_path, instance({"network.x": x, "network.y": y})))
    assert message == "network.x: expected at most 100 rows (instances of a batch), got 101"


def test_steps_times_parameters_is_bounded(tmp_path):
    """603 parameters and 10000 steps would hold 6e6 numbers: refused, naming the bound."""
    message = error_of(write(tmp_path, instance({**_wide(100), "training.steps": "10000"})))
    assert message == (
        "training.steps: expected at most 1658 steps for a network of 603 parameters "
        "(steps × parameters <= 1000000), got 10000"
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"training.optimizer": '"adam"', "training.momentum": "0.9"},
            'training.momentum: not an option of optimizer = "adam" (it has betas, eps, '
            'weight_decay, amsgrad; momentum is "sgd" and "rmsprop"\'s)',
        ),
        (
            {"training.nesterov": "true"},
            "training.nesterov: Nesterov momentum needs momentum > 0 and dampening = 0 "
            "(as PyTorch's)",
        ),
        (
            {"training.optimizer": '"adam"', "training.betas": "[0.9, 1]"},
            "training.betas: entry 2: expected a number in [0, 1), got 1",
        ),
        (
            {"training.optimizer": '"adam"', "training.betas": "0.9"},
            "training.betas: expected a list of two numbers, got float 0.9",
        ),
        (
            {"training.optimizer": '"nadam"'},
            'training.optimizer: expected one of "sgd", "rmsprop", "adam", "adamw", '
            '"adagrad", got string "nadam"',
        ),
        ({"training.l2": "-1"}, "training.l2: expected a number >= 0, got -1"),
        ({"training.momentum": "1.5"}, "training.momentum: expected a number in [0, 1], got 1.5"),
    ],
)
def test_bad_optimizer_options_are_refused_in_one_line(tmp_path, changes, message):
    assert error_of(write(tmp_path, instance(changes))) == message


def test_the_step_bound_counts_the_optimizers_state(tmp_path):
    """Adam keeps two arrays a parameter: the steps it may run are a third of plain SGD's."""
    changes = {**_wide(100), "training.steps": "1000", "training.optimizer": '"adam"'}
    message = error_of(write(tmp_path, instance(changes)))
    assert message == (
        "training.steps: expected at most 552 steps for a network of 603 parameters and its "
        "adam state, 1809 numbers (steps × parameters <= 1000000), got 1000"
    )
