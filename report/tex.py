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

Faster: a document with the preamble marker of report.tex_format is compiled with a cached
format of its preamble (the packages loaded once, not per PDF), byte for byte the same PDF.
When there is none yet it is compiled plainly, and the format dumped by a process of its own
in the background (for the next document), or up front with :func:`prepare` by a caller
about to compile many. A pass with the format that fails for any reason but a timeout is
run again plainly: a cache problem can slow a build, never change or fail it. A pass can
also be started early (:func:`start`, given the preamble's head alone) so that TeX loads
its format while Python still computes the document, then reads it from a named pipe.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from report import tex_format
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
# -no-parse-first-line: a "%&format" line is not the document's to choose, and TeX would read
# an early pass's pipe (Early) twice.
_FLAGS = ("-interaction=nonstopmode", "-halt-on-error", "-file-line-error", "-no-shell-escape")
_FLAGS += ("-no-parse-first-line",)
ROOT = Path(__file__).resolve().parent.parent
_background: list[subprocess.Popen] = []  # format dumps started by this process
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
    tex: str,
    *,
    timeout: float = 60.0,
    source_date_epoch: int | None = None,
    early: Early | None = None,
) -> CompiledPdf:
    """Typeset ``tex`` with pdflatex, or xelatex when its first line says so (report/scripts.py:
    text in other scripts); raise TexError (with ``.log``) if TeX is missing, fails or hangs.

    ``early``: a pass started for this document's preamble (start()), used when the
    document's preamble and dates are those it was started for, else ended."""
    engine = "xelatex" if tex.lstrip().startswith(XELATEX) else "pdflatex"
    program = shutil.which(engine)
    if program is None:
        if early is not None:
            early.cancel()
        raise TexError(INSTALL_HINT.format(engine=engine), None)
    deadline = time.monotonic() + timeout
    limits = (deadline, timeout, source_date_epoch)
    if engine == "xelatex":  # rare (names in other scripts): no cached format, no early pass
        if early is not None:
            early.cancel()
        return _typeset(program, tex, None, *limits)
    pdflatex = program
    preamble = tex_format.split(tex)
    if early is not None:
        try:
            same_epoch = early.epoch == _epoch(source_date_epoch)
            if preamble is not None and preamble.head == early.head and same_epoch:
                compiled = early.finish(preamble.rest, deadline, timeout)
                if early.fmt is None:  # for the next document
                    _dump_in_background(preamble.head, pdflatex)
                return compiled
        except _TimedOut:
            raise
        except (TexError, OSError):
            pass  # compiled below, as if it had not been started
        finally:
            early.cancel()
    if preamble is None:
        return _typeset(pdflatex, tex, None, *limits)
    fmt = tex_format.lookup(preamble.head, pdflatex)
    if fmt is None:
        compiled = _typeset(pdflatex, tex, None, *limits)
        _dump_in_background(preamble.head, pdflatex)
        return compiled
    try:
        return _typeset(pdflatex, preamble.body(fmt.restore), fmt.path, *limits)
    except _TimedOut:
        raise
    except (TexError, OSError) as err:  # the format's fault or the document's: plainly
        compiled = _typeset(pdflatex, tex, None, *limits)
        note = f"\nhw3: the pass with the cached format {fmt.path} failed ({err}); ran without it\n"
        return CompiledPdf(pdf=compiled.pdf, log=compiled.log + note)


class _TimedOut(TexError):
    """TeX ran past its time: not worth a second try."""


def _typeset(
    pdflatex: str,
    source: str,
    fmt: Path | None,
    deadline: float,
    timeout: float,
    source_date_epoch: int | None,
) -> CompiledPdf:
    """Compile ``source`` as solution.tex in a fresh folder, with format ``fmt`` if given,
    again while the log asks for a rerun."""
    with tempfile.TemporaryDirectory(prefix="hw3-tex-") as tmp:
        folder = Path(tmp)
        (folder / f"{JOB}.tex").write_text(source, encoding="utf-8")
        command = _command(pdflatex, folder, fmt)
        env = _environment(folder, source_date_epoch)
        log = _run(command, folder, env, deadline, timeout)
        return _reruns(command, folder, env, log, deadline, timeout)


def _command(pdflatex: str, folder: Path, fmt: Path | None) -> list[str]:
    """A pass over solution.tex in ``folder``, with the format ``fmt`` (linked into the
    folder: kpathsea's openin_any=p reads nothing outside it) if given."""
    command = [pdflatex, *_FLAGS, f"-jobname={JOB}"]
    if fmt is not None:
        _link(fmt, folder / f"{tex_format.NAME}.fmt")
        command.append(f"-fmt={tex_format.NAME}")
    return [*command, f"{JOB}.tex"]


def _reruns(
    command: list[str], folder: Path, env: dict, log: str, deadline: float, timeout: float
) -> CompiledPdf:
    """After a first pass with this ``log``: again while the log asks, then the PDF."""
    for _ in range(_MAX_PASSES - 1):
        if not _RERUN.search(log):
            break
        log = _run(command, folder, env, deadline, timeout)
    pdf = folder / f"{JOB}.pdf"
    if not pdf.exists():
        raise TexError("TeX failed: no PDF was written (is the document empty?)", log)
    return CompiledPdf(pdf=pdf.read_bytes(), log=log)


