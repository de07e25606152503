"""End to end: the command line builds real PDFs, reports errors in one line, keeps old outputs."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pypdf
import pytest
from instances import HOMEWORK_CONFIG, NO_PDF_FOLDER, ROOT

import build
from report import document
from report.environment import make_environment

OUTPUTS = ("solution.tex", "solution.pdf", "problem.tex", "problem.pdf", "results.json")


def pdftext(pdf: Path, *pages: int) -> str:
    first_last = ["-f", str(pages[0]), "-l", str(pages[-1])] if pages else []
    run = subprocess.run(["pdftotext", "-layout", *first_last, str(pdf), "-"], capture_output=True)
    return run.stdout.decode()


def pdfinfo(pdf: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


def snapshot(folder: Path) -> dict[str, bytes]:
    """The outputs, by name (the lock file is not one)."""
    return {
        p.name: p.read_bytes()
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name != ".hw3.lock"
    }


@pytest.fixture(scope="module")
def homework_build(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("build")
    assert build.main(["--config", str(HOMEWORK_CONFIG), "--out", str(out)]) == 0
    return out


@pytest.mark.tex
def test_build_writes_every_output(homework_build):
    for name in OUTPUTS:
        assert (homework_build / name).stat().st_size > 0
    assert (homework_build / "solution.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.tex
def test_results_json_holds_full_precision(homework_build):
    results = json.loads((homework_build / "results.json").read_text())
    assert set(results) >= {"forward", "gradients", "updated"}
    assert set(results["forward"]) >= {"h", "a", "z", "y_hat", "y_smooth", "loss"}
    assert results["forward"]["loss"] == pytest.approx(1.5265626413, abs=5e-11)
    assert np.shape(results["updated"]["W1"]) == (2, 3)
    assert np.shape(results["gradients"]["W2"]) == (3, 3)
    assert results["updated"]["b1"][1] == pytest.approx(-2.0173574226, abs=5e-11)


@pytest.mark.tex
def test_pdf_shows_the_numbers(homework_build):
    text = pdftext(homework_build / "solution.pdf")
    for number in ["1.5266", "1.9653", "−2.0174", "−1.8931", "−3.9826", "−2.1243", "4.0535"]:
        assert number in text, number


@pytest.mark.tex
def test_problem_2_starts_a_page_or_follows_a_short_end(homework_build):
    """Problem 2 begins a page, unless Problem 1 ends in a short tail (its summary): then it
    follows on that page rather than leave the tail alone on a near-empty one."""
    pdf = homework_build / "solution.pdf"
    pages = int(pdfinfo(pdf)["Pages"])
    starts = {
        name: [p for p in range(1, pages + 1) if name in pdftext(pdf, p)]
        for name in ("Problem 1", "Problem 2")
    }
    p2 = starts["Problem 2"][0]
    assert starts["Problem 1"][0] == 1 and p2 > 1
    page = pdftext(pdf, p2).lstrip()
    assert page.startswith(("Problem 2", "Summary")), page[:80]
    assert page.index("Problem 2") < len(page) / 2  # the tail above it is short


@pytest.mark.tex
def test_fonts_are_embedded_and_metadata_set(homework_build):
    pdf = homework_build / "solution.pdf"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows), fonts
    assert pdfinfo(pdf)["Title"].strip() == "Solutions to Homework 3"


@pytest.mark.tex
def test_nothing_runs_off_the_page(homework_build):
    log = (homework_build / "solution.log").read_text()
    assert "Overfull" not in log


def test_no_pdf_writes_tex_and_json_only(tmp_path):
    assert build.main(["--config", str(HOMEWORK_CONFIG), "--out", str(tmp_path), "--no-pdf"]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == NO_PDF_FOLDER


def test_cli_runs_as_a_script(tmp_path):
    """`python build.py` from the project folder, the README's entry point."""
    run = subprocess.run(
        [sys.executable, "build.py", "--out", str(tmp_path), "--no-pdf"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "results.json").exists()


@pytest.mark.tex
def test_bad_config_is_one_line_and_exit_2_and_outputs_untouched(homework_build, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    for name in OUTPUTS:
        (out / name).write_bytes((homework_build / name).read_bytes())
    before = snapshot(out)
    bad = tmp_path / "mine.toml"
    bad.write_text(HOMEWORK_CONFIG.read_text().replace("learning_rate", "learnig_rate"))
    assert build.main(["--config", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "learnig_rate" in err and "learning_rate" in err
    assert snapshot(out) == before


@pytest.mark.tex
def test_tex_failure_keeps_previous_pdf_and_saves_the_log(
    homework_build, tmp_path, capsys, monkeypatch
):
    """A TeX error (here: a package TeX cannot find) leaves the old set and writes the log."""
    out = tmp_path / "out"
    out.mkdir()
    for name in OUTPUTS:
        (out / name).write_bytes((homework_build / name).read_bytes())
    before = {name: (out / name).read_bytes() for name in OUTPUTS}
    templates = tmp_path / "templates"
    templates.mkdir()
    for template in (ROOT / "templates").iterdir():
        text = template.read_text()
        if template.name == "solution.tex.j2":
            text = text.replace(r"\begin{document}", "\\begin{document}\n\\undefinedmacro")
        (templates / template.name).write_text(text)
    monkeypatch.setattr(document, "environment", lambda: make_environment(templates))
    status = build.main(["--config", str(HOMEWORK_CONFIG), "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 1
    assert err.startswith("error: solution.pdf: TeX failed: solution.tex:")
    assert "Undefined control" in err
    assert {name: (out / name).read_bytes() for name in OUTPUTS} == before
    assert "Undefined control sequence" in (out / "solution.log").read_text()


def _tex_running(parent: int) -> bool:
    """Whether a pdflatex started by ``parent`` is running."""
    pgrep = ["pgrep", "-P", str(parent), "-x", "pdflatex"]
    return subprocess.run(pgrep, capture_output=True).returncode == 0


@pytest.mark.tex
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT, signal.SIGTERM])
def test_a_build_killed_during_tex_leaves_the_previous_set(homework_build, tmp_path, sig):
    out = tmp_path / "out"
    out.mkdir()
    for name in OUTPUTS:
        (out / name).write_bytes(b"previous " + name.encode())
    before = snapshot(out)
    config = tmp_path / "c.toml"  # a different instance, so a finished build would differ
    config.write_text(HOMEWORK_CONFIG.read_text().replace("epsilon = 0.3", "epsilon = 0.2"))
    proc = subprocess.Popen(
        [sys.executable, "build.py", "--config", str(config), "--out", str(out)],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        # As at a terminal: a shell's background job (a CI runner, say) starts its children
        # with SIGINT ignored, and then Python never turns Ctrl-C into KeyboardInterrupt.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 30
    while not _tex_running(proc.pid):
        assert proc.poll() is None and time.monotonic() < deadline, "TeX never started"
        time.sleep(0.01)
    tex = subprocess.run(["pgrep", "-P", str(proc.pid), "-x", "pdflatex"], capture_output=True)
    tex_pid = int(tex.stdout.split()[0])
    proc.send_signal(sig)
    proc.wait(timeout=30)
    assert proc.returncode != 0
    if sig == signal.SIGKILL:  # TeX runs in its own session: end the orphan as a user would
        os.killpg(tex_pid, signal.SIGKILL)
    else:
        assert proc.returncode == 130
        assert b"previous outputs are unchanged" in proc.stderr.read()
        with pytest.raises(ProcessLookupError):  # Ctrl-C or SIGTERM ended TeX too
            os.killpg(tex_pid, 0)
    assert snapshot(out) == before


@pytest.mark.tex
def test_builds_are_byte_identical(homework_build, tmp_path):
    """A second build, later and into another folder, gives the same PDF and JSON."""
    time.sleep(1.1)
    assert build.main(["--config", str(HOMEWORK_CONFIG), "--out", str(tmp_path)]) == 0
    for name in ("solution.pdf", "results.json"):
        assert (tmp_path / name).read_bytes() == (homework_build / name).read_bytes(), name
    assert str(tmp_path).encode() not in (tmp_path / "solution.pdf").read_bytes()


@pytest.mark.tex
def test_source_date_epoch_is_honoured(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert build.main(["--config", str(HOMEWORK_CONFIG), "--out", str(tmp_path)]) == 0
    info = subprocess.run(
        ["pdfinfo", "-isodates", str(tmp_path / "solution.pdf")], capture_output=True, text=True
    ).stdout
    assert "2023-11-14T22:13:20" in info


@pytest.mark.tex
@pytest.mark.parametrize(
    ("x", "epsilon"),
    [("[1e6, -1e6]", "0.3"), ("[1000, 3]", "0.0"), ("[0.001, 2]", "1.0"), ("[2000, 5]", "0.0")],
)
def test_extreme_instances_typeset(tmp_path, x, epsilon):
    """Inputs up to 1e6, logits in the thousands, ε = 0 and 1: finite numbers, a PDF."""
    config = tmp_path / "extreme.toml"
    text = HOMEWORK_CONFIG.read_text().replace("x = [0, 2]", f"x = {x}")
    config.write_text(text.replace("epsilon = 0.3", f"epsilon = {epsilon}"))
    out = tmp_path / "out"
    assert build.main(["--config", str(config), "--out", str(out)]) == 0
    results = json.loads((out / "results.json").read_text())  # strict JSON: no NaN/Infinity
    assert np.isfinite(results["forward"]["loss"])
    assert all(np.all(np.isfinite(v)) for v in results["gradients"].values())
    tex = (out / "solution.tex").read_text()
    assert "nan" not in re.findall(r"\\num\{([^}]*)\}", tex)
    assert (out / "solution.pdf").read_bytes().startswith(b"%PDF")


# --- as typed, from anywhere -----------------------------------------------------------------


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory) -> Path:
    """A Python with none of the project's packages (a fresh venv of the running one)."""
    venv = tmp_path_factory.mktemp("bare") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    probe = subprocess.run([python, "-c", "import pylatex"], capture_output=True)
    assert probe.returncode != 0  # really without the packages
    return python


def test_python_build_py_works_as_typed_from_anywhere(bare_python, tmp_path):
    """`python build.py` with a Python that lacks the packages runs again with .venv's, and
    the default config is found from any folder."""
    run = subprocess.run(
        [bare_python, str(ROOT / "build.py"), "--no-pdf", "--out", "o"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "o" / "results.json").exists()


def test_without_an_environment_it_says_what_to_run(bare_python, tmp_path):
    """A copy of the project with no .venv/: one line naming `make`, exit 2."""
    for name in ("build.py", "pyproject.toml", "solver"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        else:
            shutil.copy(source, tmp_path / name)
    run = subprocess.run([bare_python, "build.py"], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "run 'make' in" in run.stderr


def test_version_is_pyprojects(capsys):
    """One version number: the one pyproject.toml states (and `make` installs)."""
    import tomllib

    stated = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    with pytest.raises(SystemExit) as exit_info:
        build.main(["--version"])
    assert exit_info.value.code == 0 and capsys.readouterr().out == f"build.py {stated}\n"


def test_the_commands_are_listed_and_build_is_the_default(capsys):
    with pytest.raises(SystemExit):
        build.main(["--help"])
    shown = capsys.readouterr().out
    assert all(f"    {command} " in shown for command in build.COMMANDS), shown
    assert build.parse_args(["--out", "x"]).command == "build"
    assert build.parse_args(["build", "--out", "x"]).out == Path("x")
    assert build.parse_args(["--variants", "3", "--seed", "1", "--out", "c"]).command == "variants"
    assert build.parse_args(["variants", "-n", "3", "--seed", "1", "--out", "c"]).count == 3


def test_each_command_shows_its_defaults(capsys):
    with pytest.raises(SystemExit):
        build.main(["build", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "(default: problems/hw3.toml beside build.py" in shown and "(default: build)" in shown


def test_a_command_after_an_option_is_pointed_out(capsys):
    with pytest.raises(SystemExit) as exit_info:
        build.main(["--config", "x.toml", "check"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and err.count("\n") == 1
    assert err.startswith("error: unrecognized arguments: check; the command goes first")


def test_the_shell_completes_commands_and_options(tmp_path):
    """argcomplete's protocol, as bash's completion hook drives it."""
    line = "build.py variants --se"
    shown = tmp_path / "completions"
    env = dict(os.environ, _ARGCOMPLETE="1", COMP_LINE=line, COMP_POINT=str(len(line)))
    env["_ARGCOMPLETE_STDOUT_FILENAME"] = str(shown)
    subprocess.run([sys.executable, str(ROOT / "build.py")], env=env, check=True, timeout=60)
    assert shown.read_text().split() == ["--seed"]


# --- a PDF a student hands in ------------------------------------------------------------------

BANNED = ("build", "--prove", "results.json", "test suite", "PyTorch")


@pytest.mark.tex
@pytest.mark.parametrize("config", ["hw3.toml", "tanh-mse.toml"])
def test_a_student_copy_names_the_student_and_not_the_tool(tmp_path, config):
    """student, student_id, paper = "letter", appendix = false: the name and id under the
    title, a Letter page, and no word of the tool, its files or its checks anywhere."""
    text = (ROOT / "problems" / config).read_text()
    fields = 'student = "Ada Lovelace"\nstudent_id = "s1815"\npaper = "letter"\nappendix = false'
    text = (
        text.replace("[report]\n", f"[report]\n{fields}\n")
        if "[report]" in text
        else (f"[report]\n{fields}\n\n{text}")
    )
    path = tmp_path / "student.toml"
    path.write_text(text)
    out = tmp_path / "out"
    assert build.main(["--config", str(path), "--out", str(out)]) == 0
    pdf_text = pdftext(out / "solution.pdf")
    assert "Ada Lovelace (s1815)" in pdf_text
    lowered = pdf_text.lower()
    assert not [word for word in BANNED if word.lower() in lowered]
    assert pdfinfo(out / "solution.pdf")["Page size"].strip().startswith("612 x 792")
    # The outline a reader navigates by, the language, and who hands it in.
    pdf = pypdf.PdfReader(out / "solution.pdf")
    assert pdf.trailer["/Root"]["/Lang"] == "en"
    assert pdf.metadata.author == "Ada Lovelace"
    assert not [word for word in BANNED if word.lower() in str(outline(pdf)).lower()]


def outline(pdf: pypdf.PdfReader) -> list[tuple[int, str, int]]:
    """The PDF's bookmarks as (level, title, page) in order."""

    def walk(items: list, level: int) -> list[tuple[int, str, int]]:
        found = []
        for item in items:
            if isinstance(item, list):
                found += walk(item, level + 1)
            else:
                found.append((level, item.title, pdf.get_destination_page_number(item) + 1))
        return found

    return walk(pdf.outline, 0)


@pytest.mark.tex
def test_the_outline_has_each_problem_its_steps_and_the_appendix(homework_build):
    """Bookmarks: Problem 1 and its four steps, Problem 2 and its passes, the appendix;
    each on the page where its heading is."""
    pdf = pypdf.PdfReader(homework_build / "solution.pdf")
    marks = outline(pdf)
    tops = [title for level, title, _ in marks if level == 0]
    assert tops == ["Problem 1", "Problem 2", "Appendix: Verification"]
    steps = [title for level, title, _ in marks if level == 1 and title.startswith("Step")]
    assert len(steps) == 4 and steps[0] == "Step 1: the loss with respect to the output z"
    for _, title, page in marks:
        heading = title.split(":")[0]
        assert heading in pdftext(homework_build / "solution.pdf", page), (title, page)
    assert pdf.trailer["/Root"]["/Lang"] == "en"


@pytest.mark.tex
def test_the_problem_sheet_is_the_homework_as_handed_out(homework_build):
    """problem.pdf beside solution.pdf: the homework's own text, Figure 1, this instance's
    numbers, and no answer; two full pages, the first ending at a sentence's end (the task
    moves whole to page 2, Problem 2 follows it), none holding a paragraph's tail alone."""
    sheet = homework_build / "problem.pdf"
    assert int(pdfinfo(sheet)["Pages"]) == 2
    page1, last = pdftext(sheet, 1), pdftext(sheet, 2)
    assert "Machine Learning Course 2024 Spring, Homework 3" in page1
    assert "Problem 1" in page1 and "Figure 1: The network for d = 2, n = 3, q = 3" in page1
    body = [line.strip() for line in page1.splitlines() if line.strip()][:-1]  # no page number
    assert body[-1].endswith("."), body[-1]
    assert last.lstrip().startswith("Your task") and "Figure 1" not in last
    assert "Problem 2" in last
    assert "x = [0, 2]⊤" in last and "ϵ = 0.3 and η = 0.1" in last
    whole = pdftext(sheet)
    assert "1.5266" not in whole and "Answer" not in whole  # the loss is the answer
    marks = [title for _, title, _ in outline(pypdf.PdfReader(sheet))]
    assert marks == ["Problem 1", "Problem 2"]


@pytest.mark.tex
def test_a_changed_instance_changes_its_problem_sheet(tmp_path):
    config = tmp_path / "mine.toml"
    text = (ROOT / "problems" / "tanh-mse.toml").read_text()
    config.write_text(text.replace("learning_rate = 0.1", "learning_rate = 0.07"))
    assert build.main(["--config", str(config), "--out", str(tmp_path / "out")]) == 0
    text = pdftext(tmp_path / "out" / "problem.pdf")
    assert "η = 0.07" in text and "tanh(t) =" in text and "Figure 1" in text


def test_the_readme_example_config_is_valid(tmp_path):
    """The README's instance file loads and builds as written."""
    import re

    block = re.search(r"```toml\n(.*?)```", (ROOT / "README.md").read_text(), re.S).group(1)
    config = tmp_path / "readme.toml"
    config.write_text(block)
    assert build.main(["--config", str(config), "--out", str(tmp_path / "o"), "--no-pdf"]) == 0
    assert (tmp_path / "o" / "results.json").exists()
