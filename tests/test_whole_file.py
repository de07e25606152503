"""The one atomic writer (report/whole_file.py)."""

from __future__ import annotations

import os
import stat

import pytest

from report.whole_file import write_whole


def test_a_file_is_replaced_whole_with_the_umasks_permissions(tmp_path):
    path = tmp_path / "grades.csv"
    path.write_text("old")
    old_umask = os.umask(0o022)
    try:
        write_whole(path, b"new", prefix=".staging-")
    finally:
        os.umask(old_umask)
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # not mkstemp's 0600
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "a.json"
    path.write_text("old")

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_whole(path, b"new")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]
