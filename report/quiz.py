r"""One quiz question of a class, as data: what a learning management system shows a student.

The question text states the variant as the printed problem sheet does (problem_statement.tex.j2):
the network, the given numbers, the task. It is HTML with TeX math in ``\( … \)`` and
``\[ … \]``, the delimiters of the MathJax that Moodle and Canvas run, so the TeX is plain
LaTeX math: no siunitx, none of the preamble's macros, every matrix in full (a student needs
every given number). Each answer is a placeholder ``{{ANSWER:column}}`` that an exporter
(report.moodle, report.canvas) turns into its own answer field with :func:`fill_answers`.

Pure: no files, no TeX run.

Longer than ~300 lines because it states the whole variant in HTML and MathJax TeX, a
second rendering of the problem sheet beside the LaTeX one; both LMS exporters share it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from report.answer_key import key_columns
from report.answer_rule import printed
from report.diagnosis import Diagnosis
from report.format import as_typed, places_needed, plain
from report.notation import param_tex
from report.optimizer_context import rule_words
from report.question import (
    Question,
    answer_tex,
    before_rule,
    forward_tex,
    later_step_words,
    part_of,
    part_tex,
    task_words,
)
from report.settings import DEFAULT_INFO, ReportInfo
from solver.activations import ACTIVATIONS
from solver.instance import Problem
from solver.losses import LOSSES
from solver.mistakes import SEPARATOR


@dataclass(frozen=True)
class QuizQuestion:
    """One variant's question: its name, the text with one placeholder per answer, the
    answers in answer-key.csv's order, the worked answer, and the decimals a student rounds to."""

    name: str  # "variant-007" or a roster id like "s1234"
    text_html: str
    answers: tuple[tuple[str, float], ...]  # (column, value), as report.answer_key.key_columns
    feedback_html: str
    decimals: int = 4  # the problem's report.decimals: what the text asks a student to type
    # Per column, the wrong values known mistakes give it and what to tell a student who
    # types one (report.diagnosis), each printing otherwise than the answer and each other.
    mistakes: Mapping[str, tuple[tuple[float, str], ...]] = field(default_factory=dict)


_PLACEHOLDER = re.compile(r"\{\{ANSWER:(\w+)\}\}")


def placeholder(column: str) -> str:
    """The token an exporter replaces by its answer field.

    >>> placeholder("W1_1_2")
    '{{ANSWER:W1_1_2}}'
    """
    return "{{ANSWER:" + column + "}}"


def fill_answers(question: QuizQuestion, field: Callable[[str, float], str]) -> str:
    """The question's text with each placeholder replaced by ``field(column, value)``.

    Raises ValueError unless the placeholders are exactly the answers' columns, each once,
    in the answers' order: an answer without its field (or a field without an answer) would
    be graded wrong for every student.
    """
    values = dict(question.answers)
    found = _PLACEHOLDER.findall(question.text_html)
    if found != [column for column, _ in question.answers]:
        raise ValueError(f"{question.name}: the answer fields in the text are not the answers")
    return _PLACEHOLDER.sub(lambda match: field(match[1], values[match[1]]), question.text_html)


# Characters the LMS parse in question text, written as character references in user text
# so that a course title cannot open an answer field: Moodle's cloze reads "{1:NUMERICAL:…}",
# Canvas's blanks "[name]". Browsers (and MathJax, which reads the page) show them as typed.
_SYNTAX = str.maketrans({"{": "&#123;", "}": "&#125;", "[": "&#91;", "]": "&#93;"})


# The page's MathJax reads the text after the browser has decoded it, so a course string
# "\(\href{javascript:…}{click}\)" would be typeset as a live link: user text is wrapped
# in the class MathJax skips (2: tex2jax_ignore, 3: mathjax_ignore), and, should an LMS strip
# the class, its math delimiters are broken by an invisible WORD JOINER (U+2060): \( \[
# \begin and $$ are no longer delimiters, and read as typed ($…$, which some sites enable,
# is left to the class).
_DELIMITER = re.compile(r"\\(?=[(\[]|begin)|\$(?=\$)")
_IGNORED = '<span class="tex2jax_ignore mathjax_ignore">{}</span>'


def user_text(text: str) -> str:
    r"""A string typed by a user (course title, student name) as inert HTML text: no markup,
    no LMS answer syntax, no math for MathJax.

    >>> print(user_text('<b>&{1:SA:=x}[a]'))
    <span class="tex2jax_ignore mathjax_ignore">&lt;b&gt;&amp;&#123;1:SA:=x&#125;&#91;a&#93;</span>
    >>> user_text(r"\(x\) $$y$$").count("\u2060")  # after \ of \(, between $ and $, twice
    3
    """
    inert = _DELIMITER.sub(lambda match: match[0] + "\u2060", text)
    return _IGNORED.format(html.escape(inert).translate(_SYNTAX))


