"""The Canvas QTI package (report/canvas.py): a manifest that points at the assessment, one
question group that draws one variant, one blank an answer accepting its rounded forms."""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import replace

import numpy as np
import pytest
from instances import random_problem
from lxml import etree
from quizzes import CONFIGS, HOSTILE, questions

from report.answer_rule import accepted_strings
from report.canvas import canvas_qti_zip
from report.quiz import quiz_question
from report.results import results_json
from solver.network import solve

QTI = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
CP = {"m": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"}
# What Canvas's fill-in-multiple-blanks reads as a blank in the question text.
BLANK = re.compile(r"\[([A-Za-z0-9_\-.]+)\]")
PLACEHOLDER = re.compile(r"\{\{ANSWER:\w+\}\}")


def _open(data: bytes) -> tuple[zipfile.ZipFile, etree._Element]:
    """The package and its assessment, found through the manifest as Canvas finds it."""
    package = zipfile.ZipFile(io.BytesIO(data))
    manifest = etree.fromstring(package.read("imsmanifest.xml"))
    (resource,) = manifest.findall("m:resources/m:resource", CP)
    assert resource.get("type") == "imsqti_xmlv1p2"
    (href,) = [file.get("href") for file in resource.findall("m:file", CP)]
    assert package.namelist() == ["imsmanifest.xml", href]
    return package, etree.fromstring(package.read(href))


def _fields(item: etree._Element) -> dict[str, str]:
    return {
        field.findtext("q:fieldlabel", namespaces=QTI): field.findtext(
            "q:fieldentry", namespaces=QTI
        )
        for field in item.findall("q:itemmetadata/q:qtimetadata/q:qtimetadatafield", QTI)
    }


def _rounded(value: float, decimals: int) -> str:
    """The value as the key prints it: fixed places, no "-0"."""
    text = f"{value:.{decimals}f}"
    return text.lstrip("-") if float(text) == 0 else text


@pytest.mark.parametrize("config", CONFIGS)
def test_one_group_draws_one_of_the_variants(config):
    qs = questions(config)
    _, assessment = _open(canvas_qti_zip(qs, "HW3 quiz"))
    (quiz,) = assessment.findall("q:assessment", QTI)
    assert quiz.get("title") == "HW3 quiz"
    (group,) = quiz.findall("q:section/q:section", QTI)
    assert (
        group.findtext("q:selection_ordering/q:selection/q:selection_number", namespaces=QTI) == "1"
    )
    points = group.findtext(".//q:points_per_item", namespaces=QTI)
    assert float(points) == len(qs[0].answers)
    items = group.findall("q:item", QTI)
    assert [item.get("title") for item in items] == ["variant-001", "variant-002", "variant-003"]
    assert len({item.get("ident") for item in items}) == len(items)
    for item in items:
        assert _fields(item)["question_type"] == "fill_in_multiple_blanks_question"
        assert float(_fields(item)["points_possible"]) == len(qs[0].answers)


@pytest.mark.parametrize("config", CONFIGS)
def test_each_answer_is_one_blank_that_accepts_its_rounded_value(config):
    qs = questions(config)
    _, assessment = _open(canvas_qti_zip(qs, "HW3"))
    for item, question in zip(assessment.iter("{*}item"), qs, strict=True):
        columns = [column for column, _ in question.answers]
        text = item.findtext("q:presentation/q:material/q:mattext", namespaces=QTI)
        assert BLANK.findall(text) == columns  # each blank once, in key order, nothing else
        # The blanks stand where the placeholders stood: the text around them is unchanged.
        assert BLANK.sub("", text) == f"<div>{PLACEHOLDER.sub('', question.text_html)}</div>"
        blanks = item.findall("q:presentation/q:response_lid", QTI)
        assert [blank.get("ident") for blank in blanks] == [f"response_{c}" for c in columns]
        for blank, (_column, value) in zip(blanks, question.answers, strict=True):
            accepted = [m.text for m in blank.findall(".//q:response_label//q:mattext", QTI)]
            assert accepted == accepted_strings(value, question.decimals)
            assert _rounded(value, question.decimals) in accepted
        scored = [v.get("respident") for v in item.findall(".//q:respcondition/*/q:varequal", QTI)]
        assert scored == [f"response_{c}" for c in columns]
        feedback = item.findtext("q:itemfeedback/q:flow_mat/q:material/q:mattext", namespaces=QTI)
        assert feedback == question.feedback_html


def test_same_input_same_bytes_with_fixed_dates():
    data = canvas_qti_zip(questions("batch"), "HW3")
    assert canvas_qti_zip(questions("batch"), "HW3") == data
    package, _ = _open(data)
    assert {info.date_time for info in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert canvas_qti_zip(questions("batch"), "HW4") != data


def test_hostile_and_non_ascii_text_survives_escaped():
    qs = questions("hw3", 2, course=HOSTILE)
    package, assessment = _open(canvas_qti_zip(qs, HOSTILE))
    assert assessment.find("q:assessment", QTI).get("title") == HOSTILE
    text = assessment.findtext(".//q:item/q:presentation/q:material/q:mattext", namespaces=QTI)
    assert "Zoë &amp; &lt;b&gt;&quot;Ål&quot;" in text and "&#91;loss&#93;" in text
    assert BLANK.findall(text) == [column for column, _ in qs[0].answers]


def test_a_question_too_long_for_canvas_is_refused():
    problem = random_problem(np.random.default_rng(0), 10, 16, 10)
    results = json.loads(results_json(solve(problem)))
    question = quiz_question("variant-001", problem, results)
    with pytest.raises(ValueError, match="variant-001: the question text has"):
        canvas_qti_zip([question], "HW3")


def test_a_group_needs_questions_with_distinct_names():
    (one,) = questions("hw3", 1)
    with pytest.raises(ValueError):
        canvas_qti_zip([], "HW3")
    with pytest.raises(ValueError, match="same name"):
        canvas_qti_zip([one, one], "HW3")


def test_variants_asked_more_or_fewer_entries_are_worth_the_same():
    """A group gives each item one number of points, which Canvas splits among its blanks:
    every item is worth the most blanks of any, so a student's share is the share of their
    own blanks right, whatever their variant asks."""
    (one,) = questions("hw3", 1)
    other = replace(questions("tanh-mse", 1)[0], name="variant-002")
    assert len(one.answers) != len(other.answers)
    _, assessment = _open(canvas_qti_zip([one, other], "HW3"))
    most = max(len(one.answers), len(other.answers))
    assert float(assessment.findtext(".//q:points_per_item", namespaces=QTI)) == most
    items = assessment.findall(".//q:item", QTI)
    assert [float(_fields(item)["points_possible"]) for item in items] == [most, most]
