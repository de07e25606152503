r"""A class's quiz questions as Moodle XML: one Embedded answers (Cloze) question per variant.

Import in Moodle with Question bank → Import → "Moodle XML format". The file holds one
category question (``$course$/`` + the category: Moodle creates it in the course's question
bank and files the questions there), then one ``cloze`` question per variant, named by it.
A Random question drawing from that category gives each student one variant.

Each answer is a NUMERICAL sub-question ``{1:NUMERICAL:=VALUE:TOL~%0%99…9:0}``: one mark,
correct when the typed number is within TOL of VALUE, where VALUE is the answer as the key
prints it (``-1.8931``: Moodle shows it as the right answer) and TOL half a unit of its last
place, so that a number is right when it rounds to VALUE: the rule of ``check`` and
``grade`` (report.answer_rule), interval for interval. The wrong answer of nines makes every
box as wide as the quiz's longest answer (Moodle sizes a box from its answers).

Moodle parses the question text with the regular expressions of
question/type/multianswer/questiontype.php: a sub-question starts with ``{digits:TYPE:``, so
TeX braces (``\mathbf{W}_{1}``) never open one, and a course title's braces are character
references (report.quiz.user_text). In an answer, ``}``, ``#``, ``~``, ``/``, ``"`` and
``\`` would need a backslash; a printed number has none of them (digits, ``.``, ``-``; a
tolerance may add ``e``), which :func:`_cloze` checks against Moodle's own NUMBER_REGEX.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence

from lxml import etree

from report.answer_rule import half_unit, printed
from report.quiz import QuizQuestion, fill_answers

# Moodle's NUMBER_REGEX (question/type/multianswer/questiontype.php): what a cloze
# NUMERICAL answer and tolerance may be.
_NUMBER = re.compile(r"-?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?)")


# What a cloze answer's feedback must escape with a backslash (Moodle's docs on Embedded
# answers): the feedback runs to the next unescaped ~ or } (ANSWER_ALTERNATIVE_FEEDBACK_REGEX).
_CLOZE_SPECIAL = re.compile(r'([\\}#~/"])')


def _feedback(words: str) -> str:
    r"""A mistake's words as a cloze answer's feedback: HTML, Moodle's specials escaped.

    >>> _feedback('ε/q, not "1"')
    'ε\\/q, not \\"1\\"'
    """
    return _CLOZE_SPECIAL.sub(r"\\\1", html.escape(words, quote=False))


def _cloze(
    value: float, decimals: int, width: int, mistakes: Sequence[tuple[float, str]] = ()
) -> str:
    """One NUMERICAL sub-question: the printed value (or both, halfway between two) with half
    a unit of its last place as tolerance (report.answer_rule); then each value a known
    mistake gives, as a 0 % answer with the mistake's words as feedback; then a wrong answer
    of ``width`` nines, as R/exams' numwidth does: Moodle sizes the box from its longest
    answer, so every box is as wide and none tells how long its answer is.

    >>> _cloze(-1.8930775857544484, 4, 8)
    '{1:NUMERICAL:=-1.8931:5e-05~%0%99999999:0}'
    >>> _cloze(0.125, 2, 4)
    '{1:NUMERICAL:=0.12:0.005~=0.13:0.005~%0%9999:0}'
    >>> _cloze(1.5266, 4, 6, [(1.3266, "no-label-smoothing: You used y.")])
    '{1:NUMERICAL:=1.5266:5e-05~%0%1.3266:5e-05#no-label-smoothing: You used y.~%0%999999:0}'
    """
    tolerance = repr(half_unit(decimals))
    answers = [f"={text}:{tolerance}" for text in printed(value, decimals)]
    numbers = [tolerance, *printed(value, decimals)]
    for wrong, words in mistakes:  # first match wins: a right answer comes first
        for text in printed(wrong, decimals):
            answers.append(f"%0%{text}:{tolerance}#{_feedback(words)}")
            numbers.append(text)
    answers.append(f"%0%{'9' * width}:0")
    for number in numbers:
        if not _NUMBER.fullmatch(number):
            raise ValueError(f"{number} is not a number a Moodle cloze answer can hold")
    return "{1:NUMERICAL:" + "~".join(answers) + "}"


def box_width(questions: Sequence[QuizQuestion]) -> int:
    """The longest printed answer of the quiz (a mistake's included), in characters: every
    box's width."""
    return max(
        len(text)
        for question in questions
        for column, value in question.answers
        for number in (value, *(wrong for wrong, _ in question.mistakes.get(column, ())))
        for text in printed(number, question.decimals)
    )


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


def _question(quiz: etree._Element, question: QuizQuestion, width: int, penalty: float) -> None:
    element = etree.SubElement(quiz, "question", type="cloze")
    etree.SubElement(etree.SubElement(element, "name"), "text").text = question.name
    text = fill_answers(
        question,
        lambda column, value: _cloze(
            value, question.decimals, width, question.mistakes.get(column, ())
        ),
    )
    _html(element, "questiontext", text)
    _html(element, "generalfeedback", question.feedback_html)
    # The share of the marks lost per extra try (Moodle's adaptive mode only).
    etree.SubElement(element, "penalty").text = f"{penalty:.7f}"
    etree.SubElement(element, "hidden").text = "0"
    etree.SubElement(element, "idnumber")


def moodle_xml(questions: Sequence[QuizQuestion], category: str, *, penalty: float = 0.0) -> bytes:
    """The Moodle XML file of ``questions``, filed under the course's category ``category``.

    ``penalty`` is the share of a question's marks lost per extra try in Moodle's adaptive
    mode (0 to 1; 0 by default, as R/exams: a retry the quiz allows is not punished).
    Same arguments, same bytes: UTF-8 with an XML declaration, no dates, no ids.
    """
    if not (math.isfinite(penalty) and 0 <= penalty <= 1):
        raise ValueError(f"a penalty is a share from 0 to 1, not {penalty}")
    width = box_width(questions) if questions else 1
    quiz = etree.Element("quiz")
    head = etree.SubElement(quiz, "question", type="category")
    etree.SubElement(etree.SubElement(head, "category"), "text").text = _category_path(category)
    etree.SubElement(etree.SubElement(head, "info", format="moodle_auto_format"), "text")
    etree.SubElement(head, "idnumber")
    for question in questions:
        _question(quiz, question, width, penalty)
    return etree.tostring(quiz, xml_declaration=True, encoding="UTF-8", pretty_print=True)