# The preamble's macros (templates/preamble.tex.j2) spelled out, as MathJax knows no preamble.
_MACROS = {
    "vect": r"\mathbf",
    "Loss": r"\mathrm{Loss}",
    "yhat": r"\hat{y}",
    "ys": r"y^{s}",
    "ReLU": r"\operatorname{ReLU}",
    "LeakyReLU": r"\operatorname{LeakyReLU}",
    "Softmax": r"\operatorname{Softmax}",
}
_MACRO = re.compile(r"\\(" + "|".join(_MACROS) + r")(?![A-Za-z])")


# siunitx's \num (report.format), as plain TeX: 1.5e-7 as a power of ten.
_NUM = re.compile(r"\\num(?:\[[^\]]*\])?\{([^{}]*)\}")


def _plain_num(match: re.Match) -> str:
    digits, _, exponent = match[1].partition("e")
    return rf"{digits} \times 10^{{{int(exponent)}}}" if exponent else digits


def _tex(tex: str) -> str:
    r"""TeX written with the preamble's macros and siunitx's ``\num``, for MathJax, escaped
    for HTML (``&`` of matrices).

    >>> _tex(r"\num{-0.25} + \num[parse-numbers=true]{1.5000e-7} & \ReLU")
    '-0.25 + 1.5000 \\times 10^{-7} &amp; \\operatorname{ReLU}'
    """
    tex = _NUM.sub(_plain_num, tex)
    return html.escape(_MACRO.sub(lambda match: _MACROS[match[1]], tex), quote=False)


def inline_math(tex: str) -> str:
    return r"\(" + _tex(tex) + r"\)"


def display_math(tex: str) -> str:
    return r"<p>\[" + _tex(tex) + r"\]</p>"


_DOLLARS = re.compile(r"\$(.+?)\$")


def prose(text: str) -> str:
    r"""Our own HTML with TeX between dollars, each made an inline ``\( … \)``.

    >>> prose(r"<p>with $\vect{x} < 1$</p>")
    '<p>with \\(\\mathbf{x} &lt; 1\\)</p>'
    """
    return _DOLLARS.sub(lambda match: inline_math(match[1]), text)


def plain_number(value: float, places: int, *, fixed: bool = False) -> str:
    r"""One number as plain TeX: report.format's digits, an exponent as a power of ten.

    >>> plain_number(-0.21246, 4), plain_number(2.5e-9, 4), plain_number(-0.00004, 4, fixed=True)
    ('-0.2125', '2.5000 \\times 10^{-9}', '0.0000')
    """
    digits, _, exponent = plain(value, places, fixed=fixed).partition("e")
    return rf"{digits} \times 10^{{{exponent}}}" if exponent else digits


def _given(value: float, decimals: int) -> str:
    """A given number as typed: as few places as show it exactly (report.format.as_typed)."""
    return plain_number(value, places_needed(value, as_typed(decimals)))


def _matrix(values, decimals: int, *, fixed: bool = False) -> str:
    r"""A matrix (a vector as a column) as ``bmatrix``, every entry, one number of places.

    Given numbers show as few places as show them exactly; computed ones (``fixed``) are
    rounded to ``decimals``, as in the answer key.

    >>> _matrix(np.array([[1.0, -2.5]]), 4)
    '\\begin{bmatrix} 1.0 & -2.5 \\end{bmatrix}'
    >>> _matrix(np.array([1 / 3, 0.0]), 2, fixed=True)
    '\\begin{bmatrix} 0.33 \\\\ 0.00 \\end{bmatrix}'
    """
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    places = decimals if fixed else places_needed(arr, decimals)
    rows = [" & ".join(plain_number(v, places, fixed=fixed) for v in row) for row in arr]
    return r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def typing_rule(decimals: int) -> str:
    """How a student types an answer, after "Type each answer rounded to".

    >>> typing_rule(0), typing_rule(1)
    ('a whole number', '1 decimal place (a decimal point, no exponent)')
    """
    if decimals == 0:
        return "a whole number"
    return f"{_plural(decimals, 'decimal place')} (a decimal point, no exponent)"


def worked_rounding(decimals: int) -> str:
    """How the worked answer's numbers are rounded: "rounded to 4 decimal places"."""
    return f"rounded to {_plural(decimals, 'decimal place')}" if decimals else "rounded"


