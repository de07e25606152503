"""The cached preamble format (report/tex/format_cache.py, used by report.tex): the same PDF,
byte for byte, with it or without; a stale, truncated or unwritable cache only slows a build.
These run the real pdflatex, each with a cache folder of its own."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
from instances import ROOT, random_problem

from orchestration.single import render_solution
from report import tex
from report.document import solution_head, statement_tex
from report.tex import format_cache as tex_format
from solver.network import solve

SMALL = r"""\documentclass{article}
\usepackage[hidelinks,pdfusetitle=false,bookmarks=false]{hyperref}
% hw3: end of the cached format
\hypersetup{pdftitle={Small}}
\pdftrailerid{}
\begin{document}
"""


def small(body: str) -> str:
    return SMALL + body + "\n\\end{document}\n"


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """An empty cache folder of this test's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "hw3-solution" / "formats"


def format_of(compiled: tex.CompiledPdf) -> str:
    """The format TeX ran with, from its log's first line."""
    first = compiled.log.splitlines()[0]
    return first.split("preloaded format=")[1].split()[0]


def record(cache: Path) -> Path:
    (path,) = cache.glob("*.json")
    return path


@pytest.mark.slow  # two full builds and a format dump, byte-compared
@pytest.mark.tex
def test_the_homework_is_the_same_pdf_with_the_format_or_without(cache, homework):
    """The solution (TikZ, pgfplots) and a problem sheet (TikZ): the first build compiles
    plainly and dumps the format in the background; the next uses it, for the same bytes."""
    for document in (render_solution(solve(homework)), statement_tex(homework, "variant-001")):
        plain = tex.compile_pdf(document)
        plain.wait_for_dump()
        cached = tex.compile_pdf(document)
        assert (format_of(plain), format_of(cached)) == ("pdflatex", tex_format.NAME)
        assert plain.pdf == cached.pdf
    assert len(list(cache.glob("*.fmt"))) == 2  # the solution's preamble and the sheet's


def test_documents_of_a_kind_share_their_preamble(homework):
    """Every solution begins with the same preamble, and every problem sheet (a handout
    too): one cached format for each kind, whatever the template's comments."""
    other = random_problem(np.random.default_rng(3), 3, 4, 2)
    solutions = [render_solution(solve(homework)), render_solution(solve(other))]
    sheets = [statement_tex(homework), statement_tex(homework, "v", answers=["loss", "W1_1_1"])]
    for documents in (solutions, sheets):
        heads = {tex_format.split(document).head for document in documents}
        assert len(heads) == 1 and next(iter(heads)).startswith("\\documentclass")


@pytest.mark.tex
def test_the_format_keeps_line_numbers_and_dates(cache):
    """The body read with the format has the document's line numbers; the date is the
    epoch given to this pass, not the dump's."""
    document = small("Dated.")
    assert tex.prepare(document)
    for restore in (False, True):
        body = tex_format.split(document).body(restore).splitlines()
        assert len(body) == len(document.splitlines())
        assert body[3:] == document.splitlines()[3:]
    dated = tex.compile_pdf(document, source_date_epoch=1700000000)
    assert format_of(dated) == tex_format.NAME
    plain = tex.compile_pdf(document.replace(tex_format.MARKER, "%"), source_date_epoch=1700000000)
    assert format_of(plain) == "pdflatex"
    assert dated.pdf == plain.pdf


@pytest.mark.tex
def test_a_stale_record_is_not_used(cache):
    """A file the dump read has changed since (as after a TeX upgrade): the format is not
    used, the PDF is the plain one."""
    document = small("Stale.")
    assert tex.prepare(document)
    fresh = tex.compile_pdf(document)
    entry = json.loads(record(cache).read_text())
    entry["inputs"][0][2] += 1  # texmf.cnf's mtime, one nanosecond off
    record(cache).write_text(json.dumps(entry))
    pdflatex = shutil.which("pdflatex")
    assert tex_format.lookup(tex_format.split(document).head, pdflatex) is None
    stale = tex.compile_pdf(document)
    assert format_of(stale) == "pdflatex"
    assert (format_of(fresh), stale.pdf) == (tex_format.NAME, fresh.pdf)


