"""Load an instance TOML file and validate it into a :class:`~solver.instance.Problem`.

Checking runs in three passes, so that each message blames the real culprit:

1. the file itself: it exists, is UTF-8, is TOML (solver.reading);
2. each section and key on its own: present, known, and of the right form (a string, a
   number in range, a vector, a matrix that is not ragged, labels the loss accepts), as
   the schema says (solver.schema);
3. here, the arrays against each other: the widths must agree across x, y and every
   layer's W and b, within the limits a build handles.

Every failure is a :class:`~solver.errors.ConfigError` whose message is one line:
the file, the dotted field, what was expected and what was found, e.g.
``problems/mine.toml: network.W1: expected shape (2, 3) to fit x (2) and b1 (3), got (3, 2)``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import tomli_w

from solver.activations import ACTIVATIONS, DEFAULT
from solver.errors import ConfigError
from solver.instance import Params, Problem
from solver.losses import DEFAULT as DEFAULT_LOSS
from solver.losses import LOSSES
from solver.optimizers import DEFAULT as DEFAULT_OPTIMIZER
from solver.optimizers import OPTIMIZERS, Optimizer, optimizer_of
from solver.reading import (
    Invalid,
    count,
    read_config,
    shown,
)
from solver.schema import OPTION_KEYS, SCHEMA, read_sections

# The largest network and batch a build accepts: past these a build would take minutes or the
# pages would be mostly ellipses. steps × parameters bounds the training run's memory and
# results.json (about 25 bytes a number).
MAX_UNITS = 100
MAX_ROWS = 100
MAX_STEP_PARAMETERS = 1_000_000


# --- the arrays against each other ---------------------------------------------------------


def _consensus(vector: int, first: int, second: int) -> int:
    """The size two of three witnesses agree on; when the matrices disagree the vector decides.

    A lone odd witness is then the culprit, whichever array it is.
    """
    return first if first == second else vector


def _check_batch(x: np.ndarray, y: np.ndarray) -> None:
    """y has one row per row of x, or is a vector when x is."""
    if x.ndim == 1 and y.ndim == 2:
        raise Invalid(
            f"expected a vector (x is one example), got a matrix of shape {y.shape}", "network.y"
        )
    if x.ndim == 2 and y.ndim == 1:
        raise Invalid(
            f"expected a matrix with one row per row of x ({x.shape[0]}), "
            f"got a vector of {count(y.size, 'entry')}",
            "network.y",
        )
    if x.ndim == 2 and x.shape[0] != y.shape[0]:
        raise Invalid(
            f"expected {x.shape[0]} rows, one per row of x, got {y.shape[0]}", "network.y"
        )


def _check_shapes(network: Mapping[str, Any]) -> None:
    """The widths agree across the arrays: d from x, each layer's from its bias, q from y.

    The vectors are checked first, so a matrix is blamed only once the sizes it must fit
    are known to be right, and the message can name them.
    """
    x, y, loss = network["x"], network["y"], LOSSES[network.get("loss", DEFAULT_LOSS)]
    layers = sum(1 for name in network if name.startswith("W"))
    W = [network[f"W{k}"] for k in range(1, layers + 1)]
    b = [network[f"b{k}"] for k in range(1, layers + 1)]
    d = x.shape[-1]
    widths = []
    for k in range(layers):  # the width out of layer k + 1: its bias, W's columns, next rows
        after = W[k + 1].shape[0] if k + 1 < layers else y.shape[-1]
        widths.append(_consensus(b[k].size, W[k].shape[1], after))
    for k, width in enumerate(widths):
        if b[k].size != width:
            after = f"W{k + 2}'s rows" if k + 1 < layers else "y's length"
            raise Invalid(
                f"expected {count(width, 'entry')} to fit W{k + 1}'s columns and {after}, "
                f"got {b[k].size}",
                f"network.b{k + 1}",
            )
    _check_batch(x, y)
    q = widths[-1]
    if y.shape[-1] != q:
        unit = "columns" if y.ndim == 2 else "entries"
        per = loss.per
        raise Invalid(
            f"expected {q} {unit}, one per {per}, to fit b{layers} ({q}), got {y.shape[-1]}",
            "network.y",
        )
    for k in range(layers):
        rows = d if k == 0 else widths[k - 1]
        if k == 0:
            fits = (f"x ({d})" if x.ndim == 1 else f"x's {d} columns") + f" and b1 ({widths[0]})"
        else:
            fits = f"b{k} ({rows}) and b{k + 1} ({widths[k]})"
        if W[k].shape != (rows, widths[k]):
            raise Invalid(
                f"expected shape {(rows, widths[k])} to fit {fits}, got {W[k].shape}",
                f"network.W{k + 1}",
            )
    if q < loss.min_outputs:
        raise Invalid(
            f"expected at least {loss.min_outputs} classes (q >= {loss.min_outputs}), got q = {q}",
            "network.y",
        )
    _check_sizes(x, widths)


def _check_sizes(x: np.ndarray, widths: list[int]) -> None:
    """Within what a build handles: MAX_UNITS a layer, MAX_ROWS instances a batch."""
    if x.shape[-1] > MAX_UNITS:
        raise Invalid(f"expected at most {MAX_UNITS} inputs (d), got {x.shape[-1]}", "network.x")
    for k, width in enumerate(widths, 1):
        if width > MAX_UNITS:
            raise Invalid(
                f"expected at most {MAX_UNITS} units in a layer, got {width}", f"network.b{k}"
            )
    if x.ndim == 2 and x.shape[0] > MAX_ROWS:
        raise Invalid(
            f"expected at most {MAX_ROWS} rows (instances of a batch), got {x.shape[0]}",
            "network.x",
        )


def _check_training(training: Mapping[str, Any], network: Mapping[str, Any]) -> None:
    """Label smoothing goes with cross-entropy only; steps × parameters stays bounded."""
    loss = network.get("loss", DEFAULT_LOSS)
    if LOSSES[loss].smoothing and "epsilon" not in training:
        about = SCHEMA["training"]["epsilon"].about
        raise Invalid(f"missing key training.epsilon ({about})")
    if not LOSSES[loss].smoothing and training.get("epsilon", 0.0) != 0:
        smoothed = " or ".join(f'loss = "{name}"' for name, e in LOSSES.items() if e.smoothing)
        raise Invalid(
            f"label smoothing goes with {smoothed} only: expected 0 (or no "
            f'epsilon) with loss = "{loss}", got {shown(training["epsilon"])}',
            "training.epsilon",
        )
    optimizer = _check_optimizer(training)
    # The run keeps θ, and the optimizer's state, at every step.
    parameters = sum(v.size for k, v in network.items() if k[0] in "Wb" and k[1:].isdigit())
    numbers = parameters * (1 + len(optimizer.state_names))
    steps = training.get("steps", 1)
    if steps * numbers > MAX_STEP_PARAMETERS:
        held = (
            "" if numbers == parameters else f" and its {optimizer.name} state, {numbers} numbers"
        )
        raise Invalid(
            f"expected at most {MAX_STEP_PARAMETERS // numbers} steps for a network of "
            f"{parameters} parameters{held} (steps × parameters <= {MAX_STEP_PARAMETERS}), "
            f"got {steps}",
            "training.steps",
        )


def _check_optimizer(training: Mapping[str, Any]) -> Optimizer:
    """The optimizer's options are its own, in the combinations PyTorch accepts."""
    name = training.get("optimizer", DEFAULT_OPTIMIZER)
    entry = OPTIMIZERS[name]
    given = {k: v for k, v in training.items() if k in OPTION_KEYS}
    for key in given:
        if key not in entry.options:
            owners = [f'"{n}"' for n, e in OPTIMIZERS.items() if key in e.options]
            raise Invalid(
                f'not an option of optimizer = "{name}" (it has '
                f"{', '.join(entry.options)}; {key} is {' and '.join(owners)}'s)",
                f"training.{key}",
            )
    optimizer = optimizer_of(name, given)
    refusal = entry.check(optimizer.options)
    if refusal is not None:
        key, message = refusal.split(": ", 1)
        raise Invalid(message, f"training.{key}")
    return optimizer


