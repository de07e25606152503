"""Publishing outputs (orchestration/publish.py): all files of a build appear together."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from instances import HOMEWORK_CONFIG, ROOT

import build
from orchestration.publish import (
    STAGING_PREFIX,
    OutputError,
    check_output_folder,
    current_set,
    output_lock,
    publish,
)


def test_every_file_is_written_and_nothing_else_is_left(tmp_path):
    """The set and its manifest; no staging folder."""
    (tmp_path / "out").mkdir()
    publish(tmp_path / "out", {"a.txt": b"one", "b.txt": b"two"})
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        ".hw3-set.json",
        "a.txt",
        "b.txt",
    ]
    assert (tmp_path / "out" / "b.txt").read_bytes() == b"two"


def test_a_failed_write_changes_nothing(tmp_path, monkeypatch):
    """A write that fails part-way (disk full, say) leaves the previous files as they were."""
    out = tmp_path / "out"
    out.mkdir()
    publish(out, {"a.txt": b"old a", "b.txt": b"old b"})
    real_fsync = os.fsync
    calls = []

    def failing_fsync(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="No space"):
        publish(out, {"a.txt": b"new a", "b.txt": b"new b"})
    assert (out / "a.txt").read_bytes() == b"old a" and (out / "b.txt").read_bytes() == b"old b"
    assert not list(out.glob(STAGING_PREFIX + "*"))


def test_a_leftover_staging_folder_is_removed(tmp_path):
    """A build killed outright leaves its staging folder; the next build (taking the lock,
    so none can be live) removes it."""
    out = tmp_path / "out"
    (out / (STAGING_PREFIX + "killed")).mkdir(parents=True)
    with output_lock(out):
        publish(out, {"a.txt": b"x"})
    assert sorted(p.name for p in out.iterdir()) == [".hw3-set.json", ".hw3.lock", "a.txt"]


# --- one coherent set, whatever happens ----------------------------------------------------------


def _stamped_set_is_coherent(out) -> bool:
    """Every output the stamp names has the digest the stamp recorded: one build's set."""
    import hashlib
    import json

    stamp = json.loads((out / ".hw3-stamp.json").read_text())
    return all(
        hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
        for name, digest in stamp["outputs"].items()
    )


