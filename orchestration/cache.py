"""The build cache: a build whose inputs and outputs are unchanged is not run again.

A fingerprint of everything a build reads (the config, the templates, the project's own code,
the options and SOURCE_DATE_EPOCH) is kept in ``OUT/.hw3-stamp.json`` beside digests of the
outputs it wrote. Only the standard library is imported here, so checking costs a few
milliseconds; numpy, Jinja and TeX are loaded only when something has to be rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAMP = ".hw3-stamp.json"
SOURCES = ("solver", "report", "orchestration", "templates")


def fingerprint(config: str, *, pdf: bool, prove: bool = False) -> str:
    """A digest of every input of a build: the config's text (as read once, by the build),
    the options, SOURCE_DATE_EPOCH, the project's code and templates."""
    digest = hashlib.sha256(config.encode())
    options = f"pdf={pdf} prove={prove} epoch={os.environ.get('SOURCE_DATE_EPOCH', '')}"
    digest.update(options.encode())
    digest.update(code_digest().encode())
    return digest.hexdigest()


def code_digest() -> str:
    """A digest of the project's own code and templates."""
    digest = hashlib.sha256()
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in (".py", ".j2", ".tex"):
                digest.update(path.relative_to(ROOT).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def stamp_for(inputs: str, files: dict[str, bytes]) -> bytes:
    """The stamp for outputs about to be written with these contents."""
    outputs = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    return json.dumps({"inputs": inputs, "outputs": outputs}, sort_keys=True).encode()


def up_to_date(inputs: str, out: Path) -> bool:
    """Whether ``out`` holds the outputs of a build with these inputs, unaltered since."""
    try:
        recorded = json.loads((out / STAMP).read_text())
    except (OSError, ValueError):
        return False
    outputs = recorded.get("outputs", {})
    return (
        recorded.get("inputs") == inputs
        and bool(outputs)
        and all(_digest(out / name) == digest for name, digest in outputs.items())
    )