@pytest.mark.tex
def test_a_truncated_format_is_not_used(cache):
    """A format cut short is refused by its size; one whose record agrees with it (as if
    written so) fails in TeX, and the pass is run again plainly, for the same PDF."""
    document = small("Truncated.")
    assert tex.prepare(document)
    whole = tex.compile_pdf(document)
    (fmt,) = cache.glob("*.fmt")
    fmt.write_bytes(fmt.read_bytes()[: fmt.stat().st_size // 2])
    head = tex_format.split(document).head
    assert tex_format.lookup(head, shutil.which("pdflatex")) is None
    entry = json.loads(record(cache).read_text())
    entry.update(size=fmt.stat().st_size, sha256=tex_format._digest(fmt))
    record(cache).write_text(json.dumps(entry))
    assert tex_format.lookup(head, shutil.which("pdflatex")).path == fmt
    fallen_back = tex.compile_pdf(document)
    assert format_of(fallen_back) == "pdflatex"
    assert "the pass with the cached format" in fallen_back.log
    assert fallen_back.pdf == whole.pdf


@pytest.mark.tex
def test_an_altered_format_of_the_same_size_is_not_used(cache):
    document = small("Altered.")
    assert tex.prepare(document)
    (fmt,) = cache.glob("*.fmt")
    data = bytearray(fmt.read_bytes())
    data[len(data) // 2] ^= 0xFF
    fmt.write_bytes(bytes(data))
    tex_format._matches.cache_clear()
    assert tex_format.lookup(tex_format.split(document).head, shutil.which("pdflatex")) is None


@pytest.mark.tex
def test_an_unwritable_cache_folder_only_slows_the_build(tmp_path, monkeypatch):
    """The cache folder cannot be made (its parent is a file): the PDF is built plainly,
    nothing is raised, nothing is written."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker / "cache"))
    document = small("Unwritable.")
    assert tex.prepare(document) is False
    assert tex.dump_format(tex_format.split(document).head) is None
    compiled = tex.compile_pdf(document)
    compiled.wait_for_dump()
    assert format_of(compiled) == "pdflatex"
    assert compiled.pdf.startswith(b"%PDF")
    assert blocker.read_text() == "not a folder"


@pytest.mark.tex
def test_a_full_cache_disk_costs_no_dump(cache, monkeypatch):
    """No room for a format: no dump is started, in the background or now (each cost ~3.8 s
    of CPU and failed, at every build), and the document is compiled plainly."""
    from collections import namedtuple

    from report.tex import dumps

    Space = namedtuple("Space", "f_bavail f_frsize")
    monkeypatch.setattr(tex_format.os, "statvfs", lambda path: Space(100, 4096))

    def no_tex(*args, **kwargs):
        raise AssertionError("a dump ran TeX")

    monkeypatch.setattr(dumps, "run", no_tex)
    document = small("Full.")
    assert tex.dump_format(tex_format.split(document).head) is None
    assert tex.prepare(document) is False
    compiled = tex.compile_pdf(document)
    assert compiled.dump is None
    assert format_of(compiled) == "pdflatex"
    assert not list(cache.glob("*.fmt"))


@pytest.mark.tex
def test_a_document_without_the_marker_compiles_plainly(cache):
    """Another engine's document, or any without the marker line: no format, no dump."""
    compiled = tex.compile_pdf(small("Plain.").replace(tex_format.MARKER, "%"))
    assert compiled.dump is None
    assert format_of(compiled) == "pdflatex"
    assert not cache.exists()


@pytest.mark.tex
def test_a_pass_with_the_format_is_as_hardened(cache):
    r"""Shell escape stays off and nothing outside the folder can be read with the format."""
    target = Path(f"/tmp/pwned-{uuid.uuid4().hex}")
    document = small(f"\\immediate\\write18{{touch {target}}}Text.")
    assert tex.prepare(document)
    assert format_of(tex.compile_pdf(document)) == tex_format.NAME
    assert not target.exists()
    with pytest.raises(tex.TexError) as caught:
        tex.compile_pdf(small("\\input{/etc/passwd}"))
    assert "root:" not in (caught.value.log or "")


@pytest.mark.tex
def test_solution_tex_compiles_standalone_with_plain_pdflatex(tmp_path, homework):
    """The marker is a comment: the .tex a build writes needs no format."""
    (tmp_path / "solution.tex").write_text(render_solution(solve(homework)))
    run = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "solution.tex"],
        cwd=tmp_path,
        capture_output=True,
    )
    assert run.returncode == 0
    assert (tmp_path / "solution.pdf").read_bytes().startswith(b"%PDF")


# --- TeX started early (report.tex.start), before its document is ready ----------------------


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


@pytest.mark.tex
@pytest.mark.parametrize("wait", [0.0, 1.0])
def test_an_early_pass_is_the_same_pdf(cache, homework, wait):
    """Started before the document is known, without the format (loading the packages)
    and with it, fed the rest through its pipe before or after TeX has opened it: the PDF
    of a plain pass, byte for byte. The pass without it dumps the format for the next."""
    document = render_solution(solve(homework))
    plain = tex.compile_pdf(document.replace(tex_format.MARKER, "%")).pdf
    head = tex_format.split(document).head
    assert head == solution_head("a4", 1, "cross_entropy")  # known before solving
    for expected in ("pdflatex", tex_format.NAME):
        early = tex.start(head)
        time.sleep(wait)
        compiled = tex.compile_pdf(document, early=early)
        compiled.wait_for_dump()
        assert format_of(compiled) == expected
        assert compiled.pdf == plain
        assert not alive(early.proc.pid) and not early.folder.exists()


@pytest.mark.tex
def test_an_early_pass_for_another_preamble_is_ended(cache):
    """A document whose preamble (or dates) is not the one TeX was started for is compiled
    as if nothing had been started; the early TeX is ended and its folder removed."""
    document = small("Other.")
    assert tex.prepare(document)
    for other, epoch in ((document.replace("article", "report"), None), (document, 1700000000)):
        tex.prepare(other)
        early = tex.start(tex_format.split(document).head)
        compiled = tex.compile_pdf(other, early=early, source_date_epoch=epoch)
        assert compiled.pdf == tex.compile_pdf(other, source_date_epoch=epoch).pdf
        assert not alive(early.proc.pid) and not early.folder.exists()


@pytest.mark.tex
def test_an_early_pass_reports_errors_as_any_pass(cache):
    document = small("Fine.\n\\foo bar")  # \foo on line 8
    assert tex.prepare(document)
    early = tex.start(tex_format.split(document).head)
    with pytest.raises(tex.TexError) as caught:
        tex.compile_pdf(document, early=early)
    assert str(caught.value).splitlines()[0] == (
        "TeX failed: solution.tex:8: Undefined control sequence."
    )
    assert not alive(early.proc.pid)


@pytest.mark.tex
def test_an_early_pass_never_fed_ends_with_its_process(cache):
    """Cancelled, or its Python killed before writing the document: TeX does not linger."""
    document = small("Abandoned.")
    assert tex.prepare(document)
    early = tex.start(tex_format.split(document).head)
    early.cancel()
    assert not alive(early.proc.pid) and not early.folder.exists()
    script = (
        "import os, sys\nfrom report import tex\n"
        "early = tex.start(sys.stdin.read())\nprint(early.proc.pid, flush=True)\nos._exit(0)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script],
        input=tex_format.split(document).head,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    pid = int(run.stdout)
    deadline = time.monotonic() + 20
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid)