def test_a_directory_in_the_way_is_named_and_nothing_changes(tmp_path, capsys):
    """solution.log made a directory: the error names it, before any work, exit 2."""
    out = tmp_path / "o"
    assert build.main(["--no-pdf", "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    (out / "solution.log").mkdir()
    other = tmp_path / "other.toml"
    other.write_text(HOMEWORK_CONFIG.read_text().replace("epsilon = 0.3", "epsilon = 0.2"))
    capsys.readouterr()
    assert build.main(["--config", str(other), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {out}/solution.log is a directory, where the file solution.log goes\n"
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


def test_a_failure_in_the_middle_of_the_moves_is_undone(tmp_path, monkeypatch):
    """The second move fails: the first is moved back, the old set is whole again."""
    out = tmp_path / "out"
    with output_lock(out):
        publish(out, {"a.txt": b"old a", "b.txt": b"old b"})
    real = os.replace
    calls = []

    def failing(src, dst):
        calls.append(dst)
        if len(calls) == 4:  # a aside, b aside, a in, then b in fails
            raise OSError(5, "Input/output error")
        real(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    with output_lock(out), pytest.raises(OSError):
        publish(out, {"a.txt": b"new a", "b.txt": b"new b"})
    monkeypatch.setattr(os, "replace", real)
    assert (out / "a.txt").read_bytes() == b"old a" and (out / "b.txt").read_bytes() == b"old b"


@pytest.mark.tex
def test_a_smaller_set_leaves_nothing_of_the_bigger_one(tmp_path):
    """--no-pdf after a full build: no PDF or log of the other build is left beside it."""
    out = tmp_path / "o"
    assert build.main(["--out", str(out)]) == 0
    other = tmp_path / "other.toml"
    other.write_text(HOMEWORK_CONFIG.read_text().replace("epsilon = 0.3", "epsilon = 0.2"))
    assert build.main(["--config", str(other), "--no-pdf", "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert names == ["problem.tex", "results.json", "solution.tex"]
    assert _stamped_set_is_coherent(out)


def _publisher(out: str, tag: str, rounds: int) -> None:
    for _ in range(rounds):
        with output_lock(Path(out)):
            publish(Path(out), {name: tag.encode() for name in ("a", "b", "c")})


def test_racing_publishers_never_mix_a_set(tmp_path):
    """Two processes publish 50 rounds each into one folder; a third looks 200 times (under
    the lock, as a build would read): every look sees one writer's whole set."""
    out = tmp_path / "race"
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_publisher, args=(str(out), tag, 50)) for tag in "XY"]
    for writer in writers:
        writer.start()
    looks = 0
    while any(w.is_alive() for w in writers) or looks < 200:
        with output_lock(out):
            present = [p for p in (out / "a", out / "b", out / "c") if p.exists()]
            if present:
                assert len(present) == 3 and len({p.read_bytes() for p in present}) == 1
        looks += 1
    for writer in writers:
        writer.join()
        assert writer.exitcode == 0


def test_two_builds_at_once_serialise(tmp_path):
    """Two real builds into one folder at once: both succeed, one after the other, and the
    folder holds one build's coherent set; the second says it waited."""
    out = tmp_path / "o"
    other = tmp_path / "other.toml"
    other.write_text(HOMEWORK_CONFIG.read_text().replace("epsilon = 0.3", "epsilon = 0.2"))
    for _ in range(3):
        runs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "build.py",
                    "--no-pdf",
                    "--config",
                    str(config),
                    "--out",
                    str(out),
                ],
                cwd=ROOT,
                stderr=subprocess.PIPE,
                text=True,
            )
            for config in (HOMEWORK_CONFIG, other)
        ]
        errors = [run.communicate()[1] for run in runs]
        assert [run.returncode for run in runs] == [0, 0], errors
        assert "Traceback" not in "".join(errors)
        assert _stamped_set_is_coherent(out)


def test_the_output_folder_is_checked_first(tmp_path, capsys):
    """A file where the folder goes, or above it: one line, exit 2, nothing computed."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert build.main(["--out", str(blocker)]) == 2
    assert capsys.readouterr().err == (
        f"error: {blocker}: expected a folder for the outputs, got a file\n"
    )
    assert build.main(["--out", str(blocker / "sub")]) == 2
    assert "is a file" in capsys.readouterr().err


def test_an_unwritable_folder_is_refused(tmp_path, monkeypatch):
    """(Simulated: root may write anywhere.)"""
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(OutputError, match="is not writable"):
        check_output_folder(tmp_path / "new")


def test_a_failed_build_into_a_new_folder_leaves_no_folder(tmp_path, capsys):
    """A bad config into an --out that did not exist: exit 2, and no empty folder or lock."""
    bad = tmp_path / "bad.toml"
    bad.write_text("[network]\n")
    out = tmp_path / "new" / "out"
    assert build.main(["--config", str(bad), "--out", str(out)]) == 2
    assert not out.exists()


def test_a_failed_first_build_does_not_pull_the_lock_from_under_a_waiting_one(tmp_path):
    """A build that created the folder fails (a bad config) while another waits for its lock:
    the failed one removes its folder, and the waiting one still gets the folder, and a lock
    that a third build must wait for (it ran on a vanished lock file, beside the third)."""
    import threading

    out = tmp_path / "R"
    holding, failed = threading.Event(), threading.Event()
    log: list[str] = []

    def failing_build():
        with pytest.raises(RuntimeError), output_lock(out):
            holding.set()
            time.sleep(0.3)  # the second build is waiting by now
            failed.set()
            raise RuntimeError("a bad config")

    def waiting_build():
        holding.wait()
        with output_lock(out):
            log.append("second in")
            assert out.is_dir() and (out / ".hw3.lock").exists()
            (out / "results.json").write_text("{}")
            time.sleep(0.5)  # a third build starts meanwhile: it must wait
            log.append("second out")

    def third_build():
        failed.wait()
        time.sleep(0.2)
        with output_lock(out):
            log.append("third in")

    threads = [threading.Thread(target=f) for f in (failing_build, waiting_build, third_build)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert log == ["second in", "second out", "third in"]
    assert (out / "results.json").read_text() == "{}"


KILLED_AT = """
import os, sys
from pathlib import Path
from orchestration import publish

out, kill_at, kind = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
replace, calls = os.replace, []


def dying(source, target):
    calls.append(target)
    if len(calls) == kill_at:
        os.kill(os.getpid(), 9)  # no cleanup of any kind: as kill -9 would
    replace(source, target)


os.replace = dying
if kind == "set":
    with publish.output_lock(out):
        publish.publish(out, {"a": b"new a", "b": b"new b", "d": b"new d"})
else:
    staged = publish.staging_folder(out)
    (staged / "f").write_bytes(b"new f")
    publish.place_folder(out, "v1", staged)
print(len(calls))
"""


def _outputs(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and not p.name.startswith(".hw3")
    }


@pytest.mark.parametrize("kind", ["set", "folder"])
def test_a_swap_killed_at_any_move_is_rolled_back(tmp_path, kind):
    """kill -9 before each of the swap's renames in turn (three moved aside, three in, the
    manifest; or a variant's folder aside and in): the next command puts the previous set
    back whole and removes the rest (the next build deleted `.replaced-*`, the previous
    set with it, and left a mixed set). Unkilled, the new set is in place."""
    out = tmp_path / "out"
    out.mkdir()
    if kind == "set":
        publish(out, {"a": b"old a", "b": b"old b", "c": b"old c"})
    else:
        (out / "v1").mkdir()
        (out / "v1" / "f").write_bytes(b"old f")
    before = _outputs(out)
    moves = 7 if kind == "set" else 2
    for kill_at in range(1, moves + 2):
        run = subprocess.run(
            [sys.executable, "-c", KILLED_AT, str(out), str(kill_at), kind],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        with output_lock(out):  # an exclusive lock rolls back what a killed swap left
            pass
        leftovers = [p.name for p in out.iterdir() if p.name.startswith((".replaced", ".staging"))]
        assert leftovers == []
        if kill_at <= moves:
            assert run.returncode == -9, run.stderr
            assert _outputs(out) == before, kill_at
            if kind == "set":
                assert current_set(out) == {"a", "b", "c"}
        else:
            assert run.stdout.strip() == str(moves), run.stderr
            after = {"a": b"new a", "b": b"new b", "d": b"new d"} if kind == "set" else None
            assert _outputs(out) == (after or {"v1/f": b"new f"})


def test_the_lock_file_is_the_users_alone(tmp_path):
    """Others who could open it could lock it, and stall every build into the folder."""
    with output_lock(tmp_path / "out"):
        assert (tmp_path / "out" / ".hw3.lock").stat().st_mode & 0o777 == 0o600
