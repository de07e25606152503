"""One TeX pass, hardened and time-limited, in a throw-away folder: the source in, the PDF
bytes and the log out (report.tex's docstring says why pdflatex alone, and how it is
hardened).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from report.tex import format_cache
from report.tex.log import RERUN, read_log, summary
from report.tex.scratch import Scratch
from solver.errors import HW3Error

DEFAULT_EPOCH = 1714262400  # 2024-04-28T00:00:00Z
JOB = "solution"
MAX_PASSES = 3
# -no-parse-first-line: a "%&format" line is not the document's to choose, and TeX would read
# an early pass's pipe (report.tex.early) twice.
FLAGS = ("-interaction=nonstopmode", "-halt-on-error", "-file-line-error", "-no-shell-escape")
FLAGS += ("-no-parse-first-line",)


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
    # The format dump this compile started in the background for the next document, if any:
    # nobody need wait for it (tests and the benchmark do).
    dump: subprocess.Popen | None = None

    def wait_for_dump(self) -> None:
        if self.dump is not None:
            self.dump.wait()


class TimedOut(TexError):
    """TeX ran past its time: not worth a second try."""


def typeset(
    pdflatex: str,
    source: str,
    fmt: Path | None,
    deadline: float,
    timeout: float,
    source_date_epoch: int | None,
) -> CompiledPdf:
    """Compile ``source`` as solution.tex in a fresh folder, with format ``fmt`` if given,
    again while the log asks for a rerun."""
    with Scratch("hw3-tex-") as tmp:
        folder = Path(tmp)
        (folder / f"{JOB}.tex").write_text(source, encoding="utf-8")
        command = command_for(pdflatex, folder, fmt)
        env = environment(folder, source_date_epoch)
        log = run(command, folder, env, deadline, timeout)
        return reruns(command, folder, env, log, deadline, timeout)


def command_for(pdflatex: str, folder: Path, fmt: Path | None) -> list[str]:
    """A pass over solution.tex in ``folder``, with the format ``fmt`` (linked into the
    folder: kpathsea's openin_any=p reads nothing outside it) if given."""
    command = [pdflatex, *FLAGS, f"-jobname={JOB}"]
    if fmt is not None:
        hard_link(fmt, folder / f"{format_cache.NAME}.fmt")
        command.append(f"-fmt={format_cache.NAME}")
    return [*command, f"{JOB}.tex"]


def reruns(
    command: list[str], folder: Path, env: dict, log: str, deadline: float, timeout: float
) -> CompiledPdf:
    """After a first pass with this ``log``: again while the log asks, then the PDF."""
    for _ in range(MAX_PASSES - 1):
        if not RERUN.search(log):
            break
        log = run(command, folder, env, deadline, timeout)
    pdf = folder / f"{JOB}.pdf"
    if not pdf.exists():
        raise TexError("TeX failed: no PDF was written (is the document empty?)", log)
    return CompiledPdf(pdf=pdf.read_bytes(), log=log)


def hard_link(target: Path, link: Path) -> None:
    """A hard link (the very file checked, whatever replaces it later), else a symlink."""
    try:
        os.link(target, link)
    except OSError:
        os.symlink(target, link)


def environment(folder: Path, source_date_epoch: int | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TEXMFOUTPUT"}
    env.update(
        HOME=str(folder),
        openin_any="p",
        openout_any="p",
        shell_escape="f",
        max_print_line="1000",
        SOURCE_DATE_EPOCH=str(epoch(source_date_epoch)),
        FORCE_SOURCE_DATE="1",
    )
    return env


def epoch(given: int | None) -> int:
    """The given epoch, else a valid one from the user's environment, else the default."""
    if given is not None:
        return given
    inherited = os.environ.get("SOURCE_DATE_EPOCH", "")
    return int(inherited) if inherited.isdigit() else DEFAULT_EPOCH


def run(
    command: list[str],
    folder: Path,
    env: dict[str, str],
    deadline: float,
    timeout: float,
    job: str = JOB,
) -> str:
    """One TeX pass; returns its log, raises TexError on failure or timeout."""
    return finish(spawn(command, folder, env), folder, deadline, timeout, job)


def spawn(
    command: list[str], folder: Path, env: dict[str, str], stdout=subprocess.PIPE, before=None
):
    """TeX started in ``folder``, in a session (a process group) of its own; ``before`` runs
    in the child before TeX does."""
    return subprocess.Popen(
        command,
        cwd=folder,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=before,
    )


def finish(
    proc: subprocess.Popen, folder: Path, deadline: float, timeout: float, job: str = JOB
) -> str:
    """Wait for a TeX pass; returns its log, raises TexError on failure or timeout."""
    try:
        output, _ = proc.communicate(timeout=max(deadline - time.monotonic(), 0))
    except subprocess.TimeoutExpired:
        kill_group(proc)
        raise TimedOut(f"TeX did not finish within {timeout:g} s", read_log(folder, job)) from None
    except BaseException:  # Ctrl-C or the like: TeX is in its own session, so end it here
        kill_group(proc)
        raise
    log = read_log(folder, job)
    if proc.returncode != 0:
        shown = log or (output or b"").decode("utf-8", "replace")
        raise TexError(f"TeX failed: {summary(shown)}", log or None)
    return log


def kill_group(proc: subprocess.Popen) -> None:
    """End TeX and anything it started; it may have just finished on its own."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
