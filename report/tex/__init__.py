"""Run TeX: LaTeX source text in, PDF bytes out, in a throw-away folder.

The modules: passes (one hardened pass), log (reading its log), early (a pass started
before its document is ready), format_cache (cached formats: key, record, trust), dumps
(making them), pdf (a document compiled, choosing among these).

Why pdflatex and not latexmk: on a fresh folder latexmk always runs pdflatex twice, because
the first pass creates ``solution.aux`` and latexmk counts a new file as a changed one. For
this project's preamble (hyperref with ``bookmarks=false``, no cross-references) the
second pass gives a byte-identical PDF and only doubles the time (measured: latexmk
1.4-1.7 s, one pdflatex pass 0.55-0.7 s). So pdflatex runs once, and again (up to
``_MAX_PASSES`` in all) only while its log asks for a rerun.

Hardening: no shell escape, kpathsea's paranoid ``openin_any``/``openout_any`` (no reading
or writing outside the folder, no dot files), ``HOME`` and the working folder inside
the temporary folder, no stdin, and its own process group, killed whole on timeout.
Reproducible: ``SOURCE_DATE_EPOCH`` with ``FORCE_SOURCE_DATE=1`` fixes every date, and the
fixed job name in a relative folder keeps paths out of the PDF (the document itself sets
``\\pdftrailerid{}``).

Faster: a document with the preamble marker of report.tex.format_cache is compiled with a cached
format of its preamble (the packages loaded once, not per PDF), byte for byte the same PDF.
When there is none yet it is compiled plainly, and the format dumped by a process of its own
in the background (for the next document), or up front with :func:`prepare` by a caller
about to compile many. A pass with the format that fails for any reason but a timeout is
run again plainly: a cache problem can slow a build, never change or fail it. A pass can
also be started early (:func:`start`, given the preamble's head alone) so that TeX loads
its format while Python still computes the document, then reads it from a named pipe.
"""

from report.tex.dumps import dump_format, prepare
from report.tex.early import Early, start
from report.tex.passes import CompiledPdf, TexError
from report.tex.pdf import XELATEX, compile_pdf

__all__ = [
    "XELATEX",
    "CompiledPdf",
    "Early",
    "TexError",
    "compile_pdf",
    "dump_format",
    "prepare",
    "start",
]
