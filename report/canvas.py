r"""A class's quiz questions as a QTI 1.2 package for Canvas (Classic Quizzes).

Import in Canvas with Settings → Import Course Content → "QTI .zip file". The package holds
``imsmanifest.xml`` and one assessment, laid out as Canvas's own quiz export and text2qti
(a Canvas-tested QTI writer) do: ``<assessment>`` → ``root_section`` → one question group
(a ``<section>`` whose ``selection_number`` is 1, so each student gets one variant) → one
item per variant, named by it.

Canvas Classic has no question type with several numeric answers, and its numerical
question (which has a tolerance) takes one answer; a variant is one question, so it is a
``fill_in_multiple_blanks_question`` whose blanks are the answer columns, ``[loss]``,
``[W1_1_2]``, … (Canvas blank names: letters, digits, underscores). A blank compares text,
not numbers: Canvas (quiz_question/fill_in_multiple_blanks_question.rb) trims the typed
answer, lower-cases it and looks it up among the blank's accepted strings; on import it
accepts every ``response_label`` of a blank (qti_exporter's fill_in_the_blank.rb gives each
weight 100). So a blank accepts the strings of report.answer_rule.accepted_strings: the
numbers the one answer rule (the same in ``check``, ``grade`` and moodle.xml) takes, as a
student types them.

How a student types an answer: the number rounded to the decimals the question names
(the [report] decimals), with a decimal point, e.g. ``-1.8931`` for -1.89307758…;
trailing zeros may be left out (``2.5``, ``2.50`` or ``2.5000`` for 2.5000, ``2`` for
2.0000), a negative number takes a minus sign, a number that rounds to zero may take one
(``0.0000`` or ``-0.0000``). Not accepted: an exponent (``1.9e0``), a leading ``+``, a
bare leading point (``.5``), a decimal comma, digit grouping, spaces inside the number,
more places than asked. A value exactly halfway between two roundings accepts both.
Canvas gives each blank an equal share of the question's points (partial credit; every
variant is worth as many points as the most blanks any has, since a group gives each of its
questions the same points), and shows the worked answer (the item's general feedback) once
the quiz's settings let students see results.
Canvas takes a question text of at most 16 KiB, some 240 answers of a network with 4-decimal
givens; a larger one is refused with ValueError rather than imported as a notice.

Why the XML is written here rather than by text2qti: text2qti 0.8.0 (PyPI's latest) has no
fill-in-multiple-blanks question (gpoore/text2qti issue #17), reads its own Markdown (it
would re-parse this HTML and TeX) and writes today's date into the manifest.

Deterministic: same input, same bytes. Identifiers are hashes of the title and the
variants' names, the zip's entries come in a fixed order with a fixed date (1980-01-01).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Sequence

from lxml import etree

from report.answer_rule import accepted_strings
from report.quiz import QuizQuestion, fill_answers

_QTI = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
_CP = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_SCHEMA = f"{{{_XSI}}}schemaLocation"
# Canvas replaces a longer question text by "The imported question text for this question was
# too long." (app/models/importers/assessment_question_importer.rb: 16.kilobytes).
MAX_TEXT = 16384


def _ident(*parts: str) -> str:
    """A fixed identifier for what ``parts`` name: a hash, starting with a letter as XML's do."""
    return "g" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attributes) -> etree._Element:
    element = etree.SubElement(parent, f"{{{_QTI}}}{tag}", attributes)
    element.text = text
    return element


def _metadata(parent: etree._Element, fields: dict[str, str]) -> None:
    meta = _sub(parent, "qtimetadata")
    for label, entry in fields.items():
        field = _sub(meta, "qtimetadatafield")
        _sub(field, "fieldlabel", label)
        _sub(field, "fieldentry", entry)


def _html(parent: etree._Element, html: str) -> None:
    _sub(_sub(parent, "material"), "mattext", html, texttype="text/html")


