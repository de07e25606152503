"""Class variants: drawing them (solver/variants.py) and building them (report/variants.py).

The end-to-end tests run the real pdflatex, and must not skip.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from instances import HOMEWORK_CONFIG

import build
from orchestration import classroom as report_variants
from report.results import results_json
from report.tex import TexError
from solver.config import load_problem, problem_toml
from solver.draw import (
    INPUT_RANGE,
    MAX_SPREAD,
    WEIGHT_RANGE,
    draw_variants,
    has_kink,
    is_interesting,
)
from solver.errors import ConfigError
from solver.instance import Params
from solver.network import solve

VARIANT_FILES = ("config.toml", "problem.pdf", "solution.pdf", "results.json")


@pytest.fixture
def template():
    return load_problem(HOMEWORK_CONFIG)


def arrays(problem) -> dict[str, np.ndarray]:
    return {"x": problem.x, "y": problem.y, **problem.params.as_dict()}


def assert_same_problem(a, b) -> None:
    for (name, left), right in zip(arrays(a).items(), arrays(b).values(), strict=True):
        np.testing.assert_array_equal(left, right, err_msg=name)
    assert (a.epsilon, a.learning_rate, a.steps, a.report) == (
        b.epsilon,
        b.learning_rate,
        b.steps,
        b.report,
    )


def pdftext(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode()


# --- drawing ---------------------------------------------------------------------------------


def test_same_seed_same_variants(template):
    """The same seed gives equal arrays and identical config.toml text."""
    first, second = draw_variants(template, 6, seed=11), draw_variants(template, 6, seed=11)
    for a, b in zip(first, second, strict=True):
        assert_same_problem(a, b)
        assert problem_toml(a) == problem_toml(b)


def test_different_seed_different_variants(template):
    """Another seed gives other numbers."""
    texts = {problem_toml(v) for seed in (1, 2) for v in draw_variants(template, 4, seed)}
    assert len(texts) == 8


def test_variant_k_does_not_depend_on_how_many_are_drawn(template):
    """Each variant has its own stream: the first 3 of 8 are the 3 of 3."""
    few, many = draw_variants(template, 3, seed=5), draw_variants(template, 8, seed=5)
    for a, b in zip(few, many[:3], strict=True):
        assert problem_toml(a) == problem_toml(b)


def test_every_variant_is_interesting(template):
    """Whole numbers in range, one-hot y, ReLU partly active, x ≠ 0, no h exactly 0."""
    variants = draw_variants(template, 200, seed=3)
    assert not has_kink(template)
    for v in variants:
        for name, values in v.params.as_dict().items():
            assert np.all(values == np.round(values)), name
            assert WEIGHT_RANGE[0] <= values.min() and values.max() <= WEIGHT_RANGE[1], name
        assert np.all(v.x == np.round(v.x)) and INPUT_RANGE[0] <= v.x.min() <= v.x.max() <= 2
        assert sorted(v.y) == [0, 0, 1]
        h = solve(v).forward.h  # the solver's own h
        assert 0 < np.sum(h > 0) < 3 and np.all(h != 0) and np.any(v.x != 0)
        assert is_interesting(v)
        z = solve(v).forward.z
        assert z.max() - z.min() <= MAX_SPREAD  # softmax not saturated
        assert (v.epsilon, v.learning_rate, v.steps) == (0.3, 0.1, template.steps)
    assert variants[6].report.title == "Solutions to Homework 3, variant 007"
    assert len({v.y.argmax() for v in variants}) == 3  # every class is drawn


def test_large_shapes_take_the_least_saturated_draw(template):
    """Large shapes still get a variant: the least saturated draw when none is within MAX_SPREAD."""
    rng = np.random.default_rng(0)
    big = dataclasses.replace(
        template,
        x=rng.integers(-2, 3, 8).astype(float),
        y=np.eye(6)[2],
        params=Params(W1=np.ones((8, 9)), b1=np.ones(9), W2=np.ones((9, 6)), b2=np.ones(6)),
    )
    (variant,) = draw_variants(big, 1, seed=5)
    assert is_interesting(variant) and variant.params.W2.shape == (9, 6)


def test_a_kink_in_the_config_asks_for_one_in_every_variant(template):
    """A config whose h has an exact 0 gets variants with one too (ReLU'(0) = 0 to apply)."""
    b1 = template.params.b1.copy()
    b1[1] = -4  # the homework's h = [-13, 2, -5] becomes [-13, 0, -5]
    kinked = dataclasses.replace(template, params=dataclasses.replace(template.params, b1=b1))
    assert has_kink(kinked)
    for v in draw_variants(kinked, 50, seed=9):
        h = solve(v).forward.h
        assert np.any(h == 0) and 0 < np.sum(h > 0) < 3


def test_one_hidden_unit_cannot_be_partly_active(template):
    """n = 1 has no interesting instance: a ConfigError says why."""
    params = Params(W1=np.ones((2, 1)), b1=np.ones(1), W2=np.ones((1, 3)), b2=np.ones(3))
    with pytest.raises(ConfigError, match="n >= 2 hidden units"):
        draw_variants(dataclasses.replace(template, params=params), 2, seed=0)


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
    template = load_problem(HOMEWORK_CONFIG)
    problem = replace(template, report=replace(template.report, title=text))
    path = tmp_path / "config.toml"
    path.write_text(problem_toml(problem))
    assert load_problem(path).report.title == text


# --- building --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def three_variants(tmp_path_factory) -> Path:
    """``build.py --variants 3 --seed 1 --jobs 2`` into a fresh folder."""
    out = tmp_path_factory.mktemp("variants")
    argv = ["--variants", "3", "--seed", "1", "--jobs", "2", "--config", str(HOMEWORK_CONFIG)]
    assert build.main([*argv, "--out", str(out)]) == 0
    return out


def test_build_writes_every_file(three_variants):
    """Each variant folder holds its four files; the key its CSV and PDF."""
    names = sorted(p.name for p in three_variants.iterdir())
    assert names == [
        "answer-key.csv",
        "answer-key.pdf",
        "variant-001",
        "variant-002",
        "variant-003",
    ]
    for k in (1, 2, 3):
        folder = three_variants / f"variant-{k:03d}"
        assert sorted(p.name for p in folder.iterdir()) == sorted(VARIANT_FILES)
        for pdf in ("problem.pdf", "solution.pdf"):
            assert (folder / pdf).read_bytes().startswith(b"%PDF")
    assert (three_variants / "answer-key.pdf").read_bytes().startswith(b"%PDF")


def test_results_are_the_solution_of_the_written_config(three_variants):
    """results.json is exactly what a build of the variant's config.toml computes."""
    for folder in sorted(three_variants.glob("variant-*")):
        problem = load_problem(folder / "config.toml")
        assert (folder / "results.json").read_text() == results_json(solve(problem))


def test_answer_key_matches_each_variant(three_variants):
    """answer-key.csv: one row a variant, its loss and updated entries equal results.json's."""
    with open(three_variants / "answer-key.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [row["variant"] for row in rows] == ["variant-001", "variant-002", "variant-003"]
    assert len(rows[0]) == 1 + 1 + 6 + 3 + 9 + 3
    for row in rows:
        results = json.loads((three_variants / row["variant"] / "results.json").read_text())
        assert float(row["loss"]) == results["forward"]["loss"]
        for name, values in results["updated"].items():
            for index in np.ndindex(np.shape(values)):
                column = "_".join([name, *(str(i + 1) for i in index)])
                assert float(row[column]) == np.asarray(values)[index], column


def test_pdfs_show_the_variant(three_variants):
    """problem.pdf: this instance's numbers and no solution; the key names every variant."""
    problem = load_problem(three_variants / "variant-002" / "config.toml")
    text = pdftext(three_variants / "variant-002" / "problem.pdf")
    assert "Problem 2, variant 002" in text
    assert "one step" in text and "Backward pass" not in text and "Answer" not in text
    assert "Solutions to Homework 3, variant 002" in pdftext(
        three_variants / "variant-002" / "solution.pdf"
    )
    x = ", ".join(f"{v:g}".replace("-", "−") for v in problem.x)
    assert f"x = [{x}]" in text
    key = pdftext(three_variants / "answer-key.pdf")
    assert "Answer key" in key and "drawn with seed 1" in key
    assert all(f"variant-00{k}" in key for k in (1, 2, 3))


def test_same_seed_builds_the_same_bytes(three_variants, tmp_path):
    """Built again, serially, into another folder: every file is byte-identical."""
    argv = ["--variants", "3", "--seed", "1", "--jobs", "1", "--config", str(HOMEWORK_CONFIG)]
    assert build.main([*argv, "--out", str(tmp_path)]) == 0
    files = sorted(p.relative_to(three_variants) for p in three_variants.rglob("*") if p.is_file())
    assert len(files) == 2 + 3 * 4
    for name in files:
        cmp = subprocess.run(["cmp", three_variants / name, tmp_path / name], capture_output=True)
        assert cmp.returncode == 0, f"{name} differs: {cmp.stdout.decode()}"


def test_one_failing_variant_does_not_stop_the_others(tmp_path, monkeypatch, capsys):
    """TeX failing on variant 002 names it; 001 and 003 are built, the key holds them."""
    real = report_variants.compile_pdf

    def failing_on_002(tex: str, **kwargs):
        if "variant 002" in tex:
            raise TexError("TeX failed: solution.tex:1: simulated", "the log")
        return real(tex, **kwargs)

    monkeypatch.setattr(report_variants, "compile_pdf", failing_on_002)
    argv = ["--variants", "3", "--seed", "1", "--jobs", "2", "--config", str(HOMEWORK_CONFIG)]
    assert build.main([*argv, "--out", str(tmp_path)]) == 1  # forked workers see the patch
    err = capsys.readouterr().err
    assert "error: variant-002: problem.pdf: TeX failed: solution.tex:1: simulated\n" in err
    assert err.endswith("error: 1 of 3 variants failed: variant-002\n")
    for k in (1, 3):
        assert sorted(p.name for p in (tmp_path / f"variant-00{k}").iterdir()) == sorted(
            VARIANT_FILES
        )
    assert sorted(p.name for p in (tmp_path / "variant-002").iterdir()) == ["problem.log"]
    with open(tmp_path / "answer-key.csv", newline="") as f:
        assert [row["variant"] for row in csv.DictReader(f)] == ["variant-001", "variant-003"]
    assert "Not built, so not in this key: variant-002" in pdftext(tmp_path / "answer-key.pdf")


def test_a_crash_in_a_worker_is_one_failure(tmp_path, monkeypatch, capsys):
    """Even an unexpected exception fails only its own variant (here in-process, --jobs 1)."""

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(report_variants, "solve", crash)
    argv = ["--variants", "2", "--seed", "1", "--jobs", "1", "--config", str(HOMEWORK_CONFIG)]
    assert build.main([*argv, "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "error: variant-001: unexpected RuntimeError: boom\n" in err
    assert "error: 2 of 2 variants failed: variant-001, variant-002" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["--variants", "3", "--seed", "1"],  # no --out
        ["--variants", "3", "--out", "x"],  # no --seed
        ["--variants", "0", "--seed", "1", "--out", "x"],
        ["--variants", "1000", "--seed", "1", "--out", "x"],
        ["--variants", "2", "--seed", "1", "--out", "x", "--jobs", "0"],
        ["--seed", "1"],  # --seed without --variants
        ["--variants", "2", "--seed", "1", "--out", "x", "--no-pdf"],
    ],
)
def test_bad_variant_options_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build.main(argv)
    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_bad_config_exits_2_and_writes_nothing(tmp_path, capsys):
    """A config that does not load stops before any variant: one line, exit 2."""
    config = tmp_path / "bad.toml"
    config.write_text("[network]\n")
    out = tmp_path / "out"
    argv = ["--variants", "2", "--seed", "1", "--config", str(config), "--out", str(out)]
    assert build.main(argv) == 2
    assert capsys.readouterr().err.startswith(f"error: {config}: ")
    assert not out.exists()
