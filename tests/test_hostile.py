"""Hostile strings in [report]: shown literally in the PDF and its metadata, never run as TeX."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from instances import HOMEWORK_CONFIG

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
