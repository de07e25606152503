"""Moodle XML (report/moodle.py): one category, one cloze question a variant, one NUMERICAL
field an answer that reads back to the exact float with tolerance atol + rtol·|value|."""

from __future__ import annotations

import re

import pytest
from lxml import etree
from quizzes import CONFIGS, HOSTILE, questions

from report.moodle import moodle_xml

RTOL, ATOL = 1e-3, 5e-5
FIELD = re.compile(r"\{1:NUMERICAL:=([^:}]*):([^}]*)\}")
# What Moodle reads as the start of a sub-question (question/type/multianswer/questiontype.php's
# ANSWER_START_REGEX, any type): only our fields may match.
SUBQUESTION = re.compile(r"\{([0-9]*):([A-Z_]+):")


def _parse(data: bytes) -> etree._Element:
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    return etree.fromstring(data)


@pytest.mark.parametrize("config", CONFIGS)
def test_one_category_then_one_cloze_question_per_variant(config):
    qs = questions(config)
    quiz = _parse(moodle_xml(qs, "HW3 quiz", rtol=RTOL, atol=ATOL))
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
        assert element.findtext("hidden") == "0" and float(element.findtext("penalty")) > 0


@pytest.mark.parametrize("config", CONFIGS)
def test_each_answer_is_one_numerical_field_in_key_order_exact_value_and_tolerance(config):
    qs = questions(config)
    quiz = _parse(moodle_xml(qs, "HW3", rtol=RTOL, atol=ATOL))
    for element, question in zip(quiz.findall("question")[1:], qs, strict=True):
        text = element.findtext("questiontext/text")
        assert "{{ANSWER" not in text
        fields = FIELD.findall(text)
        assert len(fields) == len(SUBQUESTION.findall(text)) == len(question.answers)
        for (value, tolerance), (_column, answer) in zip(fields, question.answers, strict=True):
            assert float(value) == answer  # bit for bit
            assert float(tolerance) == ATOL + RTOL * abs(answer)
        # The fields stand where the placeholders stood: the text around them is unchanged.
        assert FIELD.sub("", text) == re.sub(r"\{\{ANSWER:\w+\}\}", "", question.text_html)


def test_text_is_kept_as_cdata_html():
    data = moodle_xml(questions("hw3", 1), "HW3", rtol=RTOL, atol=ATOL)
    assert b'<questiontext format="html">\n      <text><![CDATA[<p>' in data
    assert b'<generalfeedback format="html">\n      <text><![CDATA[<p>' in data


def test_hostile_and_non_ascii_user_text_stays_text():
    """A course title cannot add a sub-question; it survives escaped, in UTF-8."""
    qs = questions("hw3", 2, course=HOSTILE)
    data = moodle_xml(qs, "Zoë & <Co> / 2024", rtol=RTOL, atol=ATOL)
    quiz = _parse(data)
    assert "Zoë".encode() in data
    assert quiz.findtext("question/category/text") == "$course$/Zoë & <Co> // 2024"
    text = quiz.findall("question")[1].findtext("questiontext/text")
    assert "Zoë &amp; &lt;b&gt;" in text and "&#123;1:SHORTANSWER:=x&#125;" in text
    assert len(SUBQUESTION.findall(text)) == len(qs[0].answers)


def test_same_input_same_bytes_and_the_tolerance_is_what_changes():
    qs = questions("tanh-mse")
    first = moodle_xml(qs, "HW3", rtol=RTOL, atol=ATOL)
    assert moodle_xml(questions("tanh-mse"), "HW3", rtol=RTOL, atol=ATOL) == first
    looser = moodle_xml(qs, "HW3", rtol=2 * RTOL, atol=ATOL)
    assert looser != first and FIELD.sub("", looser.decode()) == FIELD.sub("", first.decode())


@pytest.mark.parametrize("rtol, atol", [(-1e-3, 0.0), (0.0, float("nan")), (float("inf"), 0.0)])
def test_a_tolerance_that_is_not_finite_and_positive_is_refused(rtol, atol):
    with pytest.raises(ValueError, match="tolerances"):
        moodle_xml(questions("hw3", 1), "HW3", rtol=rtol, atol=atol)