def _network(problem: Problem, decimals: int) -> str:
    """The network of Problem 1 in brief: its layers, output and loss, as in the problem sheet."""
    hidden = problem.hidden_layers
    # One hidden layer keeps the homework's names h, a; deeper networks number them.
    if hidden == 1:
        names = [(r"\vect{h}", r"\vect{a}")]
    else:
        names = [(rf"\vect{{h}}_{{{l}}}", rf"\vect{{a}}_{{{l}}}") for l in range(1, hidden + 1)]
    inputs = [r"\vect{x}"] + [a for _, a in names]
    lines = [
        rf"{h} = {param_tex(f'W{l}')}^\top {inputs[l - 1]} + {param_tex(f'b{l}')}, \quad "
        rf"{a} = {ACTIVATIONS[problem.activations[l - 1]].symbol}({h})"
        for l, (h, a) in enumerate(names, 1)
    ]
    out = hidden + 1
    lines.append(rf"\vect{{z}} = {param_tex(f'W{out}')}^\top {inputs[-1]} + {param_tex(f'b{out}')}")
    lines.append(LOSSES[problem.loss].formula)
    kinds = sorted({ACTIVATIONS[a].words for a in problem.activations})
    layers = (
        f"passes through {_plural(hidden, 'hidden layer')} of {' and '.join(kinds)} units to"
        if hidden
        else "passes directly to"
    )
    text = prose(
        r"<p>An input $\vect{x} \in \mathbb{R}^{d}$ "
        + layers
        + " an output layer of $q$ neurons ("
        + LOSSES[problem.loss].words
        + r"); $\vect{W}_l \in \mathbb{R}^{n_{l-1} \times n_l}$ are the weights and "
        r"$\vect{b}_l \in \mathbb{R}^{n_l}$ the biases of layer $l$:</p>"
    ) + display_math(r"\begin{gathered} " + r" \\ ".join(lines) + r" \end{gathered}")
    if LOSSES[problem.loss].smoothing:
        text += prose(
            r"<p>Here $\ys_i$ is the soft label via label smoothing, $\epsilon$ is a small "
            r"constant, and $y_i \in \{0, 1\}$ is the ground-truth indicator.</p>"
        )
    if any(ACTIVATIONS[name].uses_alpha for name in problem.activations):
        slope = _given(problem.negative_slope, decimals)
        text += prose("<p>The leaky ReLU's slope for negative inputs is $" + slope + "$.</p>")
    return text


def _givens(problem: Problem, decimals: int) -> str:
    """The instance's numbers: the input(s) and target(s), then each layer's W and b."""
    decimals, widths = as_typed(decimals), problem.shape
    if problem.batch:
        text = prose(
            f"<p>Consider a mini-batch of $m = {problem.m}$ instances, the rows of "
            r"$\vect{X}$ and $\vect{Y}$; the loss of the mini-batch is the mean of its "
            "instances' losses.</p>"
        ) + display_math(
            rf"\vect{{X}} = {_matrix(problem.x, decimals)}, \quad "
            rf"\vect{{Y}} = {_matrix(problem.y, decimals)}"
        )
    else:
        row = _matrix(problem.x[None, :], decimals)
        target = _matrix(problem.y[None, :], decimals)
        text = prose(
            r"<p>Consider one input instance $\vect{x} = " + row + r"^\top$ with target "
            r"$\vect{y} = " + target + r"^\top$.</p>"
        )
    text += (
        f"<p>The widths are {inline_math(', '.join(map(str, widths)))}. "
        "The initial values of the parameters are:</p>"
    )
    for l in range(1, len(widths)):
        weight, bias = problem.params.weights[l - 1], problem.params.biases[l - 1]
        text += display_math(
            rf"{param_tex(f'W{l}')} = {_matrix(weight, decimals)} \in "
            rf"\mathbb{{R}}^{{{widths[l - 1]} \times {widths[l]}}}, \quad "
            rf"{param_tex(f'b{l}')} = {_matrix(bias, decimals)} \in \mathbb{{R}}^{{{widths[l]}}}"
        )
    return text


def _task(problem: Problem, decimals: int, question: Question) -> str:
    """The task, in the homework's words, and how to type an answer."""
    rates = [rf"\eta = {_given(problem.learning_rate, decimals)}"] * problem.optimizer.plain
    if LOSSES[problem.loss].smoothing:
        rates.insert(0, rf"\epsilon = {_given(problem.epsilon, decimals)}")
    separator = r", \quad "
    given = " for $" + separator.join(rates) + "$" if rates else ""
    later = f" Here {later_step_words()}." if question.step > 1 else ""
    rounding = typing_rule(decimals)
    return prose(
        f"<p>Your task is to compute {task_words(question)}{before_rule(question)} "
        f"{rule_words(problem, decimals, html=True)}{given}.{later} You might benefit from "
        "performing the feed-forward process first and then the back-propagation process; you "
        "can use a calculator or write code.</p>"
        f"<p>Type each answer rounded to {rounding}. Entry $(i, j)$ of a matrix is row $i$, "
        "column $j$.</p>"
    )


