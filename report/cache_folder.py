"""The project's cache folder and its upkeep: where formats, exact values and compiled
templates are kept, whether a folder of it may be trusted, and how old entries go.
Standard library only.

A cache is checked, never obeyed: a folder is used only when it is a real folder (not a
link), owned by this user and writable by nobody else (Jinja's own rule for its bytecode
cache), so that what is read from it was written by this user's builds; each entry is then
validated by its reader. Folders are created 0700. Pruning removes only regular files with
the names this project writes.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from pathlib import Path


def cache_home() -> Path:
    """The project's cache folder: hw3-solution in the XDG cache folder (an absolute
    $XDG_CACHE_HOME, else ~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "hw3-solution"


def trusted_folder(name: str) -> Path | None:
    """The cache's subfolder ``name`` (``formats``, ``exact``, ``templates``), created 0700
    if missing, or None when it or the cache folder cannot be made or fails the checks:
    a link, another user's, or writable by group or others. None means: no cache."""
    home = cache_home()
    try:
        home.parent.mkdir(parents=True, exist_ok=True)
        for path in (home, home / name):
            with contextlib.suppress(FileExistsError):
                path.mkdir(mode=0o700)
            if not _trusted(os.lstat(path)):
                return None
    except OSError:
        return None
    return home / name


def _trusted(status: os.stat_result) -> bool:
    return (
        stat.S_ISDIR(status.st_mode)
        and status.st_uid == os.getuid()
        and not status.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )


def prune(base: Path, suffix: str, keep: int) -> None:
    """Remove all but the ``keep`` most recently written entries ``<key>.<suffix>`` in
    ``base`` (a key: 32 hexadecimal digits, as this project names them), each with its
    namesake .json record. Only regular files are counted or removed, and no link is
    followed: not ``base`` itself, not an entry."""
    name = re.compile(rf"[0-9a-f]{{32}}\.{re.escape(suffix)}")
    try:
        folder = os.open(base, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return
    try:
        entries = []
        with os.scandir(folder) as listing:
            for entry in listing:
                with contextlib.suppress(OSError):
                    status = entry.stat(follow_symlinks=False)
                    if name.fullmatch(entry.name) and stat.S_ISREG(status.st_mode):
                        entries.append((status.st_mtime_ns, entry.name))
        entries.sort(reverse=True)
        for _, old in entries[keep:]:
            for entry_name in {old, f"{old.rsplit('.', 1)[0]}.json"}:
                with contextlib.suppress(OSError):
                    status = os.stat(entry_name, dir_fd=folder, follow_symlinks=False)
                    if stat.S_ISREG(status.st_mode):
                        os.unlink(entry_name, dir_fd=folder)
    finally:
        os.close(folder)


def read_entry(path: Path, limit: int) -> bytes:
    """An entry's bytes, read without following a link and at most ``limit`` of them;
    OSError when it is not a regular file or is longer (the caller counts it a miss)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as stream:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is not a regular file")
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise OSError(f"{path} is larger than {limit} bytes")
    return data
