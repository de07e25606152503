r"""Text in scripts other than Latin: which engine sets it, and in which font.

pdfLaTeX with Latin Modern sets Latin text; a student's name or a course title in Greek,
Cyrillic, Chinese, Japanese, Korean or Arabic is set by XeLaTeX, and only then (a document
all in Latin keeps pdfLaTeX, faster and byte for byte as before). Under XeLaTeX the body
stays in Latin Modern (its OpenType version: the same glyphs) and each run of another
script is wrapped here, in Python, in the Noto font that has it: ``\inscript{cjksc}{张伟}``.
Doing it here rather than with a TeX package that switches fonts per character (ucharclasses,
babel's ``onchar``) keeps the TeX side to a few font declarations, because the only text
outside Latin is the user's [report] strings, which pass through one function on their way
into the document anyway (report.environment.latex_finalize). Arabic is set right to left
(XeTeX's ``\beginR``), shaped by the font.
"""

from __future__ import annotations

import itertools

# The Noto family for each font key; \inscript{key}{…} switches to it.
FAMILIES = {
    "serif": "Noto Serif",  # Greek and Cyrillic, serifed like Latin Modern
    "arabic": "Noto Naskh Arabic",
    "cjksc": "Noto Serif CJK SC",
    "cjkjp": "Noto Serif CJK JP",
    "cjkkr": "Noto Serif CJK KR",
}


def _font_key(script: str, run: str) -> str:
    """The font key of a run of one script: Han characters look different in Chinese,
    Japanese and Korean, so a run with kana is set in the Japanese cut, one with Hangul in
    the Korean one, any other in the Simplified Chinese one."""
    if script in ("greek", "cyrillic"):
        return "serif"
    if script == "arabic":
        return "arabic"
    if any(0x3040 <= ord(c) <= 0x30FF for c in run):
        return "cjkjp"
    if any(0xAC00 <= ord(c) <= 0xD7A3 or 0x1100 <= ord(c) <= 0x11FF for c in run):
        return "cjkkr"
    return "cjksc"


def _runs(text: str) -> list[tuple[str | None, str]]:
    """``text`` cut into runs of one script each (None: Latin); a space between two runs of
    the same script stays inside, so that 张 伟 is one run."""
    from solver.schema import script_of  # here, not above: report.document.solution_head

    runs: list[list] = []
    for script, chars in itertools.groupby(text, script_of):
        run = "".join(chars)
        if runs and runs[-1][0] == script:
            runs[-1][1] += run
        elif script and len(runs) >= 2 and runs[-2][0] == script and runs[-1][1].isspace():
            space = runs.pop()[1]
            runs[-1][1] += space + run
        else:
            runs.append([script, run])
    return [(script, run) for script, run in runs]


def font_keys(*texts: str) -> list[str]:
    """The font keys the texts need, in FAMILIES' order; empty: all Latin, pdfLaTeX."""
    used = {
        _font_key(script, run)
        for text in texts
        for script, run in _runs(text)
        if script is not None
    }
    return [key for key in FAMILIES if key in used]


def in_scripts(escaped: str) -> str:
    r"""LaTeX-escaped text with each run of another script wrapped in its font.

    >>> print(in_scripts(r"Ivan (Иван) \& 张 伟, محمد"))
    Ivan (\inscript{serif}{Иван}) \& \inscript{cjksc}{张 伟}, \inscript{arabic}{\rtl{محمد}}
    >>> in_scripts("plain Latin")
    'plain Latin'
    """
    if escaped.isascii():  # Latin, and the common case: nothing to look up
        return escaped
    parts = []
    for script, run in _runs(escaped):
        if script is None:
            parts.append(run)
            continue
        body = rf"\rtl{{{run}}}" if script == "arabic" else run
        parts.append(rf"\inscript{{{_font_key(script, run)}}}{{{body}}}")
    return "".join(parts)
