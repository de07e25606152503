"""The build cache (orchestration/cache.py): an unchanged build is skipped, any change rebuilds."""

from __future__ import annotations

import shutil

import pytest
from instances import HOMEWORK_CONFIG, ROOT

import build
from orchestration import cache


@pytest.mark.tex
def test_unchanged_rebuild_does_nothing_and_changes_rebuild(tmp_path, capsys):
    config = tmp_path / "c.toml"
    config.write_text(HOMEWORK_CONFIG.read_text())
    out = tmp_path / "out"
    args = ["--config", str(config), "--out", str(out)]
    assert build.main(args) == 0
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    capsys.readouterr()
    assert build.main(args) == 0
    assert "up to date" in capsys.readouterr().out
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == mtimes
    config.write_text(HOMEWORK_CONFIG.read_text().replace("epsilon = 0.3", "epsilon = 0.25"))
    assert build.main(args) == 0
    assert "wrote" in capsys.readouterr().out
    (out / "solution.pdf").unlink()  # an output gone (or edited) is rebuilt too
    assert build.main(args) == 0
    assert (out / "solution.pdf").exists()


def test_fingerprint_covers_templates_and_code(tmp_path, monkeypatch):

    for folder in cache.SOURCES:
        shutil.copytree(ROOT / folder, tmp_path / folder)
    monkeypatch.setattr(cache, "ROOT", tmp_path)
    config = HOMEWORK_CONFIG.read_text()
    before = cache.fingerprint(config, pdf=True)
    assert cache.fingerprint(config, pdf=True) == before
    assert cache.fingerprint(config, pdf=False) != before
    assert cache.fingerprint(config + "\n", pdf=True) != before
    template = tmp_path / "templates" / "problem2.tex.j2"
    template.write_text(template.read_text() + "%")
    after_template = cache.fingerprint(config, pdf=True)
    assert after_template != before
    code = tmp_path / "solver" / "network.py"
    code.write_text(code.read_text() + "\n")
    assert cache.fingerprint(config, pdf=True) != after_template
