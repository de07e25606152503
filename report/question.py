r"""What a class is asked: the config's [question] table, and the answers it makes, in order.

``ask`` names the quantities asked, answered in this order whatever order it lists them:
``"loss"`` (the loss at the initial parameters), ``"forward"`` (every forward value: h, a of
each hidden layer, z, ŷ), ``"gradients"`` (∇Loss of each parameter) and ``"updated"`` (each
parameter after the step: the first, or the ``step`` named, θ⁽ᵏ⁺¹⁾ after step k of a run
of several). ``parameters`` narrows the gradients and updated parameters asked to those
named (``["W2", "b2"]``: the output layer's); none named, all. The default is the homework's
own task: the loss and every parameter after one step.

An entry whose answer the handout already prints is not asked unless ``ask_given`` is true:
an updated entry equal to its starting value at the report's decimals (a dead ReLU unit,
an input of 0 and a small gradient leave many), and a gradient that rounds to 0. Copying
the given numbers into every box then earns nothing. The solution still shows them.

Every answer has a *column*, its name in answer-key.csv, in a responses file, in Canvas's
blanks, and its label in the handout and the quiz:

=============  ==============  ==========================================
column         what            label
=============  ==============  ==========================================
``loss``       the loss        Loss
``h_2``        forward value   (h)₂: entry 2 (``h2_2``: of hidden layer 2;
                               a batch's ``h_3_2``: row 3, entry 2)
``dW1_1_2``    gradient        (∇_{W₁} Loss)₁,₂
``W1_1_2``     updated         (W₁′)₁,₂ (after step k > 1: (W₁⁽ᵏ⁺¹⁾)₁,₂)
=============  ==============  ==========================================

results.json's "question" records the decimals, ``ask``, ``parameters`` (and a ``step`` past
the first) and the columns
asked (they depend on the variant's numbers), so that ``check``, ``grade``, the key and the
LMS exports read one list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from report.answer_rule import printed
from report.graph_tex import name_tex
from report.notation import param_tex
from solver.graph_config import GRADIENT_COLUMN  # a graph exercise's: "df_dx"
from solver.schema import ASKABLE as QUANTITIES  # the answers' order

DEFAULT_ASK = ("loss", "updated")  # the homework's Problem 2
GRADIENT = "d"  # a gradient's column: "dW1_1_2"
FORWARD = ("h", "a", "z", "y_hat")  # results.json's forward values a student computes
TOP = ""  # the table of an answer at results.json's top level: a graph exercise's f


@dataclass(frozen=True)
class Question:
    """The [question] table, as the schema read it."""

    ask: tuple[str, ...] = DEFAULT_ASK
    parameters: tuple[str, ...] = ()  # none: every parameter
    ask_given: bool = False
    penalty: float = 0.0  # Moodle's share of the marks lost per extra try
    step: int = 1  # the updated parameters asked are θ⁽ˢᵗᵉᵖ⁺¹⁾, after this step

    def table(self) -> dict[str, Any]:
        """As the config's [question] table: the keys that differ from the defaults."""
        table = {
            "ask": list(self.ask),
            "parameters": list(self.parameters),
            "ask_given": self.ask_given,
            "penalty": self.penalty,
            "step": self.step,
        }
        default = Question()
        return {k: v for k, v in table.items() if getattr(self, k) != getattr(default, k)}


DEFAULT_QUESTION = Question()


def question_of(table: Mapping[str, Any]) -> Question:
    """The [question] table as a Question (the schema has read its types and names)."""
    ask = tuple(q for q in QUANTITIES if q in table.get("ask", DEFAULT_ASK))
    return Question(
        ask=ask,
        parameters=tuple(table.get("parameters", ())),
        ask_given=table.get("ask_given", DEFAULT_QUESTION.ask_given),
        penalty=float(table.get("penalty", DEFAULT_QUESTION.penalty)),
        step=table.get("step", DEFAULT_QUESTION.step),
    )


