"""The project's cache folder and its upkeep: where formats, exact values and compiled
templates are kept, and how old entries go. Standard library only."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def cache_home() -> Path:
    """The project's cache folder: hw3-solution in the XDG cache folder (an absolute
    $XDG_CACHE_HOME, else ~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "hw3-solution"


def prune(base: Path, pattern: str, keep: int) -> None:
    """Remove all but the ``keep`` most recently written files matching ``pattern`` in
    ``base``, each with its namesake .json record."""
    kept = sorted(base.glob(pattern), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in kept[keep:]:
        for path in (old, old.with_suffix(".json")):
            with contextlib.suppress(OSError):
                path.unlink()
