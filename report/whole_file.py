"""The one way a file is written whole or not at all (outputs, cache entries). Standard
library only."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def write_whole(path: Path, data: bytes, prefix: str = ".tmp-") -> None:
    """Write ``path`` whole or not at all: a file of its own beside it (named ``prefix``…,
    so that a clean-up can find one left by a crash), renamed over it, so that no reader
    ever sees it half written. The new file gets the permissions any new file gets (the
    umask's), as a plain write would."""
    temporary = path.with_name(f"{prefix}{os.getpid()}-{secrets.token_hex(4)}-{path.name}")
    try:
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
