"""The Jinja environment (report/environment.py): LaTeX-safe delimiters, strict, escaping."""

from __future__ import annotations

import jinja2
import pytest
from pylatex.utils import NoEscape

from report.environment import latex_finalize, make_environment


@pytest.fixture
def templates(tmp_path):
    (tmp_path / "t.tex.j2").write_text(r"\VAR{text} \BLOCK{if flag}on\BLOCK{endif}" + "\n")
    (tmp_path / "typo.tex.j2").write_text(r"\VAR{txet}" + "\n")
    return tmp_path


def test_user_text_is_escaped_and_latex_passes(templates):
    env = make_environment(templates)
    out = env.get_template("t.tex.j2").render(text="a_b & 100%", flag=True)
    assert out == r"a\_b \& 100\% on"
    out = env.get_template("t.tex.j2").render(text=NoEscape(r"\frac{1}{2}"), flag=False)
    assert out == r"\frac{1}{2} "


def test_a_misspelt_variable_is_an_error(templates):
    with pytest.raises(jinja2.UndefinedError, match="txet"):
        make_environment(templates).get_template("typo.tex.j2").render(text="x")


def test_typed_quotes_and_carets_print_as_typed():
    assert latex_finalize("it's `x` ^") == (
        r"it\textquotesingle{}s \textasciigrave{}x\textasciigrave{} \textasciicircum{}"
    )


def test_the_project_templates_all_compile():
    env = make_environment()
    for name in env.list_templates():
        env.get_template(name)


def test_compiled_templates_are_kept_and_checked_against_their_source(templates, tmp_path):
    """A second environment reads the compiled template; an edited template, a damaged
    file or a folder that cannot be written changes nothing but the time."""
    kept = tmp_path / "compiled"
    kept.mkdir(mode=0o700)
    context = {"text": "a_b", "flag": True}
    first = make_environment(templates, kept).get_template("t.tex.j2").render(context)
    (compiled,) = kept.iterdir()
    assert make_environment(templates, kept).get_template("t.tex.j2").render(context) == first
    (templates / "t.tex.j2").write_text(r"edited \VAR{text}" + "\n")
    edited = make_environment(templates, kept).get_template("t.tex.j2").render(context)
    assert edited == "edited a\\_b\n"
    for name in kept.iterdir():
        name.write_bytes(b"damaged")
    again = make_environment(templates, kept).get_template("t.tex.j2").render(context)
    assert again == edited
    blocked = make_environment(templates, tmp_path / "t.tex.j2" / "sub")
    assert blocked.get_template("t.tex.j2").render(context) == edited


@pytest.mark.parametrize("keep", [0, 1, 20, 40, -1])
def test_a_truncated_compiled_template_is_a_miss(templates, tmp_path, keep):
    """Cut anywhere (in Jinja's header, in the pickled checksum, in the code): compiled
    again, never a traceback (was: _pickle.UnpicklingError at every build)."""
    kept = tmp_path / "compiled"
    kept.mkdir(mode=0o700)
    context = {"text": "a_b", "flag": True}
    first = make_environment(templates, kept).get_template("t.tex.j2").render(context)
    (entry,) = kept.iterdir()
    whole = entry.read_bytes()
    entry.write_bytes(whole[:keep] if keep >= 0 else whole[:-5])
    assert make_environment(templates, kept).get_template("t.tex.j2").render(context) == first
