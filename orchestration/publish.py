"""The output folder: one build at a time, and every build's set of outputs all-old or all-new.

- ``output_lock(out)``: an exclusive lock on ``out/.hw3.lock`` held for a whole build, so two
  builds into one folder run one after the other (the second says it waits); a lock the
  kernel drops when its process dies, so a killed build never leaves one behind.
- ``publish(out, files)``: the new set is written to a staging folder inside ``out``; then,
  with Ctrl-C held back, every file it replaces and every file of the previous set it no
  longer has is moved aside, the new files are moved in, and the list of the set (the
  manifest) is rewritten. Any failure on the way moves everything back. So a ``--no-pdf``
  build after a full one leaves no PDF of another build behind, and a class of 2 variants
  after one of 3 leaves no variant-003.
- ``check_output_folder(out)``: the folder can be one (not a file, under no file, writable),
  checked before any work is done.

Only the standard library is imported here: the no-op rebuild takes the lock too.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from report.whole_file import write_whole
from solver.errors import HW3Error

STAGING_PREFIX = ".staging-"
BACKUP_PREFIX = ".replaced-"
LOCK = ".hw3.lock"
MANIFEST = ".hw3-set.json"
JOURNAL = ".hw3-swap.json"  # in a backup folder: what its swap moves


class OutputError(HW3Error):
    """The output folder cannot hold the outputs (a file is in the way, not writable, …)."""

    exit_status = 2


def check_output_folder(out: Path) -> None:
    """Refuse, before any work, an ``out`` that is a file, lies under a file, or cannot be
    written."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: expected a folder for the outputs, got a file")
    existing = out
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(f"{out}: cannot create the output folder: {existing} is a file")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"{out}: cannot write the outputs: {existing} is not writable")