def _check_activations(network: Mapping[str, Any]) -> tuple[str, ...]:
    """One activation per hidden layer: a single name applies to every one."""
    hidden = sum(1 for name in network if name.startswith("W")) - 1
    names = network.get("activation", (DEFAULT,))
    if len(names) == 1:
        return names * hidden
    if len(names) != hidden:
        raise Invalid(
            f"expected one activation, or a list of {hidden} (one per hidden layer), "
            f"got a list of {len(names)}",
            "network.activation",
        )
    return names


# --- the public API ------------------------------------------------------------------------


def parse_problem(data: Mapping[str, Any], source: str) -> Problem:
    """Validate already-parsed TOML into a Problem; ``source`` names it in error messages.

    Raises:
        ConfigError: with a one-line message ``source: field: expected …, got …``.
    """
    return parse_config(data, source)[0]


def parse_config(data: Mapping[str, Any], source: str) -> tuple[Problem, dict[str, dict[str, Any]]]:
    """Validate already-parsed TOML: the instance, and beside it the settings that are not
    the instance's, ``{"report": …, "question": …}`` (their types and lengths read, a
    [question]'s parameters known to the network; report.settings makes them a ReportInfo).

    Raises:
        ConfigError: with a one-line message ``source: field: expected …, got …``.
    """
    try:
        sections = read_sections(data)
        network, training = sections["network"], sections["training"]
        _check_shapes(network)
        activations = _check_activations(network)
        _check_training(training, network)
    except Invalid as err:
        raise ConfigError(err.line(source)) from None
    params = Params(**{k: v for k, v in network.items() if k[0] in "Wb" and k[1:].isdigit()})
    problem = Problem(
        x=network["x"],
        y=network["y"],
        params=params,
        epsilon=training.get("epsilon", 0.0),
        learning_rate=training["learning_rate"],
        steps=training.get("steps", 1),
        activations=activations,
        negative_slope=network.get("negative_slope", 0.01),
        loss=network.get("loss", DEFAULT_LOSS),
        optimizer=_check_optimizer(training),
        l2=training.get("l2", 0.0),
    )
    for name in sections["question"].get("parameters", ()):
        if name not in network:
            known = ", ".join(params.as_dict())
            message = f"no parameter {name} in this network (it has {known})"
            raise ConfigError(Invalid(message, "question.parameters").line(source))
    step = sections["question"].get("step", 1)
    if step > problem.steps:
        message = f"expected a step of the run, 1 to {problem.steps} (training.steps), got {step}"
        raise ConfigError(Invalid(message, "question.step").line(source))
    if step > 1 and "updated" not in sections["question"].get("ask", ("updated",)):
        message = 'a step is asked of the updated parameters: add "updated" to question.ask'
        raise ConfigError(Invalid(message, "question.step").line(source))
    return problem, {"report": sections["report"], "question": sections["question"]}


