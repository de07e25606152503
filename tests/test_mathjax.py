"""The quiz questions in a real browser with MathJax, as Moodle's and Canvas's pages show
them: TeX math a user typed into a [report] string, or a roster's name, is never typeset
(a course string ``\\(\\href{javascript:…}{click}\\)`` became a live link).

Headless Chromium renders each question with Debian's MathJax 2.7 (npm is unreachable here),
configured as Moodle's MathJax filter is, plus ``$…$`` and environments as some sites add.
"""

from __future__ import annotations

import html
import io
import json
import subprocess
import zipfile
from dataclasses import replace

import pytest
from lxml import etree
from lxml import html as lxml_html
from quizzes import variant

from report.canvas import canvas_qti_zip
from report.moodle import moodle_xml
from report.quiz import quiz_question
from report.settings import DEFAULT_INFO

MATHJAX = "/usr/share/javascript/mathjax/MathJax.js"
PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<script type="text/x-mathjax-config">
MathJax.Hub.Config({
  tex2jax: {inlineMath: [["\\\\(", "\\\\)"], ["$", "$"]],
            displayMath: [["$$", "$$"], ["\\\\[", "\\\\]"]],
            processEscapes: true, processEnvironments: true},
  messageStyle: "none"});
MathJax.Hub.Queue(function () { document.body.setAttribute("data-typeset", "done"); });
</script>
<script src="file://%s?config=TeX-AMS_CHTML"></script>
</head><body>%s</body></html>
"""
ATTACKS = [
    r"\(\href{javascript:alert(1)}{click}\)",
    r"$$\href{javascript:alert(2)}{click}$$",
    r"\[\href{javascript:alert(3)}{click}\]",
    r"$\href{javascript:alert(4)}{click}$",
    r"\begin{equation}\href{javascript:alert(5)}{click}\end{equation}",
]


def rendered(tmp_path, body: str) -> lxml_html.HtmlElement:
    """``body`` in a page with MathJax, as Chromium's DOM once MathJax is done."""
    page = tmp_path / "question.html"
    page.write_text(PAGE % (MATHJAX, body), encoding="utf-8")
    run = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--allow-file-access-from-files",
            "--virtual-time-budget=30000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    dom = lxml_html.fromstring(run.stdout)
    assert dom.body.get("data-typeset") == "done", "MathJax did not run"
    return dom


def links(dom: lxml_html.HtmlElement) -> list[str]:
    return [a.get("href") for a in dom.iter("a") if "javascript" in (a.get("href") or "")]


def typeset(dom: lxml_html.HtmlElement) -> int:
    """How many formulas MathJax typeset."""
    return len(dom.xpath('//*[contains(@class, "mjx-chtml") and contains(@class, "MathJax")]'))


def question_texts(course: str, student: str) -> dict[str, str]:
    """The question's HTML as each LMS gets it: Moodle's questiontext, Canvas's mattext."""
    problem, results = variant("hw3")
    info = replace(DEFAULT_INFO, course=course)
    question = quiz_question("variant-001", problem, results, student, info=info)
    moodle = etree.fromstring(moodle_xml([question], "Class"))
    package = zipfile.ZipFile(io.BytesIO(canvas_qti_zip([question], "Class")))
    (assessment,) = [n for n in package.namelist() if n != "imsmanifest.xml"]
    canvas = etree.fromstring(package.read(assessment))
    return {
        "moodle": moodle.findtext(".//question[@type='cloze']/questiontext/text"),
        "canvas": canvas.findtext(".//{*}presentation/{*}material/{*}mattext"),
    }


@pytest.mark.browser
def test_the_harness_sees_a_live_link(tmp_path):
    """The control: the attack as the quiz wrote it before (HTML-escaped only) does become
    a link, so the test below would see one."""
    body = "".join(f"<p>{html.escape(attack)}</p>" for attack in ATTACKS)
    dom = rendered(tmp_path, body)
    assert len(set(links(dom))) == len(ATTACKS)


@pytest.mark.browser
def test_user_text_is_never_typeset(tmp_path):
    """Every attack, as the course string and as the student's name, in Moodle's and in
    Canvas's question: no link, while the question's own math is typeset."""
    for lms, text in question_texts(" ".join(ATTACKS), " ".join(ATTACKS)).items():
        dom = rendered(tmp_path, text)
        assert links(dom) == [], lms
        assert typeset(dom) > 10, lms  # the network, the givens and the task, as math
        shown = dom.body.text_content().replace("\u2060", "")
        assert all(attack in shown for attack in ATTACKS), lms  # and read as typed


@pytest.mark.browser
def test_a_graph_question_is_typeset_whole(tmp_path):
    """A computational-graph exercise's question and worked answer: every formula typeset,
    and no TeX command left over that MathJax does not know (siunitx's \\num, the preamble's
    \\pd), which it would show as typed."""
    import tomllib

    from instances import ROOT

    from report.graph_quiz import graph_quiz_question
    from report.graph_results import graph_results_json
    from solver.graph import solve_graph
    from solver.graph_check import check_graph
    from solver.graph_config import parse_graph_config

    for config in ("sigmoid-neuron", "reused"):
        path = ROOT / "problems" / "graphs" / f"{config}.toml"
        problem, settings = parse_graph_config(tomllib.loads(path.read_text()), config)
        solution = solve_graph(problem)
        question = settings["question"]
        results = json.loads(graph_results_json(solution, check_graph(solution), question))
        quiz = graph_quiz_question("variant-001", problem, question, results)
        dom = rendered(tmp_path, quiz.text_html + quiz.feedback_html)
        for source in dom.body.xpath(".//script"):  # the TeX MathJax read, kept beside
            source.drop_tree()
        shown = dom.body.text_content()
        assert typeset(dom) >= 8, config
        assert "\\" not in shown and "num{" not in shown, config
