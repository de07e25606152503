r"""A class's quiz questions as Moodle XML: one Embedded answers (Cloze) question per variant.

Import in Moodle with Question bank → Import → "Moodle XML format". The file holds one
category question (``$course$/`` + the category: Moodle creates it in the course's question
bank and files the questions there), then one ``cloze`` question per variant, named by it.
A Random question drawing from that category gives each student one variant.

Each answer is a NUMERICAL sub-question ``{1:NUMERICAL:=VALUE:TOL}``: one mark, correct
when the typed number is within TOL of VALUE, where VALUE is the answer at full precision
(``repr``: it reads back to the same float) and TOL = atol + rtol·|VALUE|. Moodle parses the
question text with the regular expressions of question/type/multianswer/questiontype.php:
a sub-question starts with ``{digits:TYPE:``, so TeX braces (``\mathbf{W}_{1}``) never open
one, and a course title's braces are character references (report.quiz.user_text). In an
answer, ``}``, ``#``, ``~``, ``/``, ``"`` and ``\`` would need a backslash; a finite float's
repr has none of them (digits, ``.``, ``-``, ``e``, ``+``), which :func:`_cloze` checks
against Moodle's own NUMBER_REGEX.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from lxml import etree

from report.quiz import QuizQuestion, fill_answers

# Moodle's NUMBER_REGEX (question/type/multianswer/questiontype.php): what a cloze
# NUMERICAL answer and tolerance may be.
_NUMBER = re.compile(r"-?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?)")


def _cloze(value: float, rtol: float, atol: float) -> str:
    """One NUMERICAL sub-question: the value at full precision, its tolerance.

    >>> _cloze(-1.8930775857544484, 1e-3, 1e-4)
    '{1:NUMERICAL:=-1.8930775857544484:0.001993077585754448}'
    """
    tolerance = atol + rtol * abs(value)
    for number in (repr(value), repr(tolerance)):
        if not _NUMBER.fullmatch(number):
            raise ValueError(f"{number} is not a number a Moodle cloze answer can hold")
    return f"{{1:NUMERICAL:={value!r}:{tolerance!r}}}"


def _category_path(category: str) -> str:
    """The category as one name in Moodle's path syntax (format.php's assemble_category_path):
    a slash is doubled, and padded with a space at either end, so it stays in the name.

    >>> _category_path("HW3 / variants"), _category_path("/x/")
    ('$course$/HW3 // variants', '$course$/ //x// ')
    """
    name = category.replace("/", "//")
    name = (" " if name.startswith("/") else "") + name + (" " if name.endswith("/") else "")
    return "$course$/" + name


def _html(parent: etree._Element, tag: str, text: str) -> None:
    """``<tag format="html"><text><![CDATA[…]]></text></tag>``, as Moodle's exports write it."""
    element = etree.SubElement(parent, tag, format="html")
    # CDATA cannot hold "]]>"; the HTML of report.quiz escapes ">", so this never happens,
    # and plain XML escaping reads back the same if it ever did.
    etree.SubElement(element, "text").text = etree.CDATA(text) if "]]>" not in text else text


def _question(quiz: etree._Element, question: QuizQuestion, rtol: float, atol: float) -> None:
    element = etree.SubElement(quiz, "question", type="cloze")
    etree.SubElement(etree.SubElement(element, "name"), "text").text = question.name
    text = fill_answers(question, lambda _column, value: _cloze(value, rtol, atol))
    _html(element, "questiontext", text)
    _html(element, "generalfeedback", question.feedback_html)
    # Moodle's defaults: a third of the marks lost per extra try (adaptive mode only).
    etree.SubElement(element, "penalty").text = "0.3333333"
    etree.SubElement(element, "hidden").text = "0"
    etree.SubElement(element, "idnumber")


def moodle_xml(
    questions: Sequence[QuizQuestion], category: str, *, rtol: float, atol: float
) -> bytes:
    """The Moodle XML file of ``questions``, filed under the course's category ``category``.

    ``rtol`` and ``atol`` set each answer's tolerance, atol + rtol·|value|. Same arguments,
    same bytes: UTF-8 with an XML declaration, no dates, no ids.
    """
    if not (math.isfinite(rtol) and math.isfinite(atol) and rtol >= 0 and atol >= 0):
        raise ValueError(f"tolerances must be finite and >= 0, not rtol={rtol}, atol={atol}")
    quiz = etree.Element("quiz")
    head = etree.SubElement(quiz, "question", type="category")
    etree.SubElement(etree.SubElement(head, "category"), "text").text = _category_path(category)
    etree.SubElement(etree.SubElement(head, "info", format="moodle_auto_format"), "text")
    etree.SubElement(head, "idnumber")
    for question in questions:
        _question(quiz, question, rtol, atol)
    return etree.tostring(quiz, xml_declaration=True, encoding="UTF-8", pretty_print=True)