def load_problem(path: str | os.PathLike[str]) -> Problem:
    """Read, parse and validate the instance TOML file at ``path``.

    Raises:
        ConfigError: the file is missing, unreadable, too large, not UTF-8, empty, not TOML,
            or does not fit :data:`SCHEMA`; the message is one line starting with ``path``.
    """
    _, data = read_config(Path(os.fspath(path)))
    return parse_problem(data, os.fspath(path))


def problem_toml(
    problem: Problem,
    comment: str = "",
    *,
    report: Mapping[str, Any] | None = None,
    question: Mapping[str, Any] | None = None,
) -> str:
    """The instance, with the [report] table ``report`` (none: the document's defaults) and
    the [question] table ``question`` (none: the homework's), as a
    config file in :data:`SCHEMA`, which :func:`parse_config` reads back exactly: whole
    numbers are written as integers, other floats so that they round-trip."""
    network = {"x": problem.x, "y": problem.y, **problem.params.as_dict()}
    if problem.activations != (DEFAULT,) or problem.loss != DEFAULT_LOSS:  # else the defaults
        network.update(loss=problem.loss, activation=list(problem.activations))
        if any(ACTIVATIONS[name].uses_alpha for name in problem.activations):
            network["negative_slope"] = problem.negative_slope
    training = {
        "epsilon": problem.epsilon,
        "learning_rate": problem.learning_rate,
        "steps": problem.steps,
    }
    if problem.optimizer.name != DEFAULT_OPTIMIZER:
        training["optimizer"] = problem.optimizer.name
    training |= problem.optimizer.given()
    if problem.l2:
        training["l2"] = problem.l2
    tables = {
        **({"report": dict(report)} if report else {}),
        **({"question": dict(question)} if question else {}),
        "network": {key: _plain(value) for key, value in network.items()},
        "training": {key: _plain(value) for key, value in training.items()},
    }
    header = "".join(f"# {line}\n" for line in comment.splitlines())
    return header + ("\n" if header else "") + tomli_w.dumps(tables)


def _plain(value: Any) -> Any:
    """Arrays as nested lists, whole floats as ints (``-5`` rather than ``-5.0``; -0.0 keeps
    its sign)."""
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer() and str(value) != "-0.0":
        return int(value)
    return value
