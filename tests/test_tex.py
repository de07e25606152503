"""Tests of report/tex.py: these run the real pdflatex, and must not skip."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from report.tex import CompiledPdf, TexError, compile_pdf

PREAMBLE = r"""\documentclass{article}
\usepackage[hidelinks,pdfusetitle=false,bookmarks=false]{hyperref}
\pdftrailerid{}
\begin{document}
"""


def document(body: str) -> str:
    return PREAMBLE + body + "\n\\end{document}\n"


def pdftotext(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


@pytest.mark.tex
def test_tiny_document_compiles():
    """A valid document gives a PDF whose text reads back."""
    out = compile_pdf(document("Hello, backprop."))
    assert isinstance(out, CompiledPdf)
    assert out.pdf.startswith(b"%PDF")
    assert "Hello, backprop." in pdftotext(out.pdf)
    assert "Output written on solution.pdf" in out.log


@pytest.mark.tex
def test_reproducible_and_no_temp_path_leaks():
    """Two compiles of the same text are byte-identical and name no temporary folder."""
    first, second = (compile_pdf(document("Same text.")) for _ in range(2))
    assert first.pdf == second.pdf
    assert b"hw3-tex-" not in first.pdf and b"/tmp" not in first.pdf


@pytest.mark.tex
def test_source_date_epoch_sets_creation_date():
    """The given epoch is the PDF's creation date."""
    pdf = compile_pdf(document("Dated."), source_date_epoch=1700000000).pdf
    info = subprocess.run(
        ["pdfinfo", "-isodates", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "2023-11-14T22:13:20" in info


@pytest.mark.tex
def test_undefined_control_sequence_names_file_and_line():
    """A TeX error reports solution.tex, the line, the error and the log."""
    tex = document("Fine.\n\\foo bar")  # \foo sits on line 6
    with pytest.raises(TexError) as caught:
        compile_pdf(tex)
    message = str(caught.value)
    assert message.splitlines()[0] == "TeX failed: solution.tex:6: Undefined control sequence."
    assert "l.6 \\foo" in message
    assert len(message.splitlines()) <= 5
    assert "Undefined control sequence" in caught.value.log


@pytest.mark.tex
def test_infinite_loop_times_out_and_leaves_no_process(monkeypatch):
    """An endless loop is killed, with its whole process group, at the timeout."""
    started, real_popen = [], subprocess.Popen

    def popen(*args, **kwargs):
        started.append(proc := real_popen(*args, **kwargs))
        return proc

    monkeypatch.setattr(subprocess, "Popen", popen)
    start = time.monotonic()
    with pytest.raises(TexError, match="did not finish within 3 s") as caught:
        compile_pdf(document("\\loop\\iftrue\\repeat"), timeout=3)
    assert time.monotonic() - start < 10
    assert caught.value.log is not None
    (proc,) = started
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)  # the session's group is gone: nothing left behind


@pytest.mark.tex
def test_shell_escape_is_off():
    r"""\write18 runs nothing."""
    target = Path(f"/tmp/pwned-{uuid.uuid4().hex}")
    compile_pdf(document(f"\\immediate\\write18{{touch {target}}}Text."))
    assert not target.exists()


@pytest.mark.tex
def test_openout_outside_is_refused():
    r"""\openout to an absolute path does not create the file."""
    target = Path(f"/tmp/hw3-out-{uuid.uuid4().hex}.tex")
    tex = document(f"\\newwrite\\f\\immediate\\openout\\f={target}\\immediate\\closeout\\f Text.")
    with pytest.raises(TexError, match="write"):
        compile_pdf(tex)
    assert not target.exists()


def test_input_outside_is_refused():
    r"""\input{/etc/passwd} fails and never shows the file's content."""
    with pytest.raises(TexError) as caught:
        compile_pdf(document("\\input{/etc/passwd}"))
    assert "root:" not in str(caught.value)
    assert "root:" not in (caught.value.log or "")


def test_missing_tex_says_what_to_install(tmp_path, monkeypatch):
    """Without pdflatex on PATH the error names the packages to install."""
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(TexError, match="install") as caught:
        compile_pdf(document("Text."))
    assert caught.value.log is None
    assert "\n" not in str(caught.value)
