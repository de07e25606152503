"""Building a class (orchestration/classroom.py): a folder per variant and an answer key.

The end-to-end tests run the real pdflatex, and must not skip.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from instances import HOMEWORK_CONFIG, ROOT

import build
from orchestration import classroom
from report.results import results_json
from report.tex import TexError
from solver.config import load_problem
from solver.network import solve

VARIANT_FILES = ("config.toml", "problem.pdf", "solution.pdf", "results.json")


def pdftext(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode()


@pytest.fixture(scope="module")
def three_variants(tmp_path_factory) -> Path:
    """``build.py --variants 3 --seed 1 --jobs 2`` into a fresh folder."""
    out = tmp_path_factory.mktemp("variants")
    argv = ["--variants", "3", "--seed", "1", "--jobs", "2", "--config", str(HOMEWORK_CONFIG)]
    assert build.main([*argv, "--out", str(out)]) == 0
    return out


def test_build_writes_every_file(three_variants):
    """Each variant folder holds its four files; the key its CSV and PDF."""
    names = sorted(p.name for p in three_variants.iterdir() if not p.name.startswith("."))
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
    assert "Variant 002" in text and "Problem 2" in text
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
    files = sorted(
        p.relative_to(three_variants)
        for p in three_variants.rglob("*")
        if p.is_file() and p.name != ".hw3.lock"
    )
    assert len(files) == 1 + 2 + 3 * 4  # the set's manifest, the key, the variants
    for name in files:
        cmp = subprocess.run(["cmp", three_variants / name, tmp_path / name], capture_output=True)
        assert cmp.returncode == 0, f"{name} differs: {cmp.stdout.decode()}"


def test_one_failing_variant_does_not_stop_the_others(tmp_path, monkeypatch, capsys):
    """TeX failing on variant 002 names it; 001 and 003 are built, the key holds them."""
    real = classroom.compile_pdf

    def failing_on_002(tex: str, **kwargs):
        if "Variant 002" in tex:  # the problem sheet's heading
            raise TexError("TeX failed: solution.tex:1: simulated", "the log")
        return real(tex, **kwargs)

    monkeypatch.setattr(classroom, "compile_pdf", failing_on_002)
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

    monkeypatch.setattr(classroom, "solve", crash)
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


def test_sympy_is_imported_once_for_a_class(tmp_path):
    """SymPy is imported once, in the parent before the variant workers fork: they reuse it.

    ``python -X importtime`` writes a line for every module a process imports, so a worker
    that imported SymPy again would add a line of its own.
    """
    command = [sys.executable, "-X", "importtime", "build.py", "--variants", "3", "--seed", "1"]
    command += ["--jobs", "2", "--out", str(tmp_path / "class")]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    imports = [line for line in run.stderr.splitlines() if re.search(r"\|\s+sympy$", line)]
    assert len(imports) == 1
    assert len(list((tmp_path / "class").glob("variant-*/solution.pdf"))) == 3


def _key_rows(folder: Path) -> list[dict]:
    with open(folder / "answer-key.csv") as f:
        return list(csv.DictReader(f))


def _class_is_coherent(folder: Path) -> bool:
    """The key's rows are exactly the variant folders, each row that folder's numbers."""
    rows = _key_rows(folder)
    names = sorted(p.name for p in folder.glob("variant-*"))
    if [row["variant"] for row in rows] != names:
        return False
    for row in rows:
        results = json.loads((folder / row["variant"] / "results.json").read_text())
        if float(row["loss"]) != results["forward"]["loss"]:
            return False
    return True


def test_a_smaller_class_leaves_no_variant_of_the_bigger_one(tmp_path):
    argv = ["--jobs", "1", "--config", str(HOMEWORK_CONFIG), "--out", str(tmp_path)]
    assert build.main(["--variants", "3", "--seed", "1", *argv]) == 0
    assert build.main(["--variants", "2", "--seed", "2", *argv]) == 0
    assert sorted(p.name for p in tmp_path.glob("variant-*")) == ["variant-001", "variant-002"]
    assert _class_is_coherent(tmp_path)


def test_two_classes_at_once_into_one_folder(tmp_path):
    """Seeds 1 and 2 at once: they take turns; the folder is one run's class, key and all."""
    runs = [
        subprocess.Popen(
            [sys.executable, "build.py", "--variants", "2", "--seed", seed, "--jobs", "1"]
            + ["--out", str(tmp_path)],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in ("1", "2")
    ]
    errors = [run.communicate()[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], errors
    assert "waiting for another build" in "".join(errors)
    assert _class_is_coherent(tmp_path)
