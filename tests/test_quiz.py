"""One quiz question (report/quiz.py): the answers are the key's, the givens as on the problem
sheet in plain MathJax TeX, user text inert, the worked answer rounded."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from lxml import etree
from quizzes import CONFIGS, HOSTILE, variant

from report.answer_key import key_columns
from report.quiz import fill_answers, placeholder, quiz_question
from report.settings import DEFAULT_INFO

PLACEHOLDER = re.compile(r"\{\{ANSWER:(\w+)\}\}")


@pytest.mark.parametrize("config", CONFIGS)
def test_answers_are_the_key_columns_each_with_one_field_in_order(config):
    problem, results = variant(config)
    question = quiz_question("variant-007", problem, results)
    assert question.answers == tuple(key_columns(results).items())
    assert question.answers[0] == ("loss", results["forward"]["loss"])
    assert PLACEHOLDER.findall(question.text_html) == [c for c, _ in question.answers]
    assert question.name == "variant-007" and question.decimals == DEFAULT_INFO.decimals


@pytest.mark.parametrize("config", CONFIGS)
def test_text_and_feedback_are_well_formed_html_with_mathjax_tex_only(config):
    """No siunitx, no preamble macro (MathJax knows neither), every tag closed."""
    problem, results = variant(config)
    question = quiz_question("variant-007", problem, results, student=HOSTILE)
    for html in (question.text_html, question.feedback_html):
        etree.fromstring(f"<div>{html}</div>")  # raises on a stray "<", "&" or open tag
        assert not re.search(r"\\(num|vect|Loss|yhat|ys|ReLU|LeakyReLU|Softmax|fit)\b", html)
        assert html.count(r"\(") == html.count(r"\)") and html.count(r"\[") == html.count(r"\]")


def test_homework_givens_are_stated_as_on_the_problem_sheet():
    problem, results = variant("hw3")
    text = quiz_question("variant-007", problem, results).text_html
    # Givens as typed (whole numbers stay whole), "&" escaped for HTML.
    w1 = r"\mathbf{W}_{1} = \begin{bmatrix} -5 &amp; 2 &amp; 2 \\ -5 &amp; 2 &amp; -1 \end{bmatrix}"
    assert w1 + r" \in \mathbb{R}^{2 \times 3}" in text
    assert r"\mathbf{b}_{2} = \begin{bmatrix} 4 \\ 5 \\ 5 \end{bmatrix}" in text
    assert r"\mathbf{x} = \begin{bmatrix} 0 &amp; 2 \end{bmatrix}^\top" in text
    assert r"\epsilon = 0.3, \quad \eta = 0.1" in text
    assert r"\operatorname{ReLU}(\mathbf{h})" in text and r"\operatorname{Softmax}" in text
    assert "rounded to 4 decimal places" in text
    # Labels as the handout's (a prime on an updated parameter); W1[1,2] is not asked: the
    # step leaves it at its given 2 (its unit is dead), so the question gives it away.
    assert r"<p>\((\mathbf{W}_{1}')_{2,2}\) = {{ANSWER:W1_2_2}}</p>" in text
    assert r"<p>\((\mathbf{b}_{2}')_{3}\) = {{ANSWER:b2_3}}</p>" in text
    assert "W1_1_2" not in text and "not asked" in text


def test_a_batch_gives_x_and_y_as_matrices_of_rows():
    problem, results = variant("batch")
    text = quiz_question("variant-007", problem, results).text_html
    assert "mini-batch of \\(m = 4\\) instances" in text
    x = r"\mathbf{X} = \begin{bmatrix} 0 &amp; 2 \\ -1 &amp; 0 \\ 1 &amp; -2 \\ 3 &amp; 1 \end"
    assert x in text and r"\mathbf{Y} = \begin{bmatrix} 1 &amp; 0 &amp; 0 \\ 0 &amp; 1" in text


def test_other_networks_state_their_layers_loss_and_no_epsilon():
    problem, results = variant("tanh-mse")
    text = quiz_question("variant-007", problem, results).text_html
    assert r"\mathbf{a}_{2} = \tanh(\mathbf{h}_{2})" in text
    assert r"\mathbf{z} = \mathbf{W}_{3}^\top \mathbf{a}_{2} + \mathbf{b}_{3}" in text
    assert "mean squared error" in text and r"\epsilon" not in text
    assert (
        r"\mathbf{W}_{3} = \begin{bmatrix} 1.0 &amp; -1.0 \\ 0.5 &amp; 0.5 \\ -0.5 &amp; 1.0"
        in text
    )
    assert "{{ANSWER:W3_3_2}}" in text and "{{ANSWER:b3_2}}" in text


def test_user_text_is_escaped_and_cannot_open_an_answer_field():
    problem, results = variant("hw3")
    info = replace(DEFAULT_INFO, course=HOSTILE)
    question = quiz_question("variant-007", problem, results, student=HOSTILE, info=info)
    escaped = (
        "Zoë &amp; &lt;b&gt;&quot;Ål&quot;&lt;/b&gt; &#123;1:SHORTANSWER:=x&#125; "
        "&#91;loss&#93; ~#/\\ &#93;&#93;&gt;"
    )
    assert question.text_html.count(escaped) == 2  # the course and the student
    assert '<strong>Student:</strong> <span class="tex2jax_ignore mathjax_ignore">' + escaped in (
        question.text_html
    )
    assert "<b>" not in question.text_html and "[loss]" not in question.text_html
    assert PLACEHOLDER.findall(question.text_html) == [c for c, _ in question.answers]
    assert "Student:" not in quiz_question("variant-007", problem, results).text_html


def test_feedback_works_the_answer_rounded_to_the_decimals():
    problem, results = variant("hw3")
    feedback = quiz_question("variant-007", problem, results).feedback_html
    assert r"\mathrm{Loss} = 1.5266" in feedback
    assert (
        r"\hat{\mathbf{y}} = \begin{bmatrix} 0.2654 \\ 0.0132 \\ 0.7214 \end{bmatrix}" in feedback
    )
    assert r"\nabla_{\mathbf{b}_{2}} \mathrm{Loss} = \begin{bmatrix} -0.5346" in feedback
    assert r"\mathbf{W}_{2}' = \begin{bmatrix} 3.0000 &amp; -4.0000" in feedback
    assert "-1.8931 &amp; -3.9826 &amp; -2.1243" in feedback
    info = replace(DEFAULT_INFO, decimals=2)
    assert r"\mathrm{Loss} = 1.53" in quiz_question("v", problem, results, info=info).feedback_html


def test_feedback_numbers_are_fixed_places_never_scientific():
    """As in the answer key: a tiny value reads 0.0000, an exact one keeps its places."""
    problem, results = variant("hw3")
    results = {**results, "updated": {**results["updated"], "b2": [1e-5, -2.5, 3.0]}}
    feedback = quiz_question("variant-007", problem, results).feedback_html
    assert (
        r"\mathbf{b}_{2}' = \begin{bmatrix} 0.0000 \\ -2.5000 \\ 3.0000 \end{bmatrix}" in feedback
    )
    assert r"\mathbf{a} = \begin{bmatrix} 0.0000 \\ 2.0000 \\ 0.0000 \end{bmatrix}" in feedback
    assert r"\times 10" not in feedback


def test_a_batch_feedback_names_its_arrays_by_rows():
    problem, results = variant("batch")
    feedback = quiz_question("variant-007", problem, results).feedback_html
    assert "one row per instance" in feedback and r"\hat{\mathbf{Y}} = \begin{bmatrix}" in feedback
    assert r"\mathbf{H} = \begin{bmatrix}" in feedback


def test_fill_answers_replaces_each_field_once_and_refuses_a_missing_one():
    problem, results = variant("hw3")
    question = quiz_question("variant-007", problem, results)
    filled = fill_answers(question, lambda column, value: f"<{column}={value!r}>")
    assert "{{ANSWER" not in filled
    assert filled.count("<W2_2_1=-1.8930775857544484>") == 1
    broken = replace(question, text_html=question.text_html.replace(placeholder("b1_2"), ""))
    with pytest.raises(ValueError, match="variant-007"):
        fill_answers(broken, str)
    doubled = replace(question, text_html=question.text_html + placeholder("loss"))
    with pytest.raises(ValueError):
        fill_answers(doubled, str)