def _item(section: etree._Element, question: QuizQuestion, title: str, points: int) -> None:
    """One variant, as Canvas exports a fill-in-multiple-blanks question (qti_items.rb)."""
    ident = _ident(title, question.name)
    accepted = {
        column: {
            _ident(ident, column, str(k)): form
            for k, form in enumerate(accepted_strings(value, question.decimals))
        }
        for column, value in question.answers
    }
    item = _sub(section, "item", ident=ident, title=question.name)
    _metadata(
        _sub(item, "itemmetadata"),
        {
            "question_type": "fill_in_multiple_blanks_question",
            "points_possible": f"{points}.0",
            "original_answer_ids": ",".join(a for forms in accepted.values() for a in forms),
            "assessment_question_identifierref": _ident(title, question.name, "bank"),
        },
    )
    presentation = _sub(item, "presentation")
    text = "<div>" + fill_answers(question, lambda column, _value: f"[{column}]") + "</div>"
    if len(text) > MAX_TEXT:
        raise ValueError(
            f"{question.name}: the question text has {len(text)} characters, Canvas takes "
            f"at most {MAX_TEXT} (a network this large does not fit one Canvas question)"
        )
    _html(presentation, text)
    for column, forms in accepted.items():
        blank = _sub(presentation, "response_lid", ident=f"response_{column}")
        _sub(_sub(blank, "material"), "mattext", column)
        choices = _sub(blank, "render_choice")
        for answer, form in forms.items():
            label = _sub(choices, "response_label", ident=answer)
            _sub(_sub(label, "material"), "mattext", form, texttype="text/plain")
    processing = _sub(item, "resprocessing")
    _sub(
        _sub(processing, "outcomes"),
        "decvar",
        maxvalue="100",
        minvalue="0",
        varname="SCORE",
        vartype="Decimal",
    )
    shown = _sub(processing, "respcondition", **{"continue": "Yes"})
    _sub(_sub(shown, "conditionvar"), "other")
    _sub(shown, "displayfeedback", feedbacktype="Response", linkrefid="general_fb")
    share = f"{100 / len(accepted):.2f}"
    for column, forms in accepted.items():
        # As Canvas's export: each blank's first answer scores its share; the import reads
        # every answer of a blank as correct all the same.
        condition = _sub(processing, "respcondition")
        _sub(
            _sub(condition, "conditionvar"),
            "varequal",
            next(iter(forms)),
            respident=f"response_{column}",
        )
        _sub(condition, "setvar", share, varname="SCORE", action="Add")
    feedback = _sub(item, "itemfeedback", ident="general_fb")
    _html(_sub(feedback, "flow_mat"), question.feedback_html)


def _assessment(questions: Sequence[QuizQuestion], title: str, ident: str) -> bytes:
    root = etree.Element(f"{{{_QTI}}}questestinterop", nsmap={None: _QTI, "xsi": _XSI})
    root.set(_SCHEMA, f"{_QTI} http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd")
    assessment = _sub(root, "assessment", ident=ident, title=title)
    _metadata(assessment, {"cc_maxattempts": "1"})
    group = _sub(
        _sub(assessment, "section", ident="root_section"),
        "section",
        ident=_ident(title, "group"),
        title=title,
    )
    selection = _sub(_sub(group, "selection_ordering"), "selection")
    _sub(selection, "selection_number", "1")
    # A group gives every item the same points, and Canvas splits an item's points equally
    # among its blanks: so every variant is worth the most blanks any has, and a student's
    # share is the share of their blanks right (grade's score), however many they have.
    points = max(len(question.answers) for question in questions)
    _sub(_sub(selection, "selection_extension"), "points_per_item", f"{points}.0")
    for question in questions:
        _item(group, question, title, points)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _manifest(ident: str, href: str) -> bytes:
    """The package's manifest: one resource, the assessment, as text2qti's (less its dates)."""
    root = etree.Element(
        f"{{{_CP}}}manifest", nsmap={None: _CP, "xsi": _XSI}, identifier=_ident(ident, "manifest")
    )
    root.set(_SCHEMA, f"{_CP} http://www.imsglobal.org/xsd/imscp_v1p1.xsd")
    metadata = etree.SubElement(root, f"{{{_CP}}}metadata")
    etree.SubElement(metadata, f"{{{_CP}}}schema").text = "IMS Content"
    etree.SubElement(metadata, f"{{{_CP}}}schemaversion").text = "1.1.3"
    etree.SubElement(root, f"{{{_CP}}}organizations")
    resource = etree.SubElement(
        etree.SubElement(root, f"{{{_CP}}}resources"),
        f"{{{_CP}}}resource",
        identifier=ident,
        type="imsqti_xmlv1p2",
    )
    etree.SubElement(resource, f"{{{_CP}}}file", href=href)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def canvas_qti_zip(questions: Sequence[QuizQuestion], title: str) -> bytes:
    """The QTI .zip of ``questions``: one quiz ``title``, one question group, one variant a
    student."""
    if not questions:
        raise ValueError("a quiz needs at least one question")
    names = [question.name for question in questions]
    if len(set(names)) != len(names):
        raise ValueError("two questions have the same name")
    ident = _ident(title)
    href = f"{ident}/{ident}.xml"
    files = {"imsmanifest.xml": _manifest(ident, href), href: _assessment(questions, title, ident)}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3  # Unix, whatever system writes it
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data)
    return buffer.getvalue()