@dataclass(frozen=True)
class Answer:
    """One entry that may be asked: its column, the part it counts for in a class report
    (``loss``, ``h``, ``dW1``, ``W1``), where results.json holds it, and its value."""

    column: str
    part: str
    table: str  # results.json's table: forward, gradients or updated (TOP: a graph's f)
    name: str  # the key in that table: loss, h2, W1, …
    index: tuple[int, ...]
    value: float


def _entries(part: str, table: str, name: str, value: Any) -> Iterator[Answer]:
    array = np.asarray(value, dtype=np.float64)
    for index in np.ndindex(array.shape):
        column = "_".join([part, *(str(i + 1) for i in index)])
        yield Answer(column, part, table, name, index, float(array[index]))


def every_answer(results: Mapping[str, Any]) -> Iterator[Answer]:
    """Every entry a question may ask, in the answers' order (:data:`QUANTITIES`); a graph
    exercise's (report.graph_results): f, then ∂f/∂input per input, columns ``df_dINPUT``."""
    if results.get("family") == "graph":
        yield Answer("f", "f", TOP, "f", (), float(results["f"]))
        for name, value in results["gradients"].items():
            column = GRADIENT_COLUMN + name
            yield Answer(column, column, "gradients", name, (), float(value))
        return
    forward = results.get("forward", {})
    if "loss" in forward:
        yield Answer("loss", "loss", "forward", "loss", (), float(forward["loss"]))
    for name, value in forward.items():
        if name.rstrip("0123456789") in FORWARD:
            yield from _entries(name, "forward", name, value)
    for name, value in results.get("gradients", {}).items():
        yield from _entries(GRADIENT + name, "gradients", name, value)
    for name, value in results["updated"].items():
        yield from _entries(name, "updated", name, value)


def quantity(answer: Answer) -> str:
    """Which of :data:`QUANTITIES` an answer is."""
    return "loss" if answer.part == "loss" else answer.table


def unchanged(before: float, after: float, decimals: int) -> bool:
    """Whether a step leaves a parameter's entry as it was, at the printed decimals.

    >>> unchanged(0.5, 0.50004, 4), unchanged(0.5, 0.50006, 4)
    (True, False)
    """
    return printed(after, decimals) == printed(before, decimals)


def unchanged_entries(
    start: Mapping[str, np.ndarray], updated: Mapping[str, np.ndarray], decimals: int
) -> dict[str, list[tuple[int, ...]]]:
    """Per parameter, the entries (0-based) one step leaves unchanged at ``decimals``."""
    found = {}
    for name, before in start.items():
        after = np.asarray(updated[name])
        entries = [
            index
            for index in np.ndindex(after.shape)
            if unchanged(float(before[index]), float(after[index]), decimals)
        ]
        if entries:
            found[name] = entries
    return found


def _given(answer: Answer, start: Mapping[str, np.ndarray], decimals: int) -> bool:
    """Whether the handout prints this answer already: an updated entry equal to its start
    at the printed decimals, or a gradient that prints as 0."""
    if answer.table == "updated":
        before = float(start[answer.name][answer.index])
        return unchanged(before, answer.value, decimals)
    if answer.table == "gradients":
        return float(printed(answer.value, decimals)[0]) == 0
    return False


def named(answer: Answer, ask: Sequence[str], parameters: Sequence[str]) -> bool:
    """Whether a question asking ``ask`` of ``parameters`` (none: all) names this answer,
    given away or not."""
    chosen = not parameters or answer.name in parameters
    return quantity(answer) in ask and (answer.table == "forward" or chosen)


def asked_columns(
    results: Mapping[str, Any],
    start: Mapping[str, np.ndarray],
    question: Question,
    decimals: int,
) -> list[str]:
    """The columns the question asks of a variant whose starting parameters are ``start``
    and whose results are ``results``, in order."""
    columns = []
    for answer in every_answer(results):
        if not named(answer, question.ask, question.parameters):
            continue
        if not question.ask_given and _given(answer, start, decimals):
            continue
        columns.append(answer.column)
    return columns


