"""The cache folder (report/cache_folder.py): created private, used only when it is the
user's own real folder, pruned only of the files the project writes."""

from __future__ import annotations

import os
import stat

import pytest

from orchestration.exact import exact_shown
from report.cache_folder import prune, read_entry, trusted_folder
from solver.network import solve


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "hw3-solution"


def test_folders_are_created_private(home):
    assert trusted_folder("exact") == home / "exact"
    for path in (home, home / "exact"):
        assert stat.S_IMODE(os.lstat(path).st_mode) == 0o700


@pytest.mark.parametrize("who", ["group", "others"])
def test_a_folder_others_can_write_is_not_used(home, homework, who):
    """Not the cache folder, nor a subfolder: no record read or written there."""
    trusted_folder("exact")
    for path in (home, home / "exact"):
        path.chmod(0o770 if who == "group" else 0o707)
        assert trusted_folder("exact") is None
        assert exact_shown(solve(homework), keep=True)[1] < 1e-14
        assert not any((home / "exact").iterdir())
        path.chmod(0o700)
    assert trusted_folder("exact") == home / "exact"


def test_another_users_folder_is_not_used(home, monkeypatch):
    trusted_folder("templates")
    monkeypatch.setattr(os, "getuid", lambda: os.stat(home).st_uid + 1)
    assert trusted_folder("templates") is None


def test_a_link_is_not_used(home, tmp_path):
    """The exact folder replaced by a link to a folder of the user's: not used, not pruned
    (one build deleted 6 of 205 such files)."""
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    names = [f"{i:032x}.json" for i in range(205)]
    for name in names:
        (theirs / name).write_text("{}")
    home.mkdir(parents=True)
    (home / "exact").symlink_to(theirs)
    assert trusted_folder("exact") is None
    prune(home / "exact", "json", 2)  # even asked to: a link is not followed
    assert sorted(p.name for p in theirs.iterdir()) == names


def test_pruning_removes_only_its_own_regular_files(tmp_path):
    base = tmp_path / "formats"
    base.mkdir()
    mine = [base / f"{i:032x}.fmt" for i in range(4)]
    for age, path in enumerate(mine):
        path.write_text("f")
        path.with_suffix(".json").write_text("{}")
        os.utime(path, ns=(age * 10**9, age * 10**9))
    other = tmp_path / "other.fmt"
    other.write_text("user's")
    kept = [base / "notes.fmt", base / "ABCDEF00000000000000000000000000.fmt", base / "x.json"]
    for path in kept:
        path.write_text("user's")
    (base / f"{9:032x}.fmt").symlink_to(other)
    prune(base, "fmt", 2)
    assert sorted(p.name for p in base.iterdir()) == sorted(
        [p.name for p in kept]
        + [f"{9:032x}.fmt"]
        + [p.name for p in mine[2:]]
        + [p.with_suffix(".json").name for p in mine[2:]]
    )
    assert other.read_text() == "user's"


def test_an_entry_is_read_only_when_a_small_regular_file(tmp_path):
    entry = tmp_path / "e.json"
    entry.write_bytes(b"x" * 10)
    assert read_entry(entry, 10) == b"x" * 10
    with pytest.raises(OSError):
        read_entry(entry, 9)
    link = tmp_path / "l.json"
    link.symlink_to(entry)
    with pytest.raises(OSError):
        read_entry(link, 10)
    with pytest.raises(OSError):
        read_entry(tmp_path, 10)
