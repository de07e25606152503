"""Reading user files (solver/reading.py): bounded, UTF-8, one line naming the file."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace

import numpy as np
import pytest
import tomli_w
from instances import homework_problem

from orchestration.grading import load_answers, load_key
from report.results import results_json
from solver import reading
from solver.config import load_problem, problem_toml
from solver.errors import InputError
from solver.instance import Params
from solver.network import solve
from solver.reading import Invalid, describe, load_json, load_toml, number, read_text


class SampleError(InputError):
    """The caller's error class: every reader raises it."""


def test_a_file_past_the_limit_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    """At most MAX_TOML_BYTES are read: /dev/zero or a huge file cannot eat the memory."""
    monkeypatch.setattr(reading, "MAX_TOML_BYTES", 100)
    path = tmp_path / "big.toml"
    path.write_text("".join(f"x{i} = 1\n" for i in range(50)))
    with pytest.raises(SampleError, match=r"big.toml: expected a TOML file of at most"):
        load_toml(path, "a TOML file", SampleError)
    path.write_text("".join(f"x{i} = 1\n" for i in range(10)))
    assert len(load_toml(path, "a TOML file", SampleError)) == 10


def test_dev_zero_is_refused(monkeypatch):
    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 1000)
    with pytest.raises(SampleError, match="/dev/zero: expected a key of at most"):
        read_text("/dev/zero", "a key", SampleError)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xef\xbb\xbfx = 1\n", None),
        (b"x = 1\n\xff\n", "expected UTF-8 text, got byte 0xff at line 2"),
        (b"x = = 1\n", "not valid TOML: "),
    ],
    ids=["bom", "latin-1", "not-toml"],
)
def test_text_and_toml(tmp_path, content, message):
    path = tmp_path / "f.toml"
    path.write_bytes(content)
    if message is None:
        assert load_toml(path, "a TOML file", SampleError) == {"x": 1}
    else:
        with pytest.raises(SampleError, match=message):
            load_toml(path, "a TOML file", SampleError)


def test_missing_and_directory_name_what_was_expected(tmp_path):
    with pytest.raises(SampleError, match=r"nope.json: no such file \(a results.json\)$"):
        load_json(tmp_path / "nope.json", "a results.json", SampleError)
    with pytest.raises(SampleError, match="expected a results.json, got a directory"):
        load_json(tmp_path, "a results.json", SampleError)


def test_invalid_json_says_what_the_file_should_be(tmp_path):
    path = tmp_path / "r.json"
    path.write_text("{")
    with pytest.raises(SampleError, match="r.json: not a results.json: invalid JSON"):
        load_json(path, "a results.json", SampleError)


def test_numbers():
    """bool is no number; inf only when allowed; huge ints that overflow a float are named."""
    assert number(3) == 3.0 and number(-0.5) == -0.5
    assert number(float("inf"), finite=False) == float("inf")
    for value, message in [
        (True, "got boolean true"),
        ("1", 'got string "1"'),
        (float("nan"), "expected a finite number"),
        (10**400, "fits a float"),
    ]:
        with pytest.raises(Invalid, match=message):
            number(value)


def test_descriptions_are_one_short_line():
    text = describe("a" * 500)
    assert text.startswith('string "aaa') and len(text) < 70 and text.endswith("…")
    assert describe({"a b": [1, 2]}) == 'table {"a b" = [1, 2]}'


@pytest.mark.slow  # the largest network solved twice, its files written and read: ~20 s
def test_the_largest_accepted_network_fits_the_toml_limit(tmp_path):
    """Its config and its answers, every number at full precision (17 significant digits),
    are read: MAX_TOML_BYTES (8 MiB, which tomllib parses in seconds) refuses no valid file;
    nor does MAX_RESULTS_BYTES the results.json of its longest accepted run (37 MB, which
    `check` refused at 32 MiB)."""
    rng = np.random.default_rng(1)
    widths = [100] * 6  # 100 inputs, 4 hidden layers of 100 units, 100 classes

    def full(*shape):
        return rng.uniform(-1, 1, shape) / 3  # every digit of a double

    largest = replace(
        homework_problem(),
        x=full(100, 100),
        y=np.eye(100)[rng.integers(100, size=100)],
        params=Params(
            weights=[full(a, b) for a, b in itertools.pairwise(widths)],
            biases=[full(b) for b in widths[1:]],
        ),
        activations=("tanh",) * 4,
    )
    entries = sum(v.size for v in largest.params.as_dict().values())
    longest = replace(largest, steps=10**6 // entries)  # the most steps it may take
    written = results_json(solve(longest))
    assert 16 * 2**20 < len(written) < reading.MAX_RESULTS_BYTES / 1.5  # was past 32 MiB
    config = tmp_path / "largest.toml"
    config.write_text(problem_toml(largest, "the largest accepted network"))
    assert 2**20 < config.stat().st_size < reading.MAX_TOML_BYTES / 1.5
    assert load_problem(config).shape == largest.shape
    results = json.loads(results_json(solve(largest)))
    answers = tmp_path / "answers.toml"
    answers.write_text(tomli_w.dumps({t: results[t] for t in ("updated", "gradients")}))
    assert answers.stat().st_size < reading.MAX_TOML_BYTES / 1.5
    key = tmp_path / "results.json"
    key.write_text(json.dumps(results))
    assert load_answers(answers, load_key(key).tables)
