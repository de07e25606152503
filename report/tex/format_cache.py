r"""A cached pdflatex format of a document's preamble: the packages loaded once, not per PDF.

Loading the preamble's packages (TikZ and pgfplots above all) is about half of a pdflatex
pass. Everything of a document down to the marker line ``% hw3: end of the cached format``
(templates/preamble.tex.j2) is the same for every document of a kind, so report.tex dumps
it once (``pdflatex -ini "&pdflatex"`` on those lines, then ``\dump``) and compiles later
documents with that format, their first lines left blank so that TeX's line numbers stay
those of the document. What must run per document (``\hypersetup{pdftitle=…}``,
``\pdftrailerid{}``, ``\title``) is below the marker. A document without the marker (any
other engine's, a test's) is compiled plainly.

This module is the cache only: which lines go into the format, where it is kept, and
whether a kept one can be trusted; running TeX is report.tex's. A format is kept in the
user's cache folder (``$XDG_CACHE_HOME/hw3-solution/formats``, else
``~/.cache/hw3-solution/formats``) under a key of the preamble's text, the pdflatex binary
and the ``TEX*`` environment, beside a record of every file the dump read (pdflatex.fmt,
texmf.cnf, each package: kpathsea's ``-recorder`` list) with its size and mtime and the
format's own size and SHA-256. A format is used only when all of these still match, so a
TeX upgrade (Debian rewrites pdflatex.fmt and the packages), a truncated or altered file,
or a record that does not parse make it a miss: the document is compiled plainly, and the
format dumped again. Both files are written under temporary names and renamed into place,
the record last; a cache folder that cannot be written is no error, only a slower build.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from report.cache_folder import prune, read_entry, trusted_folder
from report.whole_file import write_whole

MARKER = "% hw3: end of the cached format"
NAME = "hw3-preamble"  # the dump's job name: the format TeX's log names
VERSION = 1  # of the way formats are made and recorded; a change makes every key new
# pdfTeX keeps no colour-stack state in a format: after some preambles (xcolor's, as TikZ
# loads it) this, on the document's first line, emits the page colour that the plain pass
# emits at the first page. Whether it is needed is found out when the format is dumped.
RESTORE = r"\pdfcolorstack0 current"
KEEP = 8  # formats kept (about 8 MB each); storing another removes the oldest
ROOM = 64 << 20  # free bytes a dump needs in the formats folder (a format: about 8 MB)
RECORD_LIMIT = 1 << 20  # bytes of a format's record (a few hundred input files: ~40 kB)


@dataclass(frozen=True)
class Preamble:
    """A document split after its marker line: ``head`` goes into the format, ``rest`` is
    what follows it."""

    head: str
    rest: str

    def body(self, restore: bool) -> str:
        """The document as TeX reads it with the format: the head's lines left blank (TeX's
        line numbers stay the document's), RESTORE on the first when ``restore``."""
        return (RESTORE if restore else "") + "\n" * self.head.count("\n") + self.rest


@dataclass(frozen=True)
class Format:
    """A kept format, and whether a document read with it starts with RESTORE."""

    path: Path
    restore: bool


def split(tex: str) -> Preamble | None:
    r"""The document's preamble head and the rest, or None when it has no marker line.

    >>> part = split("\\documentclass{article}\n% hw3: end of the cached format\nX\n")
    >>> part.head
    '\\documentclass{article}\n% hw3: end of the cached format\n'
    >>> part.body(True).splitlines(), part.body(False).splitlines()
    (['\\pdfcolorstack0 current', '', 'X'], ['', '', 'X'])
    """
    at = tex.find("\n" + MARKER + "\n")
    if at < 0:
        return None
    end = at + len(MARKER) + 2
    return Preamble(head=tex[:end], rest=tex[end:])


def folder() -> Path:
    """Where formats are kept: the cache's ``formats`` folder, created if missing; OSError
    when it fails report.cache_folder's checks (then nothing is read from it or kept)."""
    base = trusted_folder("formats")
    if base is None:
        raise OSError("no trusted cache folder for formats")
    return base


