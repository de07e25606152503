"""Hostile strings in [report]: shown literally in the PDF and its metadata, never run as TeX."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from instances import HOMEWORK_CONFIG, ROOT

import build

FIELDS = ("title", "author", "course", "date")
ATTACKS = [
    r"\input{/etc/passwd}",
    r"\openin5=/etc/passwd \read5 to\x \x",
    r"\write18{touch MARKER}",
    r"\immediate\write18{touch MARKER}",
    r"\immediate\openout3=MARKER \immediate\write3{x}\immediate\closeout3",
    r"\csname input\endcsname{/etc/passwd}",
    r"^^5cinput{/etc/passwd}",
    r"\catcode`\{=12 \catcode`\%=11",
    r"}}} unbalanced {{ \end{document}",
    r"\loop\iftrue\repeat",
    r"100% of O'Neil's $x_1$ & #2 ~ <tag>|pipe| `quoted` \"dq\"",
    "Zoë Ünal, naïve café",
]


def config_with(report: dict[str, str], folder: Path) -> Path:
    """The homework's instance with these [report] strings (written as TOML basic strings)."""
    lines = [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in report.items()]
    network = HOMEWORK_CONFIG.read_text().split("[network]", 1)[1]
    path = folder / "hostile.toml"
    path.write_text("[report]\n" + "\n".join(lines) + "\n\n[network]" + network)
    return path


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def marker():
    """A path outside TeX's folder for attacks to write to, with no hyphen in it (pdftotext
    would take a hyphen at a line break for a hyphenation and drop it)."""
    folder = Path(tempfile.mkdtemp(prefix="hw3attack"))
    yield folder / "pwned"
    shutil.rmtree(folder)


@pytest.mark.tex
@pytest.mark.parametrize("attack", ATTACKS)
def test_attack_is_shown_literally_and_runs_nothing(attack, tmp_path, marker):
    attack = attack.replace("MARKER", str(marker)).replace(r"\"", '"')
    report = {field: f"{field}: {attack}" for field in FIELDS}
    out = tmp_path / "out"
    assert build.main(["--config", str(config_with(report, tmp_path)), "--out", str(out)]) == 0
    pdf = out / "solution.pdf"
    first_page = subprocess.run(
        ["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for value in report.values():
        assert squeeze(value) in squeeze(first_page), value
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert f"Title:           {report['title']}\n" in info
    assert f"Author:          {report['author']}\n" in info
    assert "root:" not in first_page and "root:" not in (out / "solution.log").read_text()
    assert not any(marker.parent.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hostile.toml", "out"]


# --- bounded, and one line for everything ------------------------------------------------------


def _run(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "build.py", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def _one_line(run: subprocess.CompletedProcess, status: int, text: str) -> None:
    assert run.returncode == status, run.stderr
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr, run.stderr
    assert text in run.stderr, run.stderr


def test_arrays_nested_1000_deep(tmp_path):
    config = tmp_path / "deep.toml"
    config.write_text("[network]\nx = " + "[" * 1000 + "1" + "]" * 1000 + "\n")
    _one_line(_run("--config", str(config), "--out", str(tmp_path / "o")), 2, "nested too deeply")
    answers = tmp_path / "answers.toml"
    answers.write_text("[updated]\nW1 = " + "[" * 1000 + "1" + "]" * 1000 + "\n")
    run = _run("check", "--key", str(ROOT / "bench" / "nope.json"), "--answers", str(answers))
    _one_line(run, 2, "no such file")


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--config=--"], "--config: expected a value, got '--'"),
        (["--out=--"], "--out: expected a value, got '--'"),
        (["check", "--key=--", "--answers", "a"], "--key: expected a value, got '--'"),
        (["--variants", "2", "--seed", "1", "--jobs", "1000", "--out", "x"], "1..64"),
        (["--config", "/dev/zero", "--out", "x"], "expected a TOML file of at most 8 MiB"),
        (["check", "--key", "/dev/zero", "--answers", "x"], "a results.json of at most 64 MiB"),
    ],
)
def test_bad_arguments_and_endless_files_are_one_line(tmp_path, args, text):
    _one_line(_run(*args, cwd=ROOT), 2, text)


def test_a_huge_title_is_refused_before_any_work(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text(
        HOMEWORK_CONFIG.read_text().replace(
            'title = "Solutions to Homework 3"', 'title = "' + "x" * 100_000 + '"'
        )
    )
    _one_line(
        _run("--config", str(config), "--out", str(tmp_path / "o")),
        2,
        "report.title: expected at most 200 characters, got 100000",
    )


@pytest.mark.parametrize(
    ("name", "text"),
    [("smile 😀", "'😀' (U+1F600"), ("Ϣ coptic", "'Ϣ' (U+03E2"), ("tab\there", "'\\t' (U+0009")],
)
def test_characters_the_pdf_cannot_set_are_refused_up_front(tmp_path, name, text):
    config = tmp_path / "c.toml"
    config.write_text(
        HOMEWORK_CONFIG.read_text().replace(
            'title = "Solutions to Homework 3"', f"title = {json.dumps(name, ensure_ascii=False)}"
        )
    )
    _one_line(_run("--config", str(config), "--out", str(tmp_path / "o")), 2, "report.title")
    assert text in _run("--config", str(config), "--out", str(tmp_path / "o")).stderr


@pytest.mark.slow  # two XeLaTeX builds of every settable character
@pytest.mark.tex
def test_every_character_accepted_is_typeset(tmp_path):
    """Each of the characters the config lets into [report] really prints (two real builds)."""
    from report.scripts import settable
    from solver.schema import MAX_TEXT

    chars = [chr(c) for c in range(0x20, 0x2200) if settable(chr(c))]
    fields = ("title", "author", "course", "date", "student")  # MAX_TEXT characters each
    per_build = MAX_TEXT * len(fields)
    for start in range(0, len(chars), per_build):
        chunk = chars[start : start + per_build]
        report = "".join(
            f"{field} = {json.dumps(''.join(chunk[i * MAX_TEXT : (i + 1) * MAX_TEXT]))}\n"
            for i, field in enumerate(fields)
        )
        config = tmp_path / "c.toml"
        body = HOMEWORK_CONFIG.read_text().split("[network]", 1)[1]
        config.write_text(f"[report]\n{report}\n[network]{body}")
        run = _run("--config", str(config), "--out", str(tmp_path / f"o{start}"))
        assert run.returncode == 0, run.stderr
    assert start > 0  # (two real builds)


def test_overflowing_weights_blame_the_weights(tmp_path):
    config = tmp_path / "c.toml"
    text = HOMEWORK_CONFIG.read_text().replace("[-5, 2, 2]", "[1e308, 2, 2]")
    config.write_text(text.replace("x = [0, 2]", "x = [5, 2]"))
    run = _run("--config", str(config), "--no-pdf", "--out", str(tmp_path / "o"))
    _one_line(run, 2, "network: the forward pass overflows float64 at the given parameters")
    assert "RuntimeWarning" not in run.stderr


def test_a_config_read_from_a_pipe(tmp_path):
    """<(cat hw3.toml): read once, by the loader (the cache leaves a pipe alone)."""
    read, write = os.pipe()
    os.write(write, HOMEWORK_CONFIG.read_bytes())
    os.close(write)
    run = subprocess.run(
        [sys.executable, "build.py", "--config", f"/dev/fd/{read}", "--no-pdf"]
        + ["--out", str(tmp_path / "o")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        pass_fds=(read,),
        timeout=120,
    )
    os.close(read)
    assert run.returncode == 0, run.stderr
