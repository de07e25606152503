"""End to end for networks other than the homework's: real PDFs for the examples in
problems/, the largest supported size, and a class of variants. These run pdflatex."""

from __future__ import annotations

import csv
import itertools
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import tomli_w
from instances import ROOT

import build

EXAMPLES = {
    "tanh-mse": ["Step 2: the activations", "by the quotient rule tanh", "1 − tanh2 h"],
    "multilabel": ["binary cross-entropy", "= σ(h) 1 − σ(h)", "binary_cross_entropy_with_logits"],
    "wide": [
        "hidden layer 2",
        "64×64",
        "Up to 200 entries θ of each parameter, all of a smaller one",
    ],
}


def pdftext(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode()


def built(config: Path, out: Path, *, scaled: bool = False) -> tuple[str, dict]:
    """Build, check the log has no overfull box and, unless ``scaled``, no equation set below
    the body size (the preamble's \\fit says "hw3: scaled" in the log when it shrinks one),
    and return the PDF's text and results.json."""
    assert build.main(["--config", str(config), "--out", str(out)]) == 0
    log = (out / "solution.log").read_text()
    assert "Overfull" not in log and "Extra alignment tab" not in log
    assert scaled or "hw3: scaled" not in log, [l for l in log.splitlines() if "hw3: s" in l]
    return pdftext(out / "solution.pdf"), json.loads((out / "results.json").read_text())


@pytest.mark.tex
@pytest.mark.parametrize("name", list(EXAMPLES))
def test_examples_build_and_show_their_network(tmp_path, name):
    text, results = built(ROOT / "problems" / f"{name}.toml", tmp_path)
    flat = " ".join(text.split())
    for phrase in EXAMPLES[name]:
        assert phrase in flat, phrase
    last = list(results["updated"])[-1]  # the output bias, b_{L+1}
    assert f"{results['updated'][last][0]:.4f}".replace("-", "−") in text
    assert f"{results['forward']['loss']:.4f}" in text


@pytest.mark.tex
@pytest.mark.parametrize(("name", "decimals"), [("hw3", 12), ("batch", 4)])
def test_long_lines_are_broken_not_shrunk(tmp_path, name, decimals):
    """The homework at 12 decimals (its outer products, its loss's sum) and a mini-batch
    (1/m (Ŷ − Yˢ) with numbers in scientific notation): every equation at the body size."""
    text = (ROOT / "problems" / f"{name}.toml").read_text()
    config = tmp_path / "config.toml"
    config.write_text(text.replace("decimals = 4 ", f"decimals = {decimals} "))
    built(config, tmp_path / "out")


@pytest.mark.tex
def test_the_largest_supported_instance_fits_the_page(tmp_path):
    """d = 100, four hidden layers of 100, q = 100, a batch of 100: elided, with its shape."""
    rng = np.random.default_rng(0)
    widths = [100] * 6
    network = {"x": rng.normal(size=(100, 100)).round(2).tolist()}
    network["y"] = np.eye(100)[rng.integers(100, size=100)].tolist()
    for layer, (a, b) in enumerate(itertools.pairwise(widths), 1):
        network[f"W{layer}"] = (rng.normal(size=(a, b)) / 10).round(3).tolist()
        network[f"b{layer}"] = np.zeros(b).tolist()
    config = tmp_path / "max.toml"
    training = {"epsilon": 0.1, "learning_rate": 0.1}
    config.write_text(tomli_w.dumps({"network": network, "training": training}))
    text, results = built(config, tmp_path / "out", scaled=True)  # 100 rows of a batch
    assert "100×100" in text and "4 hidden layers" in text
    assert np.shape(results["updated"]["W5"]) == (100, 100)
    pages = subprocess.run(
        ["pdfinfo", str(tmp_path / "out" / "solution.pdf")], capture_output=True, text=True
    ).stdout
    assert 8 <= int(pages.split("Pages:")[1].split()[0]) <= 20


@pytest.mark.tex
def test_a_class_of_a_deep_network(tmp_path):
    """Variants keep the architecture; the key has a column for every entry of every layer."""
    config = ROOT / "problems" / "tanh-mse.toml"
    argv = ["--variants", "2", "--seed", "3", "--jobs", "1", "--config", str(config)]
    assert build.main([*argv, "--out", str(tmp_path)]) == 0
    with open(tmp_path / "answer-key.csv") as f:
        header, *rows = list(csv.reader(f))
    assert header[:2] == ["variant", "loss"] and header[-1] == "b3_2"
    # The loss and each entry one of the variants is asked (not left at its given value).
    assert len(header) <= 2 + (12 + 4) + (12 + 3) + (6 + 2) and len(rows) == 2
    for row in rows:
        results = json.loads((tmp_path / "variants" / row[0] / "results.json").read_text())
        assert [c for c, v in zip(header, row, strict=True) if v][1:] == results["question"][
            "columns"
        ]
    sheet = " ".join(pdftext(tmp_path / "handouts" / "variant-001.pdf").split())
    assert "tanh(t) =" in sheet and "two hidden layers" in sheet
    assert "for η = 0.1." in sheet and "ε" not in sheet  # no label smoothing with MSE


@pytest.mark.tex
def test_a_training_run_of_a_deep_network(tmp_path):
    """steps = 5 on the tanh/MSE example: the run's table and its final parameters, W3 too."""
    config = tmp_path / "run.toml"
    text = (ROOT / "problems" / "tanh-mse.toml").read_text()
    config.write_text(text.replace("learning_rate = 0.1", "learning_rate = 0.1\nsteps = 5"))
    text, results = built(config, tmp_path / "out")
    assert len(results["trajectory"]) == 5 and "Training for 5 steps" in text
    final = results["trajectory"][-1]["b3"][0]
    assert f"{final:.4f}".replace("-", "−") in text
