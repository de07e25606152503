"""Reading TeX's log: whether it asks for another pass, and its first error in a few lines."""

from __future__ import annotations

import re
from pathlib import Path

RERUN = re.compile(r"Rerun to get|Label\(s\) may have changed|Package rerunfilecheck Warning")
_BOILERPLATE = re.compile(  # TeX's help text for a human at the terminal, noise here
    r"See the LaTeX manual|Type +H <return>|Type X to quit|or enter new name|Enter file name"
    r"|<read \*>|.*Emergency stop\.$|\s*\.\.\.\s*$"
)
_SYSTEM_FAILURE = re.compile(r"fwrite\(\) failed|No space left|capacity exceeded|[Ii]/O error")
_LOCATED = re.compile(r"^(?:\./)?(\S+?:\d+): (.*)$")  # -file-line-error: "./f.tex:42: msg"


def read_log(folder: Path, job: str) -> str:
    path = folder / f"{job}.log"
    return path.read_text("utf-8", "replace") if path.exists() else ""


def summary(log: str, context: int = 4) -> str:
    r"""The first error in a TeX log as ``file:line: message``, then a few lines of context.

    >>> print(summary("(./solution.tex\n./solution.tex:4: Undefined control sequence.\n"
    ...                "l.4 \\foo\n         bar\nHere is how much of TeX's memory you used:"))
    solution.tex:4: Undefined control sequence.
    l.4 \foo
             bar
    >>> print(summary("[3] [4]\n!pdfTeX error: pdflatex: fwrite() failed\n)\n"))
    !pdfTeX error: pdflatex: fwrite() failed
    """
    lines = log.splitlines()
    i = next((i for i, s in enumerate(lines) if s.startswith("! ") or _LOCATED.match(s)), None)
    if i is None:  # no TeX error: a failure of the machine's (a full disk, no memory)
        cause = next((s for s in lines if _SYSTEM_FAILURE.search(s)), None)
        if cause is None:
            cause = next((s for s in reversed(lines) if s.strip(" )")), "no log was written")
        return cause.strip()
    line, after = lines[i], lines[i + 1 :]
    end = next((j for j, s in enumerate(after) if s.startswith("Here is how much")), len(after))
    shown = [s.rstrip() for s in after[:end] if s.strip() and not _BOILERPLATE.match(s)]
    shown = shown[:context]
    if line.startswith("! "):  # take the location from the next located line, if any
        where = next((m[1] for m in map(_LOCATED.match, after) if m), None)
        head = f"{where}: {line[2:]}" if where else line[2:]
    else:
        head = "{}: {}".format(*_LOCATED.match(line).groups())
    return "\n".join([head, *shown])