def asked_answers(results: Mapping[str, Any]) -> list[Answer]:
    """The answers a results.json's question asks, in order: its "columns"; a results.json
    written before it said, the homework's (the loss and every updated entry)."""
    columns = results.get("question", {}).get("columns")
    every = every_answer(results)
    if columns is None:
        return [a for a in every if quantity(a) in DEFAULT_ASK]
    wanted = set(columns)
    return [a for a in every if a.column in wanted]


def unasked_parts(results: Mapping[str, Any]) -> list[str]:
    """The parts the question names that it asks nothing of (every entry given away): the
    loss, each forward value, each chosen parameter's gradient and update. A class's draw
    keeps only variants with none, so every student is asked the same parts."""
    question = results["question"]
    wanted = [
        answer.part
        for answer in every_answer(results)
        if named(answer, question["ask"], question["parameters"])
    ]
    asked = {part_of(column) for column in question["columns"]}
    return [part for part in dict.fromkeys(wanted) if part not in asked]


_COLUMN = re.compile(r"(?P<part>.+?)(?P<index>(?:_\d+)*)")


def forward_tex(name: str, batch: bool) -> str:
    r"""A forward value's name in results.json as TeX: a batch's arrays are capitals.

    >>> forward_tex("a2", False), forward_tex("y_hat", True), forward_tex("y_smooth", False)
    ('\\vect{a}_{2}', '\\hat{\\vect{Y}}', '\\vect{y}^{s}')
    """
    letter = name[0].upper() if batch else name[0]
    if name == "y_hat":
        return rf"\hat{{\vect{{{letter}}}}}"
    if name == "y_smooth":
        return rf"\vect{{{letter}}}^{{s}}"
    return rf"\vect{{{letter}}}" + (f"_{{{name[1:]}}}" if name[1:] else "")


def part_tex(part: str, batch: bool = False, step: int = 1) -> str:
    r"""A part's quantity in TeX, as the handout writes it: a parameter after ``step`` steps
    is W′ after the first, W⁽ᵏ⁺¹⁾ after step k of a run (θ⁽¹⁾ the given parameters).

    >>> part_tex("loss"), part_tex("W1"), part_tex("db2")
    ('\\mathrm{Loss}', "\\vect{W}_{1}'", '\\nabla_{\\vect{b}_{2}} \\mathrm{Loss}')
    >>> part_tex("y_hat", batch=True), part_tex("b2", step=3)
    ('\\hat{\\vect{Y}}', '\\vect{b}_{2}^{(4)}')

    A graph exercise's (report.graph_results), whose names are letters and digits:

    >>> part_tex("f"), part_tex("df_dw1")
    ('f', '\\partial f / \\partial w_{1}')
    """
    if part == "loss":
        return r"\mathrm{Loss}"
    if part == "f":
        return "f"
    if part.startswith(GRADIENT_COLUMN):
        return rf"\partial f / \partial {name_tex(part.removeprefix(GRADIENT_COLUMN))}"
    if part[0] == GRADIENT and part[1:2] in ("W", "b") and part[2:].isdigit():
        return rf"\nabla_{{{param_tex(part[1:])}}} \mathrm{{Loss}}"
    if part[0] in ("W", "b") and part[1:].isdigit():
        return f"{param_tex(part)}'" if step == 1 else f"{param_tex(part)}^{{({step + 1})}}"
    return forward_tex(part, batch)


