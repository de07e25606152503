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
import unicodedata

# The characters the PDF's fonts can set. Latin (ASCII, Latin-1, Latin Extended-A and
# typographic punctuation) is set by pdfLaTeX; Greek, Cyrillic, Chinese, Japanese, Korean and
# Arabic by XeLaTeX with the Noto fonts below. Anything else would stop TeX after the whole
# computation, so it is refused up front, by name (report.settings, orchestration.roster).
_TYPESET = frozenset("–—‘’‚“”„…•€†‡‰")
# Latin Extended-A letters LaTeX's T1 encoding has no glyph for (found by typesetting all).
_UNSET = frozenset("ĦħĸĿŀŉŦŧſ")
# Other scripts: code point ranges the Noto fonts cover, by script.
SCRIPT_RANGES = {  # each range checked against the fonts' own tables (tests/test_scripts.py)
    "greek": ((0x0370, 0x03E1), (0x03F0, 0x03FF), (0x1F00, 0x1FFF)),  # not Coptic
    "cyrillic": ((0x0400, 0x052F),),
    "arabic": ((0x0606, 0x061B), (0x061E, 0x06FF), (0x0750, 0x077F)),
    "cjk": (
        (0x1100, 0x11FF),  # Hangul jamo
        (0x3000, 0x30FF),  # CJK punctuation, hiragana, katakana
        (0x3130, 0x318F),  # Hangul compatibility jamo
        (0x3400, 0x4DB5),  # CJK ideographs, extension A
        (0x4E00, 0x9FEA),  # CJK unified ideographs (Unicode 10, as the fonts have them)
        (0xAC00, 0xD7A3),  # Hangul syllables
        (0xFF01, 0xFF60),  # full-width forms
    ),
}


def latin(char: str) -> bool:
    """Whether pdfLaTeX's fonts (T1, Latin Modern) set ``char``."""
    code = ord(char)
    in_range = 0x20 <= code <= 0x7E or 0xA0 <= code <= 0x17F
    return (in_range and char not in _UNSET) or char in _TYPESET


def script_of(char: str) -> str | None:
    """The script of a character no Latin font sets ("greek", "cyrillic", "arabic", "cjk"),
    or None: a Latin character, or one no font of the PDF can show.

    >>> [script_of(c) for c in "aΑИم张😀"]
    [None, 'greek', 'cyrillic', 'arabic', 'cjk', None]
    """
    code = ord(char)
    if unicodedata.category(char) in ("Cn", "Cc", "Cs", "Co"):  # unassigned, control, …
        return None
    for script, ranges in SCRIPT_RANGES.items():
        if any(low <= code <= high for low, high in ranges):
            return script
    return None


def settable(char: str) -> bool:
    return latin(char) or script_of(char) is not None


def unsettable(text: str) -> str | None:
    r"""Why ``text`` cannot be typeset, naming its first character no font sets; None when
    every character can be.

    >>> unsettable("Renée 张伟") is None
    True
    >>> print(unsettable("a\x07").split(") ")[0] + ")")
    the character '\x07' (U+0007, a control character)
    """
    bad = next((char for char in text if not settable(char)), None)
    if bad is None:
        return None
    shown = repr(bad) if unicodedata.category(bad)[0] == "C" else f"'{bad}'"
    return (
        f"the character {shown} (U+{ord(bad):04X}, "
        f"{unicodedata.name(bad, 'a control character').lower()}) cannot be typeset "
        f"in the PDF: use Latin, Greek, Cyrillic, Arabic, Chinese, Japanese or Korean letters"
    )


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
