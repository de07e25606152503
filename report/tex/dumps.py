"""Cached formats made: dumped now for a caller about to compile many (prepare), or by a
process of its own in the background (``python -m report.tex.dumps``, the head on stdin)
for the next document."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from report.tex import format_cache
from report.tex.passes import FLAGS, TexError, environment, run, typeset
from report.tex.scratch import Scratch

ROOT = Path(__file__).resolve().parent.parent.parent


def prepare(tex: str, *, timeout: float = 120.0) -> bool:
    """Make sure the format of ``tex``'s preamble is cached, dumping it now if need be (or
    waiting for the process dumping it); for a caller about to compile many documents, such
    as variant workers about to be forked. Returns whether the format is ready."""
    pdflatex = shutil.which("pdflatex")
    preamble = format_cache.split(tex)
    if pdflatex is None or preamble is None:
        return False
    deadline = time.monotonic() + timeout
    while format_cache.lookup(preamble.head, pdflatex) is None:
        if time.monotonic() > deadline:
            return False
        if format_cache.dumping(preamble.head, pdflatex):
            time.sleep(0.05)  # another process is dumping it
        elif dump_format(preamble.head, timeout=timeout) is None and not format_cache.dumping(
            preamble.head, pdflatex
        ):
            return False  # TeX failed, or the cache cannot be written
    return True


def dump_format(head: str, *, timeout: float = 120.0) -> format_cache.Format | None:
    """Dump ``head`` (a preamble down to its marker line) into a cached format, as hardened
    as a document's pass: ``pdflatex -ini "&pdflatex"``, then ``\\dump``. The format is kept
    only if a probe document (a page of text) compiled with it is byte for byte the one
    compiled plainly, with or without format_cache.RESTORE (which one, it records). Returns
    the kept format, or None (no pdflatex, another process dumping it, TeX failed, the
    probe differs, the cache cannot be written or has no room: then no TeX runs)."""
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None or not format_cache.writable():
        return None
    with format_cache.dump_lock(head, pdflatex) as mine:
        kept = format_cache.lookup(head, pdflatex)
        if not mine or kept is not None:
            return kept
        deadline = time.monotonic() + timeout
        probe = format_cache.Preamble(head, _PROBE)
        with Scratch("hw3-fmt-") as tmp, ThreadPoolExecutor(1) as aside:
            folder = Path(tmp)
            reference = aside.submit(
                typeset, pdflatex, head + _PROBE, None, deadline, timeout, None
            )
            (folder / "preamble.tex").write_text(head + "\\dump\n", encoding="utf-8")
            command = [pdflatex, "-ini", *FLAGS, "-recorder", f"-jobname={format_cache.NAME}"]
            command += ["&pdflatex", "preamble.tex"]
            env = environment(folder, None)
            try:
                run(command, folder, env, deadline, timeout, format_cache.NAME)
                fmt = folder / f"{format_cache.NAME}.fmt"
                for restore in (False, True):
                    with_format = typeset(
                        pdflatex, probe.body(restore), fmt, deadline, timeout, None
                    )
                    if with_format.pdf == reference.result().pdf:
                        return format_cache.store(head, pdflatex, folder, restore)
            except (TexError, OSError):
                pass
            return None


_PROBE = "\\begin{document}\nA page of text.\n\\end{document}\n"


def dump_in_background(head: str, pdflatex: str) -> subprocess.Popen | None:
    """Start ``python -m report.tex.dumps`` dumping ``head``'s format, unless one is at it
    or the cache could not keep it (format_cache.writable);
    returns the process, which the build does not wait for. It lowers its own priority
    first (:func:`_lowest_priority`), so that it takes no core from the build's TeX passes
    still running."""
    if format_cache.dumping(head, pdflatex) or not format_cache.writable():
        return None
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "report.tex.dumps"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        with proc.stdin:
            proc.stdin.write(head.encode())
    except OSError:
        return None
    return proc


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


if __name__ == "__main__":  # the background dump: the preamble's head on stdin
    _lowest_priority()
    dump_format(sys.stdin.read())