def answer_tex(column: str, batch: bool = False, step: int = 1) -> str:
    r"""An answer's label in TeX, as the handout writes the quantity: the same in the
    handout's answer sheet, the quiz and the key. Subscripts, not brackets: Canvas would
    read ``[2]`` in a question's text as a blank's name.

    >>> answer_tex("loss"), answer_tex("W1_1_2"), answer_tex("db2_3")
    ('\\mathrm{Loss}', "(\\vect{W}_{1}')_{1,2}", '(\\nabla_{\\vect{b}_{2}} \\mathrm{Loss})_{3}')
    >>> answer_tex("y_hat_2"), answer_tex("h2_1_3", batch=True)
    ('(\\hat{\\vect{y}})_{2}', '(\\vect{H}_{2})_{1,3}')
    """
    match = _COLUMN.fullmatch(column)
    part, index = match["part"], match["index"].lstrip("_").replace("_", ",")
    if not index:  # the loss, a graph's f or ∂f/∂x
        return part_tex(part)
    return f"({part_tex(part, batch, step)})_{{{index}}}"


def _names(names: list[str], math) -> str:
    """``["W1", "b1"]`` as "$W_1$ and $b_1$"."""
    shown = [math(param_tex(name)) for name in names]
    return ", ".join(shown[:-1]) + (" and " if len(shown) > 1 else "") + shown[-1]


def task_words(question: Question, math=lambda tex: f"${tex}$") -> str:
    r"""What the question asks, in words, for a sentence "Compute …"; ``math`` sets a
    formula (TeX's ``$…$`` by default, MathJax's ``\(…\)`` in a quiz).

    >>> task_words(Question())
    'the loss at the initial parameters and every parameter after the step'
    >>> task_words(Question(ask=("gradients",), parameters=("W1", "b1")))
    'the gradient of the loss with respect to $\\vect{W}_{1}$ and $\\vect{b}_{1}$'
    >>> task_words(Question(ask=("updated",), parameters=("W2",), step=2))
    '$\\vect{W}_{2}$ after step 2'
    """
    chosen = list(question.parameters)
    asked = []
    if "loss" in question.ask:
        asked.append("the loss at the initial parameters")
    if "forward" in question.ask:
        asked.append("every value of the forward pass")
    if "gradients" in question.ask:
        about = _names(chosen, math) if chosen else "every parameter"
        asked.append(f"the gradient of the loss with respect to {about}")
    if "updated" in question.ask:
        which = "the step" if question.step == 1 else f"step {question.step}"
        asked.append((_names(chosen, math) if chosen else "every parameter") + f" after {which}")
    return ", ".join(asked[:-1]) + (" and " if len(asked) > 1 else "") + asked[-1]


def before_rule(question: Question) -> str:
    """The words between the task and the rule it runs: "…, for one step of Adam", or, when
    the task names a later step ("… after step 2"), "… of Adam".

    >>> before_rule(Question()), before_rule(Question(step=3))
    (', for one step of', ' of')
    """
    return ", for one step of" if question.step == 1 else " of"


def later_step_words(math=lambda tex: f"${tex}$") -> str:
    r"""What W⁽ᵏ⁺¹⁾ in a label means, said beside a task that asks a later step than the first.

    >>> later_step_words()
    '$\\vect{W}_l^{(t+1)}$ and $\\vect{b}_l^{(t+1)}$ are the parameters after step $t$'
    """
    weight, bias = math(r"\vect{W}_l^{(t+1)}"), math(r"\vect{b}_l^{(t+1)}")
    return f"{weight} and {bias} are the parameters after step {math('t')}"


def part_of(column: str) -> str:
    """The part an answer counts for: its column without the entry's index.

    >>> part_of("W1_2_3"), part_of("y_hat_1"), part_of("loss"), part_of("dW2_1_1")
    ('W1', 'y_hat', 'loss', 'dW2')
    """
    return _COLUMN.fullmatch(column)["part"]


def by_part(verdicts: Mapping[str, bool]) -> dict[str, list[bool]]:
    """A student's verdicts, column by column, gathered by the part each counts for, in
    order: what grades.csv's "k of n" and the class report count.

    >>> by_part({"loss": True, "W1_1_1": True, "W1_1_2": False})
    {'loss': [True], 'W1': [True, False]}
    """
    parts: dict[str, list[bool]] = {}
    for column, ok in verdicts.items():
        parts.setdefault(part_of(column), []).append(ok)
    return parts
