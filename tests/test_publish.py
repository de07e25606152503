"""Publishing outputs (orchestration/publish.py): all files of a build appear together."""

from __future__ import annotations

import os

import pytest

from orchestration.publish import STAGING_PREFIX, publish


def test_every_file_is_written_and_nothing_else_is_left(tmp_path):
    publish(tmp_path / "out", {"a.txt": b"one", "b.txt": b"two"})
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.txt", "b.txt"]
    assert (tmp_path / "out" / "b.txt").read_bytes() == b"two"


def test_a_failed_write_changes_nothing(tmp_path, monkeypatch):
    """A write that fails part-way (disk full, say) leaves the previous files as they were."""
    out = tmp_path / "out"
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
    """A build killed outright leaves its staging folder; the next publish removes it."""
    out = tmp_path / "out"
    (out / (STAGING_PREFIX + "killed")).mkdir(parents=True)
    publish(out, {"a.txt": b"x"})
    assert [p.name for p in out.iterdir()] == ["a.txt"]
