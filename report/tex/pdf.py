"""A document compiled: with its cached format or an early pass where it can be, plainly
where not (report.tex's docstring says how and why)."""

from __future__ import annotations

import dataclasses
import shutil
import time

from report.tex import format_cache
from report.tex.dumps import dump_in_background
from report.tex.early import Early
from report.tex.passes import CompiledPdf, TexError, TimedOut, epoch, typeset

INSTALL_HINT = (
    "{engine} is not installed: install the Debian packages texlive-latex-base "
    "texlive-latex-recommended texlive-pictures texlive-science lmodern "
    "texlive-fonts-recommended texlive-xetex fonts-noto-core fonts-noto-cjk (or run 'make')"
)
XELATEX = "% !TEX program = xelatex"  # a document's first line when XeLaTeX must set it


def compile_pdf(
    tex: str,
    *,
    timeout: float = 60.0,
    source_date_epoch: int | None = None,
    early: Early | None = None,
) -> CompiledPdf:
    """Typeset ``tex`` with pdflatex, or xelatex when its first line says so (report/scripts.py:
    text in other scripts); raise TexError (with ``.log``) if TeX is missing, fails or hangs.

    ``early``: a pass started for this document's preamble (start()), used when the
    document's preamble and dates are those it was started for, else ended."""
    engine = "xelatex" if tex.lstrip().startswith(XELATEX) else "pdflatex"
    program = shutil.which(engine)
    if program is None:
        if early is not None:
            early.cancel()
        raise TexError(INSTALL_HINT.format(engine=engine), None)
    deadline = time.monotonic() + timeout
    limits = (deadline, timeout, source_date_epoch)
    if engine == "xelatex":  # rare (names in other scripts): no cached format, no early pass
        if early is not None:
            early.cancel()
        return typeset(program, tex, None, *limits)
    pdflatex = program
    preamble = format_cache.split(tex)
    if early is not None:
        try:
            same_epoch = early.epoch == epoch(source_date_epoch)
            if preamble is not None and preamble.head == early.head and same_epoch:
                compiled = early.finish(preamble.rest, deadline, timeout)
                if early.fmt is None:  # for the next document
                    dump = dump_in_background(preamble.head, pdflatex)
                    return dataclasses.replace(compiled, dump=dump)
                return compiled
        except TimedOut:
            raise
        except (TexError, OSError):
            pass  # compiled below, as if it had not been started
        finally:
            early.cancel()
    if preamble is None:
        return typeset(pdflatex, tex, None, *limits)
    fmt = format_cache.lookup(preamble.head, pdflatex)
    if fmt is None:
        compiled = typeset(pdflatex, tex, None, *limits)
        return dataclasses.replace(compiled, dump=dump_in_background(preamble.head, pdflatex))
    try:
        return typeset(pdflatex, preamble.body(fmt.restore), fmt.path, *limits)
    except TimedOut:
        raise
    except (TexError, OSError) as err:  # the format's fault or the document's: plainly
        compiled = typeset(pdflatex, tex, None, *limits)
        note = f"\nhw3: the pass with the cached format {fmt.path} failed ({err}); ran without it\n"
        return CompiledPdf(pdf=compiled.pdf, log=compiled.log + note)
