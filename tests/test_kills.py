"""kill -9 at any moment leaves nothing that holds a folder's lock: real processes, killed.

Each test starts the command in a session of its own and, whatever happens, ends exactly
that session's processes (by the session's id) before it returns."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from instances import ROOT

from report.tex.scratch import sweep

BUILD = [sys.executable, str(ROOT / "build.py")]


def _session(leader: int) -> list[int]:
    """The live processes of the session ``leader`` started (zombies are not)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) == leader and fields[0] != "Z":  # fields[3]: the session id
                found.append(int(stat.parent.name))
    return found


def _children(parent: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == parent and fields[0] != "Z":
                found.append(int(stat.parent.name))
    return found


def _lock_is_free(lock: Path) -> bool:
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


@pytest.mark.tex
@pytest.mark.slow  # a class started, killed, and a second command run: ~15 s
@pytest.mark.parametrize("after_workers", [0.5, 1.5, 3.0, 4.5])
def test_a_killed_variants_leaves_no_orphan_holding_the_lock(tmp_path, after_workers):
    """kill -9 of `variants --jobs 2` once its workers run: they die with it (they lived on
    with PPID 1, holding .hw3.lock, and every later command waited forever), and the next
    command into the folder starts at once."""
    out = tmp_path / "class"
    args = ["variants", "-n", "12", "--seed", "1", "--jobs", "2", "--out", str(out)]
    parent = subprocess.Popen([*BUILD, *args], start_new_session=True, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while len(_children(parent.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(_children(parent.pid)) >= 2, "the workers never started"
        time.sleep(after_workers)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 10
        while not _lock_is_free(out / ".hw3.lock") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _lock_is_free(out / ".hw3.lock"), _session(parent.pid)
        again = subprocess.run(
            [*BUILD, "variants", "-n", "1", "--seed", "1", "--jobs", "1", "--out", str(out)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "waiting for another build" not in again.stderr
        assert again.returncode == 0, again.stderr
    finally:
        for pid in _session(parent.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_a_killed_dump_stalls_nobody(tmp_path, monkeypatch):
    """A format dump killed with -9 leaves its lock file, but not its lock: the next command
    sees no dump under way at once (it waited up to 120 s for a lock left by the dead)."""
    from report.tex import format_cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    head, pdflatex = "\\documentclass{article}\n", sys.executable  # any file for the key
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from report.tex import format_cache\n"
            "with format_cache.dump_lock(sys.argv[1], sys.argv[2]) as mine:\n"
            "    print(mine, flush=True)\n"
            "    time.sleep(60)\n",
            head,
            pdflatex,
        ],
        cwd=ROOT,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path)},
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert holder.stdout.readline().strip() == "True"
        assert format_cache.dumping(head, pdflatex)
        with format_cache.dump_lock(head, pdflatex) as mine:
            assert not mine  # one dump at a time
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        assert not format_cache.dumping(head, pdflatex)
        with format_cache.dump_lock(head, pdflatex) as mine:
            assert mine
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(holder.pid, signal.SIGKILL)
        holder.wait()


@pytest.mark.tex
@pytest.mark.slow  # a build killed, another run: ~4 s each
@pytest.mark.parametrize("after", [0.3, 0.8, 1.5])
def test_a_build_killed_during_tex_leaves_no_scratch_folder(tmp_path, monkeypatch, after):
    """kill -9 of a build while TeX runs left its hw3-tex-* folder (a hard link to a 7 MB
    format each: 9 after 22 kills); the next build sweeps away those of dead processes."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    command = [*BUILD, "build", "--config", str(ROOT / "problems/hw3.toml")]
    killed = subprocess.Popen(
        [*command, "--out", str(tmp_path / "a")], env=env, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 30
        while not list(scratch.glob("hw3-tex-*")) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert list(scratch.glob("hw3-tex-*")), "TeX never started"
        time.sleep(after)
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        deadline = time.monotonic() + 10  # TeX dies with it (PR_SET_PDEATHSIG)
        while any(_session(killed.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        again = subprocess.run(
            [*command, "--out", str(tmp_path / "b")],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert again.returncode == 0, again.stderr
        # What is left is live (the builds' background dumps): none of it is the dead's ...
        monkeypatch.setattr(tempfile, "tempdir", str(scratch))
        assert sweep() == 0
        deadline = time.monotonic() + 60  # ... and all of it goes when they are done
        while list(scratch.glob("hw3-*")) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not list(scratch.glob("hw3-*")), sorted(p.name for p in scratch.iterdir())
    finally:
        for pid in _session(killed.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
