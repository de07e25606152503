"""Moodle XML (report/moodle.py): one category, one cloze question a variant, one NUMERICAL
field an answer: the printed value with half a unit of its last place, and a filler that
makes every box as wide."""

from __future__ import annotations

import re

import pytest
from lxml import etree
from quizzes import CONFIGS, HOSTILE, questions

from report.answer_rule import half_unit, printed
from report.moodle import moodle_xml

FIELD = re.compile(r"\{1:NUMERICAL:([^}]*)\}")
# What Moodle reads as the start of a sub-question (question/type/multianswer/questiontype.php's
# ANSWER_START_REGEX, any type): only our fields may match.
SUBQUESTION = re.compile(r"\{([0-9]*):([A-Z_]+):")


def _parse(data: bytes) -> etree._Element:
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    return etree.fromstring(data)


@pytest.mark.parametrize("config", CONFIGS)
def test_one_category_then_one_cloze_question_per_variant(config):
    qs = questions(config)
    quiz = _parse(moodle_xml(qs, "HW3 quiz"))
    assert quiz.tag == "quiz"
    category, *clozes = quiz.findall("question")
    assert category.get("type") == "category"
    assert category.findtext("category/text") == "$course$/HW3 quiz"
    assert [q.get("type") for q in clozes] == ["cloze"] * len(qs)
    assert [q.findtext("name/text") for q in clozes] == [
        "variant-001",
        "variant-002",
        "variant-003",
    ]
    for element, question in zip(clozes, qs, strict=True):
        assert element.find("questiontext").get("format") == "html"
        assert element.findtext("generalfeedback/text") == question.feedback_html
        assert element.findtext("hidden") == "0" and element.findtext("penalty") == "0.0000000"


def _answers(field: str, *, feedback: bool = False) -> list[tuple[str, ...]]:
    """A NUMERICAL field's answers: (mark, number, tolerance), and their feedback if asked,
    as Moodle splits them on an unescaped ~ and #."""
    answers = []
    for answer in re.split(r"(?<!\\)~", field):
        answer, *words = re.split(r"(?<!\\)#", answer, maxsplit=1)
        mark, rest = ("100", answer[1:]) if answer.startswith("=") else answer[1:].split("%", 1)
        number, tolerance = rest.split(":")
        answers.append((mark, number, tolerance, *words) if feedback else (mark, number, tolerance))
    return answers


@pytest.mark.parametrize("config", CONFIGS)
def test_each_answer_is_one_numerical_field_in_key_order_printed_value_and_half_a_unit(config):
    qs = questions(config)
    quiz = _parse(moodle_xml(qs, "HW3"))
    for element, question in zip(quiz.findall("question")[1:], qs, strict=True):
        text = element.findtext("questiontext/text")
        assert "{{ANSWER" not in text
        fields = FIELD.findall(text)
        assert len(fields) == len(SUBQUESTION.findall(text)) == len(question.answers)
        for field, (column, answer) in zip(fields, question.answers, strict=True):
            *right_and_mistaken, filler = _answers(field)
            tolerance = repr(half_unit(question.decimals))
            right = [("100", p, tolerance) for p in printed(answer, question.decimals)]
            mistaken = [
                ("0", p, tolerance)
                for value, _words in question.mistakes.get(column, ())
                for p in printed(value, question.decimals)
            ]
            assert right_and_mistaken == right + mistaken
            assert filler[0] == "0" and filler[2] == "0" and set(filler[1]) == {"9"}
        # The fields stand where the placeholders stood: the text around them is unchanged.
        assert FIELD.sub("", text) == re.sub(r"\{\{ANSWER:\w+\}\}", "", question.text_html)


def test_no_box_tells_how_long_its_answer_is():
    """Moodle sizes a box by its longest answer (multianswer/renderer.php): every field of
    the quiz has one of the same length, the filler, however short its own answer is."""
    qs = questions("hw3", 5)
    text = "".join(e.findtext("questiontext/text") for e in _parse(moodle_xml(qs, "HW3"))[1:])
    sizes = {max(len(answer[1]) for answer in _answers(f)) for f in FIELD.findall(text)}
    answers = {len(p) for q in qs for _, v in q.answers for p in printed(v, q.decimals)}
    mistaken = {
        len(p)
        for q in qs
        for wrong in q.mistakes.values()
        for value, _ in wrong
        for p in printed(value, q.decimals)
    }
    assert len(answers) > 1 and sizes == {max(answers | mistaken)}


def test_the_penalty_is_the_callers_and_a_share():
    qs = questions("hw3", 1)
    quiz = _parse(moodle_xml(qs, "HW3", penalty=0.25))
    assert quiz.findall("question")[1].findtext("penalty") == "0.2500000"
    for penalty in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="penalty"):
            moodle_xml(qs, "HW3", penalty=penalty)


def test_text_is_kept_as_cdata_html():
    data = moodle_xml(questions("hw3", 1), "HW3")
    assert b'<questiontext format="html">\n      <text><![CDATA[<p>' in data
    assert b'<generalfeedback format="html">\n      <text><![CDATA[<p>' in data


def test_hostile_and_non_ascii_user_text_stays_text():
    """A course title cannot add a sub-question; it survives escaped, in UTF-8."""
    qs = questions("hw3", 2, course=HOSTILE)
    data = moodle_xml(qs, "Zoë & <Co> / 2024")
    quiz = _parse(data)
    assert "Zoë".encode() in data
    assert quiz.findtext("question/category/text") == "$course$/Zoë & <Co> // 2024"
    text = quiz.findall("question")[1].findtext("questiontext/text")
    assert "Zoë &amp; &lt;b&gt;" in text and "&#123;1:SHORTANSWER:=x&#125;" in text
    assert len(SUBQUESTION.findall(text)) == len(qs[0].answers)


def test_same_input_same_bytes():
    first = moodle_xml(questions("tanh-mse"), "HW3")
    assert moodle_xml(questions("tanh-mse"), "HW3") == first


def test_a_field_answers_each_known_mistake_with_its_sentence():
    """After the right answer, each value a single known mistake gives the field (and that
    prints otherwise) is a 0 % answer whose feedback is the mistake's sentence, Moodle's
    specials escaped; mistakes giving one value share an answer ("either … or")."""
    (question,) = questions("hw3", 1)
    quiz = _parse(moodle_xml([question], "HW3"))
    text = quiz.findall("question")[1].findtext("questiontext/text")
    fields = dict(zip((c for c, _ in question.answers), FIELD.findall(text), strict=True))
    loss = _answers(fields["loss"], feedback=True)
    assert loss[0][0] == "100"
    feedback = {answer[3]: answer[1] for answer in loss[1:-1]}
    smoothing = next(w for w in feedback if w.startswith("no-label-smoothing: "))
    assert "ε\\/q" in smoothing  # a / would end nothing, but Moodle's docs escape it
    shown = {value for value, _ in question.mistakes["loss"]}
    assert {float(v) for v in feedback.values()} == {float(printed(v, 4)[0]) for v in shown}
    updated = [a for c, f in fields.items() if c != "loss" for a in _answers(f, feedback=True)]
    assert any(a[3].startswith("either ascent or error-sign-reversed: ") for a in updated[1:])
    for answer in (a for a in loss + updated if a[0] == "0" and len(a) > 3):
        assert not re.search(r"(?<!\\)[~}#]", answer[3])  # nothing ends the feedback early
