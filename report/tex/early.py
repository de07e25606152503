"""A TeX pass started before its document is ready: TeX loads the format (or the packages)
while Python still computes the document, then reads the rest from a named pipe."""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from report.tex import format_cache
from report.tex.passes import (
    JOB,
    CompiledPdf,
    TexError,
    TimedOut,
    command_for,
    environment,
    epoch,
    finish,
    kill_group,
    reruns,
    spawn,
)
from report.tex.scratch import Scratch


class Early:
    """A pass started before its document is ready (see start()), on a named pipe: given
    the preamble's head at once (with a cached format, its blank lines; without, the head
    itself), TeX loads the format or the packages while Python works, then reads the rest.

    The pipe is held open read-write here until TeX has read all of it (a pipe's contents go
    when no process has it open), so TeX does not wait on opening it; TeX is killed with
    this process (Linux's PR_SET_PDEATHSIG) should it die before the document is written.
    """

    def __init__(self, head: str, fmt: format_cache.Format | None, pdflatex: str) -> None:
        self.head, self.fmt = head, fmt
        self.epoch = epoch(None)
        self._tmp = Scratch("hw3-tex-")
        self.folder = Path(self._tmp.name)
        self._pipe: int | None = None
        self.proc: subprocess.Popen | None = None
        try:
            pipe = self.folder / f"{JOB}.tex"
            os.mkfifo(pipe, 0o600)
            self._pipe = os.open(pipe, os.O_RDWR | os.O_NONBLOCK)
            self.command = command_for(pdflatex, self.folder, None if fmt is None else fmt.path)
            self.prefix = head if fmt is None else format_cache.Preamble(head, "").body(fmt.restore)
            if os.write(self._pipe, self.prefix.encode("utf-8")) != len(self.prefix.encode()):
                raise OSError("the preamble did not fit the pipe")
            self.env = environment(self.folder, self.epoch)
            with (self.folder / "terminal.txt").open("wb") as terminal:
                self.proc = spawn(
                    self.command, self.folder, self.env, terminal, dies_with(os.getpid())
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
                raise TimedOut(f"TeX did not finish within {timeout:g} s", None)
            if select.select([], [self._pipe], [], 0.05)[1]:
                with contextlib.suppress(BlockingIOError):
                    data = data[os.write(self._pipe, data[:65536]) :]
        # A pipe's contents go when no process has it open: close it only once TeX has read
        # them all (so holds it open), whether it opened it before the writing or after.
        while unread(self._pipe) and self.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        os.close(self._pipe)
        self._pipe = None
        log = finish(self.proc, self.folder, deadline, timeout)
        pipe = self.folder / f"{JOB}.tex"  # a rerun reads a plain file
        pipe.unlink()
        pipe.write_bytes((self.prefix + rest).encode("utf-8"))
        return reruns(self.command, self.folder, self.env, log, deadline, timeout)

    def cancel(self) -> None:
        """End TeX if it still runs, and remove its folder; done or not, idempotent."""
        if self.proc is not None and self.proc.poll() is None:
            kill_group(self.proc)
        if self._pipe is not None:
            os.close(self._pipe)
            self._pipe = None
        self._tmp.cleanup()


def dies_with(parent: int):
    """For the child: be killed when ``parent`` ends (Linux's PR_SET_PDEATHSIG), so that an
    early TeX still waiting for its document never outlives the build that started it."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # loaded here, not in the child

    def arm() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent ended before this
            os._exit(1)

    return arm


_PR_SET_PDEATHSIG = 1


def unread(pipe: int) -> int:
    """How many bytes wait in the pipe."""
    return struct.unpack("i", fcntl.ioctl(pipe, termios.FIONREAD, b"\0\0\0\0"))[0]


def start(head: str) -> Early | None:
    """Start the pass of a document whose preamble head (down to the marker) is ``head``
    now, before the rest is known: with its cached format, else plainly (the format is then
    dumped after the pass). None when TeX cannot be started. Hand it to
    compile_pdf(early=…), or cancel() it."""
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None or not sys.platform.startswith("linux"):  # dies_with() is Linux's
        return None
    fmt = format_cache.lookup(head, pdflatex)
    try:
        return Early(head, fmt, pdflatex)
    except OSError:
        return None