class Early:
    """A pass started before its document is ready (see start()), on a named pipe: given
    the preamble's head at once (with a cached format, its blank lines; without, the head
    itself), TeX loads the format or the packages while Python works, then reads the rest.

    The pipe is held open read-write here until TeX has read all of it (a pipe's contents go
    when no process has it open), so TeX does not wait on opening it; TeX is killed with
    this process (Linux's PR_SET_PDEATHSIG) should it die before the document is written.
    """

    def __init__(self, head: str, fmt: tex_format.Format | None, pdflatex: str) -> None:
        self.head, self.fmt = head, fmt
        self.epoch = _epoch(None)
        self._tmp = tempfile.TemporaryDirectory(prefix="hw3-tex-")
        self.folder = Path(self._tmp.name)
        self._pipe: int | None = None
        self.proc: subprocess.Popen | None = None
        try:
            pipe = self.folder / f"{JOB}.tex"
            os.mkfifo(pipe, 0o600)
            self._pipe = os.open(pipe, os.O_RDWR | os.O_NONBLOCK)
            self.command = _command(pdflatex, self.folder, None if fmt is None else fmt.path)
            self.prefix = head if fmt is None else tex_format.Preamble(head, "").body(fmt.restore)
            if os.write(self._pipe, self.prefix.encode("utf-8")) != len(self.prefix.encode()):
                raise OSError("the preamble did not fit the pipe")
            self.env = _environment(self.folder, self.epoch)
            with (self.folder / "terminal.txt").open("wb") as terminal:
                self.proc = _spawn(
                    self.command, self.folder, self.env, terminal, _dies_with(os.getpid())
                )
        except BaseException:
            self.cancel()
            raise

    def finish(self, rest: str, deadline: float, timeout: float) -> CompiledPdf:
        """Feed the document's ``rest`` (after the head) to the waiting TeX and finish the
        pass (and any rerun)."""
        data = memoryview(rest.encode("utf-8"))
        while data:
            if self.proc.poll() is not None:
                raise TexError("TeX ended before it had read the document", None)
            if time.monotonic() > deadline:
                raise _TimedOut(f"TeX did not finish within {timeout:g} s", None)
            if select.select([], [self._pipe], [], 0.05)[1]:
                with contextlib.suppress(BlockingIOError):
                    data = data[os.write(self._pipe, data[:65536]) :]
        # A pipe's contents go when no process has it open: close it only once TeX has read
        # them all (so holds it open), whether it opened it before the writing or after.
        while _unread(self._pipe) and self.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        os.close(self._pipe)
        self._pipe = None
        log = _finish(self.proc, self.folder, deadline, timeout)
        pipe = self.folder / f"{JOB}.tex"  # a rerun reads a plain file
        pipe.unlink()
        pipe.write_bytes((self.prefix + rest).encode("utf-8"))
        return _reruns(self.command, self.folder, self.env, log, deadline, timeout)

    def cancel(self) -> None:
        """End TeX if it still runs, and remove its folder; done or not, idempotent."""
        if self.proc is not None and self.proc.poll() is None:
            _kill_group(self.proc)
        if self._pipe is not None:
            os.close(self._pipe)
            self._pipe = None
        self._tmp.cleanup()