def writable() -> bool:
    """Whether a format could be kept now: the formats folder is trusted, writable, and
    has ROOM free. Asked before a dump (seconds of TeX), so that a full or read-only cache
    costs no dump at all."""
    try:
        base = folder()
        space = os.statvfs(base)
    except OSError:
        return False
    return os.access(base, os.W_OK) and space.f_bavail * space.f_frsize >= ROOM


def key(head: str, pdflatex: str) -> str:
    """The cache key of a preamble head compiled by this pdflatex in this environment."""
    binary = os.stat(pdflatex)
    settings = sorted((k, v) for k, v in os.environ.items() if k.startswith(("TEX", "KPSE")))
    parts = [VERSION, head, os.path.realpath(pdflatex), binary.st_size, binary.st_mtime_ns]
    text = json.dumps([*parts, settings])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _paths(name: str) -> tuple[Path, Path]:
    base = folder()
    return base / f"{name}.fmt", base / f"{name}.json"


def _stamp(path: str) -> list:
    status = os.stat(path)
    return [path, status.st_size, status.st_mtime_ns]


def _digest(path: Path) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


@functools.lru_cache(maxsize=64)
def _matches(path: str, size: int, mtime_ns: int, inode: int, sha256: str) -> bool:
    """Whether this version of the format file (its path, size, mtime and inode) has the
    recorded SHA-256: hashed once per process and file version, a pure function's cache."""
    return _digest(Path(path)) == sha256


def lookup(head: str, pdflatex: str) -> Format | None:
    """The kept format of ``head``, when there is one that can be trusted; else None.

    Trusted: its record parses, every file the dump read is unchanged, and the format file
    has the recorded size and SHA-256 (checked once per process and file version).
    """
    try:
        fmt, record = _paths(key(head, pdflatex))
        recorded = json.loads(read_entry(record, RECORD_LIMIT))
        if any(_stamp(path) != [path, *rest] for path, *rest in recorded["inputs"]):
            return None
        status = os.lstat(fmt)
        if not stat.S_ISREG(status.st_mode) or status.st_size != recorded["size"]:
            return None
        version = (str(fmt), status.st_size, status.st_mtime_ns, status.st_ino)
        trusted = _matches(*version, str(recorded["sha256"]))
        return Format(fmt, bool(recorded["restore"])) if trusted else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store(head: str, pdflatex: str, dumped: Path, restore: bool) -> Format | None:
    """Keep the format a dump wrote into folder ``dumped`` (``NAME.fmt``, with its
    ``NAME.fls`` recorder list), to be read with RESTORE or not; returns it, or None when
    the cache cannot be written."""
    try:
        fmt, record = _paths(key(head, pdflatex))
        made = dumped / f"{NAME}.fmt"
        read = []
        for line in (dumped / f"{NAME}.fls").read_text("utf-8", "replace").splitlines():
            kind, _, path = line.partition(" ")
            if kind == "INPUT" and os.path.isabs(path) and path not in read:
                read.append(path)
        entry = {
            "inputs": [_stamp(path) for path in read],
            "size": made.stat().st_size,
            "sha256": _digest(made),
            "restore": restore,
        }
        write_whole(fmt, made.read_bytes())
        write_whole(record, json.dumps(entry, separators=(",", ":")).encode())
        with contextlib.suppress(OSError):  # another process may be pruning too
            prune(fmt.parent, "fmt", KEEP)
        return Format(fmt, restore)
    except (OSError, ValueError):
        return None


@contextlib.contextmanager
def dump_lock(head: str, pdflatex: str):
    """Yields whether this process may dump ``head``'s format now: False while another live
    process is dumping it, or the cache is unwritable. The lock is flock(2)'s on a file of
    the formats folder, held while the dump runs: the kernel releases it when its holder
    dies, however (a killed dump stalls nobody). The file is never removed, so that every
    process locks the same one."""
    try:
        path = folder() / f"{key(head, pdflatex)}.lock"
        fd = os.open(path, os.O_CREAT | os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # closing the descriptor drops the lock


def dumping(head: str, pdflatex: str) -> bool:
    """Whether another live process is dumping ``head``'s format (holds its lock)."""
    try:
        fd = os.open(folder() / f"{key(head, pdflatex)}.lock", os.O_RDWR | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
