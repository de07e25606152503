"""Text cells of the CSV files the tool writes, made safe for a spreadsheet to open.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to
Excel, LibreOffice and Google Sheets (a roster's name ``=HYPERLINK(…)`` would run); OWASP's
rule (CSV injection) is to begin such a cell with a single quote, which a spreadsheet shows
as text. Numbers are written by ``repr`` and never pass through here.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: str) -> str:
    """``value`` as a spreadsheet shows it: as text, never as a formula.

    >>> text_cell('=HYPERLINK("http://evil.example","click")'), text_cell("Ada Lovelace")
    ('\\'=HYPERLINK("http://evil.example","click")', 'Ada Lovelace')
    >>> text_cell("-2+3"), text_cell("@SUM(1+1)")
    ("'-2+3", "'@SUM(1+1)")
    """
    return "'" + value if value.startswith(FORMULA_STARTS) else value