def _dies_with(parent: int):
    """For the child: be killed when ``parent`` ends (Linux's PR_SET_PDEATHSIG), so that an
    early TeX still waiting for its document never outlives the build that started it."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # loaded here, not in the child

    def arm() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent ended before this
            os._exit(1)

    return arm


_PR_SET_PDEATHSIG = 1


def _unread(pipe: int) -> int:
    """How many bytes wait in the pipe."""
    return struct.unpack("i", fcntl.ioctl(pipe, termios.FIONREAD, b"\0\0\0\0"))[0]


def start(head: str) -> Early | None:
    """Start the pass of a document whose preamble head (down to the marker) is ``head``
    now, before the rest is known: with its cached format, else plainly (the format is then
    dumped after the pass). None when TeX cannot be started. Hand it to
    compile_pdf(early=…), or cancel() it."""
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None or not sys.platform.startswith("linux"):  # _dies_with() is Linux's
        return None
    fmt = tex_format.lookup(head, pdflatex)
    try:
        return Early(head, fmt, pdflatex)
    except OSError:
        return None


def _link(target: Path, link: Path) -> None:
    """A hard link (the very file checked, whatever replaces it later), else a symlink."""
    try:
        os.link(target, link)
    except OSError:
        os.symlink(target, link)


# --- the cached format ----------------------------------------------------------------------


def prepare(tex: str, *, timeout: float = 120.0) -> bool:
    """Make sure the format of ``tex``'s preamble is cached, dumping it now if need be (or
    waiting for the process dumping it); for a caller about to compile many documents, such
    as variant workers about to be forked. Returns whether the format is ready."""
    pdflatex = shutil.which("pdflatex")
    preamble = tex_format.split(tex)
    if pdflatex is None or preamble is None:
        return False
    deadline = time.monotonic() + timeout
    while tex_format.lookup(preamble.head, pdflatex) is None:
        if time.monotonic() > deadline:
            return False
        if tex_format.dumping(preamble.head, pdflatex):
            time.sleep(0.05)  # another process is dumping it
        elif dump_format(preamble.head, timeout=timeout) is None and not tex_format.dumping(
            preamble.head, pdflatex
        ):
            return False  # TeX failed, or the cache cannot be written
    return True


def dump_format(head: str, *, timeout: float = 120.0) -> tex_format.Format | None:
    """Dump ``head`` (a preamble down to its marker line) into a cached format, as hardened
    as a document's pass: ``pdflatex -ini "&pdflatex"``, then ``\\dump``. The format is kept
    only if a probe document (a page of text) compiled with it is byte for byte the one
    compiled plainly, with or without tex_format.RESTORE (which one, it records). Returns
    the kept format, or None (no pdflatex, another process dumping it, TeX failed, the
    probe differs, the cache cannot be written)."""
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        return None
    with tex_format.dump_lock(head, pdflatex) as mine:
        kept = tex_format.lookup(head, pdflatex)
        if not mine or kept is not None:
            return kept
        deadline = time.monotonic() + timeout
        probe = tex_format.Preamble(head, _PROBE)
        with tempfile.TemporaryDirectory(prefix="hw3-fmt-") as tmp, ThreadPoolExecutor(1) as aside:
            folder = Path(tmp)
            reference = aside.submit(
                _typeset, pdflatex, head + _PROBE, None, deadline, timeout, None
            )
            (folder / "preamble.tex").write_text(head + "\\dump\n", encoding="utf-8")
            command = [pdflatex, "-ini", *_FLAGS, "-recorder", f"-jobname={tex_format.NAME}"]
            command += ["&pdflatex", "preamble.tex"]
            env = _environment(folder, None)
            try:
                _run(command, folder, env, deadline, timeout, tex_format.NAME)
                fmt = folder / f"{tex_format.NAME}.fmt"
                for restore in (False, True):
                    with_format = _typeset(
                        pdflatex, probe.body(restore), fmt, deadline, timeout, None
                    )
                    if with_format.pdf == reference.result().pdf:
                        return tex_format.store(head, pdflatex, folder, restore)
            except (TexError, OSError):
                pass
            return None


_PROBE = "\\begin{document}\nA page of text.\n\\end{document}\n"


def _dump_in_background(head: str, pdflatex: str) -> None:
    """Start ``python -m report.tex`` dumping ``head``'s format, unless one is at it; the
    build does not wait for it. It lowers its own priority first (:func:`_lowest_priority`),
    so that it takes no core from the build's TeX passes still running."""
    if tex_format.dumping(head, pdflatex):
        return
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "report.tex"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        with proc.stdin:
            proc.stdin.write(head.encode())
    except OSError:
        return
    _background.append(proc)


def _lowest_priority() -> None:
    """This process (and what it starts) at the lowest CPU priority. A background dump runs
    in a session of its own, and with Linux's scheduler autogroups a session's processes
    share the CPU as one group, whatever their nice value: so the group
    (/proc/self/autogroup) is made nice 19 too. Done by the dump itself, not between fork
    and exec: the build that starts it has threads."""
    os.nice(19)
    try:
        with open("/proc/self/autogroup", "w") as group:
            group.write("19")
    except OSError:
        pass  # no autogroups here: nice alone does it


def wait_for_dumps() -> None:
    """Wait for the format dumps this process started (tests, the benchmark)."""
    while _background:
        _background.pop().wait()


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


def _run(
    command: list[str],
    folder: Path,
    env: dict[str, str],
    deadline: float,
    timeout: float,
    job: str = JOB,
) -> str:
    """One TeX pass; returns its log, raises TexError on failure or timeout."""
    return _finish(_spawn(command, folder, env), folder, deadline, timeout, job)


def _spawn(
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


def _finish(
    proc: subprocess.Popen, folder: Path, deadline: float, timeout: float, job: str = JOB
) -> str:
    """Wait for a TeX pass; returns its log, raises TexError on failure or timeout."""
    try:
        output, _ = proc.communicate(timeout=max(deadline - time.monotonic(), 0))
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise _TimedOut(
            f"TeX did not finish within {timeout:g} s", _read_log(folder, job)
        ) from None
    except BaseException:  # Ctrl-C or the like: TeX is in its own session, so end it here
        _kill_group(proc)
        raise
    log = _read_log(folder, job)
    if proc.returncode != 0:
        shown = log or (output or b"").decode("utf-8", "replace")
        raise TexError(f"TeX failed: {_summary(shown)}", log or None)
    return log


def _kill_group(proc: subprocess.Popen) -> None:
    """End TeX and anything it started; it may have just finished on its own."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()


def _read_log(folder: Path, job: str = JOB) -> str:
    path = folder / f"{job}.log"
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


if __name__ == "__main__":  # the background dump: the preamble's head on stdin
    _lowest_priority()
    dump_format(sys.stdin.read())