def _answer_fields(answers: tuple[tuple[str, float], ...], question: Question, batch: bool) -> str:
    """One line per answer, in the key's order: its label (as the handout writes it), then
    its placeholder."""
    lines = [
        f"<p>{inline_math(answer_tex(column, batch, question.step))} = {placeholder(column)}</p>"
        for column, _ in answers
    ]
    words = prose(task_words(question))
    given = (
        ""
        if question.ask_given
        else (
            " An entry not listed is not asked: its value is given above (a parameter the step "
            "leaves unchanged at these places, or a gradient of 0)."
        )
    )
    return f"<p><strong>Answers</strong> ({words}).{given}</p>" + "".join(lines)


def _feedback(problem: Problem, results: dict, decimals: int) -> str:
    """The worked answer: the forward pass, the gradients, the parameters after the step
    asked, rounded to the decimals."""
    batch = problem.batch
    rounded = worked_rounding(decimals)
    forward = results["forward"]
    text = f"<p><strong>Worked answer</strong> ({rounded}).</p><p>Forward pass"
    text += " (one row per instance):</p>" if batch else ":</p>"
    for key, value in forward.items():
        if key != "loss":
            text += display_math(
                f"{forward_tex(key, batch)} = {_matrix(value, decimals, fixed=True)}"
            )
    text += display_math(rf"\Loss = {plain_number(forward['loss'], decimals, fixed=True)}")
    out = param_tex(f"b{problem.hidden_layers + 1}")
    mean = ", the mean over the instances" if batch else ""
    text += prose(
        r"<p>Back-propagation: the gradients. $\nabla_{" + out + r"} \Loss$ is the output "
        r"error $\partial \Loss / \partial \vect{z}$" + mean + ".</p>"
    )
    for name, value in results["gradients"].items():
        gradient = _matrix(value, decimals, fixed=True)
        text += display_math(rf"\nabla_{{{param_tex(name)}}} \Loss = {gradient}")
    step = results["question"].get("step", 1)
    method = problem.optimizer.entry.title_of(problem.optimizer.options)
    if step > 1:
        text += f"<p>The parameters after step {step} of {method}:</p>"
    elif problem.plain_descent:
        text += prose(
            r"<p>One step of gradient descent, $\theta - \eta \nabla_{\theta} \Loss$:</p>"
        )
    else:
        text += f"<p>One step of {method}:</p>"
    for name, value in results["updated"].items():
        matrix = _matrix(value, decimals, fixed=True)
        text += display_math(f"{part_tex(name, step=step)} = {matrix}")
    return text


def quiz_question(
    name: str,
    problem: Problem,
    results: dict,
    student: str | None = None,
    *,
    info: ReportInfo = DEFAULT_INFO,
) -> QuizQuestion:
    """The quiz question of one variant: ``problem`` as given (``info`` its [report]: the
    course, the decimals), ``results`` its results.json.

    ``name`` names the question in the LMS's question bank ("variant-007", "s1234"), not in
    its text: an LMS draws a variant for each student at random, so a roster's id would name
    another student. ``student``, when given, is named at the top of the text.
    """
    answers = tuple(key_columns(results).items())
    text = f"<p>{user_text(info.course)}</p><h3>Problem 2</h3>"
    if student is not None:
        text = f"<p><strong>Student:</strong> {user_text(student)}</p>" + text
    decimals = info.decimals
    question = info.question
    text += _network(problem, decimals) + _givens(problem, decimals)
    text += _task(problem, decimals, question) + _answer_fields(answers, question, problem.batch)
    return QuizQuestion(
        name=name,
        text_html=text,
        answers=answers,
        feedback_html=_feedback(problem, results, decimals),
        decimals=info.decimals,
        mistakes=mistaken_feedback(results),
    )


def mistaken_feedback(results: dict) -> dict[str, tuple[tuple[float, str], ...]]:
    """Per asked column, each value a single known mistake gives it (results.json's
    "mistakes": pairs are left out, a box would offer too many), with its words; mistakes
    giving a value the same printing are named together ("either … or …")."""
    decimals = results["question"]["decimals"]
    by_column: dict[str, dict[tuple[str, ...], tuple[float, list[str]]]] = {}
    for candidate, values in results.get("mistakes", {}).items():
        if SEPARATOR in candidate:
            continue
        for column, value in values.items():
            shown = tuple(printed(value, decimals))
            _, ids = by_column.setdefault(column, {}).setdefault(shown, (value, []))
            ids.append(candidate)
    return {
        column: tuple(
            (value, Diagnosis(part_of(column), tuple(ids)).words()) for value, ids in found.values()
        )
        for column, found in by_column.items()
    }