@contextlib.contextmanager
def output_lock(out: Path, *, shared: bool = False) -> Iterator[None]:
    """Hold ``out``'s lock: wait (saying so, once) while another build holds it. ``shared``:
    with other shared holders (a class's ranges, built side by side, each variant landing
    whole by a rename), but not with a whole build or key.

    The lock is flock(2)'s, so the kernel drops it when its holder dies, however. A build
    that created ``out`` and fails removes it again, lock file and all, but only when it
    holds the lock alone; a build that was waiting then finds it held a lock on a file no
    longer in the folder, and takes the lock again on the folder's new one."""
    waited = False
    while True:
        created = not out.exists()
        out.mkdir(parents=True, exist_ok=True)
        # 0600: a lock file others can open, others can lock (and stall every build)
        fd = os.open(out / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            if not waited:
                print(f"waiting for another build into {out}/ to finish …", file=sys.stderr)
                waited = True
            fcntl.flock(fd, mode)
        if _same_file(fd, out / LOCK):
            break
        os.close(fd)  # the file was removed while we waited: lock the folder's new one
    try:
        if not shared:  # a shared holder's staging folders may be live
            remove_leftovers(out)
        yield
    except BaseException:
        if created:  # a build that failed (a bad config, say) leaves no folder of its own
            _remove_own_folder(fd, out)
        raise
    finally:
        os.close(fd)  # closing the descriptor drops the lock


def _same_file(fd: int, path: Path) -> bool:
    """Whether the locked descriptor ``fd`` is still the file at ``path``."""
    try:
        held, there = os.fstat(fd), os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    return (held.st_dev, held.st_ino) == (there.st_dev, there.st_ino)


def _remove_own_folder(fd: int, out: Path) -> None:
    """Remove the lock file and ``out`` (if nothing else is in it), holding the lock alone:
    a shared holder first makes sure no other holds it (else it leaves both as they are)."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return
    with contextlib.suppress(OSError):
        (out / LOCK).unlink()
        out.rmdir()  # only if the build left nothing else in it


def remove_leftovers(out: Path) -> None:
    """What builds killed outright left (none can be live: hold the lock alone): a swap
    stopped half way is first rolled back (the previous set put back, from its
    ``.replaced-*`` folder), then staging and backup folders are removed."""
    for backup in out.glob(BACKUP_PREFIX + "*"):
        if backup.is_dir() and not backup.is_symlink():
            with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
                _roll_back(out, backup)
    for stale in [*out.glob(STAGING_PREFIX + "*"), *out.glob(BACKUP_PREFIX + "*")]:
        with contextlib.suppress(OSError):
            _remove(stale)


def _roll_back(out: Path, backup: Path) -> None:
    """Undo the swap whose journal is in ``backup``, unless it was done: a publish is done
    once the manifest names its set, a folder placed once its staged folder has moved in."""
    journal = json.loads((backup / JOURNAL).read_bytes()[: 1 << 20])
    if journal["members"] is not None:
        if _manifest(out).get("swap") == backup.name:
            return
    elif not any(os.path.lexists(source) for source in journal["sources"]):
        return
    aside, moved_in = set(journal["aside"]), journal["in"]
    for name in [*moved_in, *aside]:
        if not _plain_name(name):
            raise ValueError(f"{name}: not a name of the set")
    for name in moved_in:  # the new outputs that did move in
        if os.path.lexists(backup / name) or (name not in aside and os.path.lexists(out / name)):
            _remove(out / name)
    for name in aside:  # the previous outputs that did move aside
        if os.path.lexists(backup / name):
            os.replace(backup / name, out / name)


def _remove(path: Path) -> None:
    """``path`` removed, a folder with all it holds (a link is removed, not followed)."""
    with contextlib.suppress(FileNotFoundError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            os.unlink(path)


def current_set(out: Path) -> set[str]:
    """The names of the outputs of the last build published into ``out``."""
    names = _manifest(out).get("set")
    return (
        {n for n in names if isinstance(n, str) and _plain_name(n)}
        if isinstance(names, list)
        else set()
    )


def _manifest(out: Path) -> dict:
    """The manifest: the set's names, and the swap that published it (its backup folder's
    name); a list of names alone, as written before swaps were journalled."""
    try:
        kept = json.loads((out / MANIFEST).read_bytes()[: 1 << 24])
    except (OSError, ValueError):
        return {}
    if isinstance(kept, list):
        return {"set": kept}
    return kept if isinstance(kept, dict) else {}


def _plain_name(name: str) -> bool:
    """A name directly inside ``out`` (never ``..`` or a path): the manifest is ours, but a
    file on disk is read with care."""
    return bool(name) and "/" not in name and name not in (".", "..")


def staging_folder(out: Path) -> Path:
    """A fresh folder inside ``out`` to build a set (or a variant's folder) in."""
    return Path(tempfile.mkdtemp(dir=out, prefix=STAGING_PREFIX))


def publish(
    out: Path,
    files: dict[str, bytes],
    *,
    folders: dict[str, Path] | None = None,
    keep: Iterable[str] = (),
    add: bool = False,
) -> None:
    """Make ``files`` (name → contents) and ``folders`` (name → a staged folder inside
    ``out``) the set of outputs in ``out``, together.

    ``keep`` names outputs already in place that belong to the new set too (a class's
    variant folders, published one by one). With ``add``, the previous set stays as it is
    and these outputs join it (TeX's log of a failed build). Hold :func:`output_lock`.
    """
    folders = folders or {}
    new = {**{name: None for name in files}, **folders}
    for name in new:
        _check_place(out / name, folder=name in folders)
    previous = current_set(out)
    members = previous | set(new) if add else set(new) | set(keep)
    stale = set() if add else previous - members
    staging = staging_folder(out)
    backup = Path(tempfile.mkdtemp(dir=out, prefix=BACKUP_PREFIX))
    try:
        for name, data in files.items():
            with open(staging / name, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        with _signals_held():
            _swap(out, staging, backup, files, folders, stale, members)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(backup, ignore_errors=True)


def replace_file(path: Path, data: bytes) -> None:
    """``path`` replaced by ``data`` at once, by a rename: never seen half written (a file
    published alone, such as a class's handout or a grades file). Through a symbolic link,
    its target is replaced."""
    write_whole(path.resolve(), data, prefix=f"{STAGING_PREFIX}{os.getpid()}-")


def check_places(out: Path, files: Iterable[str] = (), folders: Iterable[str] = ()) -> None:
    """Refuse early, before the work, an output whose place is taken by the wrong kind."""
    for name in files:
        _check_place(out / name, folder=False)
    for name in folders:
        _check_place(out / name, folder=True)


def place_folder(out: Path, name: str, staged: Path) -> None:
    """Swap the folder ``out/name`` for ``staged`` (a folder inside ``out``), whole: a class's
    variant, published as it is built. The set's manifest is not touched here (the class
    is published, key and all, at the end, by :func:`publish`), so forked workers building
    variants side by side never write it at once."""
    _check_place(out / name, folder=True)
    backup = Path(tempfile.mkdtemp(dir=out, prefix=BACKUP_PREFIX))
    try:
        with _signals_held():
            _swap(out, staged, backup, {}, {name: staged}, set(), None)
    finally:
        shutil.rmtree(backup, ignore_errors=True)


def _check_place(path: Path, *, folder: bool) -> None:
    """The obstacle, named, before anything is moved: a folder where a file goes, or back."""
    if folder and path.exists() and not path.is_dir():
        raise OutputError(f"{path} is a file, where the folder {path.name}/ goes")
    if not folder and path.is_dir() and not path.is_symlink():
        raise OutputError(f"{path} is a directory, where the file {path.name} goes")


def _swap(out, staging, backup, files, folders, stale, members) -> None:
    """Move the old outputs aside and the new ones in; undo every move on any failure. A
    journal in ``backup`` says what is about to move, so that a process killed outright
    half way is rolled back by the next one (:func:`remove_leftovers`)."""
    moved_aside: list[str] = []
    moved_in: list[str] = []
    outgoing = [name for name in [*files, *folders, *sorted(stale)] if os.path.lexists(out / name)]
    journal = {
        "aside": outgoing,
        "in": [*files, *folders],
        "sources": [str(staging / name) for name in files] + [str(f) for f in folders.values()],
        "members": None if members is None else sorted(members),
    }
    (backup / JOURNAL).write_text(json.dumps(journal))
    try:
        for name in outgoing:
            os.replace(out / name, backup / name)
            moved_aside.append(name)
        for name in files:
            os.replace(staging / name, out / name)
            moved_in.append(name)
        for name, folder in folders.items():
            os.replace(folder, out / name)
            moved_in.append(name)
        if members is not None:
            manifest = staging / MANIFEST
            manifest.write_text(json.dumps({"set": sorted(members), "swap": backup.name}))
            os.replace(manifest, out / MANIFEST)
    except BaseException:
        for name in reversed(moved_in):
            with contextlib.suppress(OSError):
                _remove(out / name)
        for name in reversed(moved_aside):
            with contextlib.suppress(OSError):
                os.replace(backup / name, out / name)
        raise


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the moves are done (they are delivered right after)."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
