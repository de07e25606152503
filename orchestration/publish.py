"""Publishing a build's outputs: every file of one build appears in the output folder together,
or none does."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from pathlib import Path

STAGING_PREFIX = ".staging-"


def publish(out: Path, files: dict[str, bytes]) -> None:
    """Write every file to a staging folder inside ``out``, then move them all into place.

    Nothing in ``out`` changes until every file is written; the moves themselves run with
    SIGINT/SIGTERM held back, so an interrupt cannot leave a mixed set. A build killed
    outright leaves only a staging folder behind, which the next build removes.
    """
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(STAGING_PREFIX + "*"):
        shutil.rmtree(stale, ignore_errors=True)
    with tempfile.TemporaryDirectory(dir=out, prefix=STAGING_PREFIX) as staging:
        for name, data in files.items():
            with open(Path(staging, name), "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            for name in files:
                os.replace(Path(staging, name), out / name)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
