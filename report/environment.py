"""The Jinja2 environment for LaTeX templates.

Delimiters that TeX never uses (``\\VAR{…}``, ``\\BLOCK{…}``, ``\\#{…}``) so templates stay
valid-looking LaTeX; ``StrictUndefined`` so a misspelt variable is an error, not an empty
string; and escaping on by default: every plain ``str`` is passed through PyLaTeX's
``escape_latex`` on output, while LaTeX the report built on purpose is marked ``NoEscape``.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import jinja2
import markupsafe
from pylatex.utils import NoEscape, escape_latex

from report.scripts import in_scripts
from solver.activations import ACTIVATIONS
from solver.losses import LOSSES

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# Text the registries hold, as templates in the same delimiters: ``activations/relu.tex.j2``
# is the derivation of ReLU's slope (Step 2), included where the network has ReLU units;
# ``losses/mse/definition.tex.j2`` the mean squared error's (1.4), and so on.
SNIPPETS = {
    f"activations/{name}.tex.j2": entry.derivation + "\n" for name, entry in ACTIVATIONS.items()
} | {
    f"losses/{name}/{place}.tex.j2": text
    for name, entry in LOSSES.items()
    for place, text in entry.text.items()
}


def latex_finalize(value: object) -> object:
    r"""Escape user text on its way into the document, each run of a script other than Latin
    in its font (report.scripts); trusted LaTeX passes as it is.

    >>> print(latex_finalize("50% of a_b & {c} ^^5c"))
    50\% of a\_b \& \{c\} \textasciicircum{}\textasciicircum{}5c
    >>> print(latex_finalize(NoEscape(r"\frac{1}{2}")))
    \frac{1}{2}
    >>> latex_finalize(3)
    3
    """
    if isinstance(value, NoEscape | markupsafe.Markup) or not isinstance(value, str):
        return value
    # PyLaTeX writes ^ as an accent (\^{}) and leaves ` and ' to T1's curly quotes: map
    # all three to the ASCII glyphs, so the PDF shows exactly what was typed.
    text = escape_latex(value).replace(r"\^{}", r"\textasciicircum{}")
    text = text.replace("`", r"\textasciigrave{}").replace("'", r"\textquotesingle{}")
    return NoEscape(in_scripts(text))


class _Compiled(jinja2.FileSystemBytecodeCache):
    """Jinja's compiled templates kept on disk (it checks each against its source), so a
    build does not parse and compile them again; a folder that cannot be read or written
    only costs the compiling."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().load_bytecode(bucket)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def make_environment(
    templates: Path | None = None, compiled: Path | None = None
) -> jinja2.Environment:
    """A strict environment loading ``templates`` (default: the project's ``templates/``),
    keeping the compiled templates in the folder ``compiled`` if given."""
    cache = None
    if compiled is not None:
        with contextlib.suppress(OSError):
            compiled.mkdir(parents=True, exist_ok=True)
            cache = _Compiled(str(compiled))
    return jinja2.Environment(
        bytecode_cache=cache,
        loader=jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader(str(templates or TEMPLATES)), jinja2.DictLoader(SNIPPETS)]
        ),
        block_start_string=r"\BLOCK{",
        block_end_string="}",
        variable_start_string=r"\VAR{",
        variable_end_string="}",
        comment_start_string=r"\#{",
        comment_end_string="}",
        line_comment_prefix="%#",
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        finalize=latex_finalize,
    )
