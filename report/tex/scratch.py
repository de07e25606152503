"""TeX's scratch folders: one per pass (or dump) in the temporary folder, removed when the
pass is done, and swept when a process killed outright left them.

A pass that is killed with -9 cannot remove its folder (each holds a hard link to a 7 MB
format: 9 were left after 22 kills). So the process using a folder holds a flock(2) lock on
a file in it, which the kernel drops when that process dies however; the first scratch
folder a process makes sweeps away every folder of ours whose lock is free.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import shutil
import stat
import tempfile
from pathlib import Path

PREFIXES = ("hw3-tex-", "hw3-fmt-")
OWNER = ".owner"  # locked by the live process that uses the folder


class Scratch:
    """A fresh folder in the temporary folder, locked by this process until
    :meth:`cleanup` (or its death); a context manager yielding its path, as
    tempfile.TemporaryDirectory."""

    def __init__(self, prefix: str = PREFIXES[0]) -> None:
        _sweep_once()
        self.name = tempfile.mkdtemp(prefix=prefix)
        self._owner: int | None = os.open(
            Path(self.name) / OWNER, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600
        )
        fcntl.flock(self._owner, fcntl.LOCK_EX)

    def cleanup(self) -> None:
        shutil.rmtree(self.name, ignore_errors=True)
        if self._owner is not None:
            os.close(self._owner)
            self._owner = None

    def __enter__(self) -> str:
        return self.name

    def __exit__(self, *exc: object) -> None:
        self.cleanup()


@functools.cache
def _sweep_once() -> None:
    sweep()


def sweep() -> int:
    """Remove the scratch folders of ours whose process is dead (their lock is free);
    returns how many. A folder without its lock file (one being made) is left alone."""
    removed = 0
    base = Path(tempfile.gettempdir())
    for prefix in PREFIXES:
        for folder in base.glob(prefix + "*"):
            with contextlib.suppress(OSError):
                status = os.lstat(folder)
                if not stat.S_ISDIR(status.st_mode) or status.st_uid != os.getuid():
                    continue
                owner = os.open(folder / OWNER, os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC)
                try:
                    fcntl.flock(owner, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    shutil.rmtree(folder, ignore_errors=True)
                    removed += 1
                finally:
                    os.close(owner)
    return removed
