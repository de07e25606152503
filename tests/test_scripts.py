"""Names in any script (report/scripts.py): which engine and fonts set them, end to end."""

from __future__ import annotations

import subprocess
import unicodedata

import pytest
from fontTools.ttLib import TTCollection, TTFont
from instances import HOMEWORK_CONFIG

import build
from report.scripts import FAMILIES, SCRIPT_RANGES, font_keys, in_scripts, latin, script_of

NAMES = ("张伟", "Αλέξανδρος", "Иван", "محمد")


def test_each_script_gets_its_font():
    assert font_keys("Ada", "Renée") == []  # all Latin: pdfLaTeX
    assert font_keys("张伟") == ["cjksc"]
    assert font_keys("やまだ", "김") == ["cjkjp", "cjkkr"]
    assert font_keys(*NAMES) == ["serif", "arabic", "cjksc"]
    assert in_scripts("Ada 张 伟 Иван") == r"Ada \inscript{cjksc}{张 伟} \inscript{serif}{Иван}"
    assert in_scripts("محمد") == r"\inscript{arabic}{\rtl{محمد}}"


def _cmap(family: str) -> set[int]:
    """The code points the installed font of ``family`` (regular and bold) maps."""
    covered = None
    for style in ("Regular", "Bold"):
        found = subprocess.run(
            ["fc-match", "--format=%{family}|%{file}|%{index}", f"{family}:style={style}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        families, path, index = found.split("|")
        assert family in families.split(","), found  # the font itself, not a fallback
        font = TTCollection(path).fonts[int(index)] if path.endswith(".ttc") else TTFont(path)
        cmap = set(font.getBestCmap())
        covered = cmap if covered is None else covered & cmap
    return covered


@pytest.mark.parametrize("script", list(SCRIPT_RANGES))
def test_every_accepted_character_is_in_its_font(script):
    """What the config accepts, the font that sets it has: checked against the fonts' own
    tables, so no accepted name can come out as blanks."""
    accepted = [
        chr(code)
        for low, high in SCRIPT_RANGES[script]
        for code in range(low, high + 1)
        if script_of(chr(code)) == script
    ]
    keys = {"greek": ["serif"], "cyrillic": ["serif"], "arabic": ["arabic"]}
    for key in keys.get(script, ["cjksc", "cjkjp", "cjkkr"]):
        covered = _cmap(FAMILIES[key])
        missing = [c for c in accepted if ord(c) not in covered]
        assert not missing, (key, [f"U+{ord(c):04X}" for c in missing[:10]])
    assert not any(latin(c) for c in accepted)


def pdftext(pdf) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def named_build(tmp_path_factory):
    """The homework, for a student named in four scripts, built twice into two folders."""
    folder = tmp_path_factory.mktemp("names")
    config = folder / "names.toml"
    student = ", ".join(NAMES)
    config.write_text(
        HOMEWORK_CONFIG.read_text().replace("[report]\n", f'[report]\nstudent = "{student}"\n')
    )
    for out in ("a", "b"):
        assert build.main(["--config", str(config), "--out", str(folder / out)]) == 0
    return folder


@pytest.mark.tex
@pytest.mark.parametrize("document", ["solution.pdf", "problem.pdf"])
def test_names_in_any_script_print(named_build, document):
    """Each name is in the PDF's text: Chinese, Greek and Cyrillic as typed; Arabic as the
    joined letter forms the font sets (the same letters once normalized, NFKC)."""
    text = pdftext(named_build / "a" / document)
    for name in NAMES[:3]:
        assert name in text, name
    assert NAMES[3] in unicodedata.normalize("NFKC", text)
    assert (
        (named_build / "a" / document.replace(".pdf", ".tex"))
        .read_text()
        .lstrip()
        .startswith("% !TEX program = xelatex")
    )


@pytest.mark.tex
def test_a_named_build_is_byte_identical(named_build):
    for document in ("solution.pdf", "problem.pdf"):
        assert (named_build / "a" / document).read_bytes() == (
            named_build / "b" / document
        ).read_bytes()


@pytest.mark.tex
def test_latin_documents_stay_with_pdflatex(tmp_path):
    assert build.main(["--config", str(HOMEWORK_CONFIG), "--out", str(tmp_path)]) == 0
    assert "% !TEX program" not in (tmp_path / "solution.tex").read_text()
    assert b"pdfTeX" in (tmp_path / "solution.pdf").read_bytes()  # PTEX.Fullbanner
