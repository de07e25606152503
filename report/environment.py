"""The Jinja2 environment for LaTeX templates.

Delimiters that TeX never uses (``\\VAR{…}``, ``\\BLOCK{…}``, ``\\#{…}``) so templates stay
valid-looking LaTeX; ``StrictUndefined`` so a misspelt variable is an error, not an empty
string; and escaping on by default: every plain ``str`` is passed through PyLaTeX's
``escape_latex`` on output, while LaTeX the report built on purpose is marked ``NoEscape``.
"""

from __future__ import annotations

import contextlib
import marshal
import pickle
import types
from pathlib import Path

import jinja2
import markupsafe
from pylatex.utils import NoEscape, escape_latex

from report.cache_folder import read_entry
from report.scripts import in_scripts
from solver.activations import ACTIVATIONS
from solver.losses import LOSSES
from solver.optimizers import OPTIMIZERS

COMPILED_LIMIT = 8 << 20  # bytes of a compiled template (the largest is about 200 kB)
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# Text the registries hold, as templates in the same delimiters: ``activations/relu.tex.j2``
# is the derivation of ReLU's slope (Step 2), included where the network has ReLU units;
# ``losses/mse/definition.tex.j2`` the mean squared error's (1.4); ``optimizers/adam.tex.j2``
# Adam's update rule (Problem 1's last step), and so on.
SNIPPETS = (
    {f"activations/{name}.tex.j2": entry.derivation + "\n" for name, entry in ACTIVATIONS.items()}
    | {
        f"losses/{name}/{place}.tex.j2": text
        for name, entry in LOSSES.items()
        for place, text in entry.text.items()
    }
    | {f"optimizers/{name}.tex.j2": entry.derivation + "\n" for name, entry in OPTIMIZERS.items()}
)


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
    """Jinja's compiled templates kept on disk, so a build does not parse and compile them
    again. An entry is used only when it is whole and was compiled from this very source
    (Jinja's header: its magic and the source's checksum, compared byte for byte rather than
    unpickled); anything else (truncated, another source's, not a regular file, too large)
    is a miss, and a folder that cannot be read or written only costs the compiling. The
    folder itself must pass report.cache_folder's checks: compiled code runs as the user."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            data = read_entry(Path(self._get_cache_filename(bucket)), COMPILED_LIMIT)
        except OSError:
            return
        header = jinja2.bccache.bc_magic + pickle.dumps(bucket.checksum, 2)
        if not data.startswith(header):
            return
        try:
            code = marshal.loads(data[len(header) :])
        except (EOFError, ValueError, TypeError):
            return
        if isinstance(code, types.CodeType):
            bucket.code = code

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def make_environment(
    templates: Path | None = None, compiled: Path | None = None
) -> jinja2.Environment:
    """A strict environment loading ``templates`` (default: the project's ``templates/``),
        keeping the compiled templates in the folder ``compiled`` if given (a folder that passed
    report.cache_folder's checks)."""
    cache = None if compiled is None else _Compiled(str(compiled))
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
