"""Run TeX: LaTeX source text in, PDF bytes out, in a throw-away folder.

Why pdflatex and not latexmk: on a fresh folder latexmk always runs pdflatex twice, because
the first pass creates ``solution.aux`` and latexmk counts a new file as a changed one. For
this project's preamble (hyperref with ``bookmarks=false``, no cross-references) the
second pass gives a byte-identical PDF and only doubles the time (measured: latexmk
1.4-1.7 s, one pdflatex pass 0.55-0.7 s). So pdflatex runs once, and again (up to
``_MAX_PASSES`` in all) only while its log asks for a rerun.

Hardening: no shell escape, kpathsea's paranoid ``openin_any``/``openout_any`` (no reading
or writing outside the folder, no dot files), ``HOME`` and the working folder inside
the temporary folder, no stdin, and its own process group, killed whole on timeout.
Reproducible: ``SOURCE_DATE_EPOCH`` with ``FORCE_SOURCE_DATE=1`` fixes every date, and the
fixed job name in a relative folder keeps paths out of the PDF (the document itself sets
``\\pdftrailerid{}``).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from solver.errors import HW3Error

INSTALL_HINT = (
    "{engine} is not installed: install the Debian packages texlive-latex-base "
    "texlive-latex-recommended texlive-pictures texlive-science lmodern "
    "texlive-fonts-recommended texlive-xetex fonts-noto-core fonts-noto-cjk (or run 'make')"
)
XELATEX = "% !TEX program = xelatex"  # a document's first line when XeLaTeX must set it
DEFAULT_EPOCH = 1714262400  # 2024-04-28T00:00:00Z
JOB = "solution"
_MAX_PASSES = 3
_RERUN = re.compile(r"Rerun to get|Label\(s\) may have changed|Package rerunfilecheck Warning")
_BOILERPLATE = re.compile(  # TeX's help text for a human at the terminal, noise here
    r"See the LaTeX manual|Type +H <return>|Type X to quit|or enter new name|Enter file name"
    r"|<read \*>|.*Emergency stop\.$|\s*\.\.\.\s*$"
)
_SYSTEM_FAILURE = re.compile(r"fwrite\(\) failed|No space left|capacity exceeded|[Ii]/O error")
_LOCATED = re.compile(r"^(?:\./)?(\S+?:\d+): (.*)$")  # -file-line-error: "./f.tex:42: msg"


class TexError(HW3Error):
    """TeX is missing, failed, or timed out; ``log`` is TeX's log when there was one."""

    exit_status = 1

    def __init__(self, message: str, log: str | None = None) -> None:
        super().__init__(message)
        self.log = log


@dataclass(frozen=True)
class CompiledPdf:
    pdf: bytes
    log: str  # the full TeX log of the last pass


def compile_pdf(
    tex: str, *, timeout: float = 60.0, source_date_epoch: int | None = None
) -> CompiledPdf:
    """Typeset ``tex`` with pdflatex, or xelatex when its first line says so (report/scripts.py:
    text in other scripts); raise TexError (with ``.log``) if TeX is missing, fails or hangs."""
    engine = "xelatex" if tex.lstrip().startswith(XELATEX) else "pdflatex"
    program = shutil.which(engine)
    if program is None:
        raise TexError(INSTALL_HINT.format(engine=engine), None)
    deadline = time.monotonic() + timeout
    with tempfile.TemporaryDirectory(prefix="hw3-tex-") as tmp:
        folder = Path(tmp)
        (folder / f"{JOB}.tex").write_text(tex, encoding="utf-8")
        env = _environment(folder, source_date_epoch)
        for _ in range(_MAX_PASSES):
            log = _run(program, folder, env, deadline, timeout)
            if not _RERUN.search(log):
                break
        pdf = folder / f"{JOB}.pdf"
        if not pdf.exists():
            raise TexError("TeX failed: no PDF was written (is the document empty?)", log)
        return CompiledPdf(pdf=pdf.read_bytes(), log=log)


def _environment(folder: Path, source_date_epoch: int | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TEXMFOUTPUT"}
    env.update(
        HOME=str(folder),
        openin_any="p",
        openout_any="p",
        shell_escape="f",
        max_print_line="1000",
        SOURCE_DATE_EPOCH=str(_epoch(source_date_epoch)),
        FORCE_SOURCE_DATE="1",
    )
    return env


def _epoch(given: int | None) -> int:
    """The given epoch, else a valid one from the user's environment, else the default."""
    if given is not None:
        return given
    inherited = os.environ.get("SOURCE_DATE_EPOCH", "")
    return int(inherited) if inherited.isdigit() else DEFAULT_EPOCH


def _run(program: str, folder: Path, env: dict[str, str], deadline: float, timeout: float) -> str:
    """One TeX pass; returns its log, raises TexError on failure or timeout."""
    command = [program, "-interaction=nonstopmode", "-halt-on-error", "-file-line-error"]
    command += ["-no-shell-escape", f"-jobname={JOB}", f"{JOB}.tex"]
    proc = subprocess.Popen(
        command,
        cwd=folder,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        output, _ = proc.communicate(timeout=max(deadline - time.monotonic(), 0))
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise TexError(f"TeX did not finish within {timeout:g} s", _read_log(folder)) from None
    except BaseException:  # Ctrl-C or the like: TeX is in its own session, so end it here
        _kill_group(proc)
        raise
    log = _read_log(folder)
    if proc.returncode != 0:
        shown = log or output.decode("utf-8", "replace")
        raise TexError(f"TeX failed: {_summary(shown)}", log or None)
    return log


def _kill_group(proc: subprocess.Popen) -> None:
    """End TeX and anything it started; it may have just finished on its own."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()


def _read_log(folder: Path) -> str:
    path = folder / f"{JOB}.log"
    return path.read_text("utf-8", "replace") if path.exists() else ""


def _summary(log: str, context: int = 4) -> str:
    r"""The first error in a TeX log as ``file:line: message``, then a few lines of context.

    >>> print(_summary("(./solution.tex\n./solution.tex:4: Undefined control sequence.\n"
    ...                "l.4 \\foo\n         bar\nHere is how much of TeX's memory you used:"))
    solution.tex:4: Undefined control sequence.
    l.4 \foo
             bar
    >>> print(_summary("[3] [4]\n!pdfTeX error: pdflatex: fwrite() failed\n)\n"))
    !pdfTeX error: pdflatex: fwrite() failed
    """
    lines = log.splitlines()
    i = next((i for i, s in enumerate(lines) if s.startswith("! ") or _LOCATED.match(s)), None)
    if i is None:  # no TeX error: a failure of the machine's (a full disk, no memory)
        cause = next((s for s in lines if _SYSTEM_FAILURE.search(s)), None)
        if cause is None:
            cause = next((s for s in reversed(lines) if s.strip(" )")), "no log was written")
        return cause.strip()
    line, after = lines[i], lines[i + 1 :]
    end = next((j for j, s in enumerate(after) if s.startswith("Here is how much")), len(after))
    shown = [s.rstrip() for s in after[:end] if s.strip() and not _BOILERPLATE.match(s)]
    shown = shown[:context]
    if line.startswith("! "):  # take the location from the next located line, if any
        where = next((m[1] for m in map(_LOCATED.match, after) if m), None)
        head = f"{where}: {line[2:]}" if where else line[2:]
    else:
        head = "{}: {}".format(*_LOCATED.match(line).groups())
    return "\n".join([head, *shown])
