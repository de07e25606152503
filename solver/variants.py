"""Class variants: instances of the config's shapes with new integer numbers, drawn from a seed.

Each variant keeps the config's shapes (d, n, q, and m examples for a mini-batch), its
``[training]`` values and its ``[report]`` strings (the title gains the variant's number), and
draws new numbers in the homework's ranges: the weights and biases are whole numbers in
``WEIGHT_RANGE``, the input's entries whole numbers in ``INPUT_RANGE``, and ``y`` is one-hot.

A draw is kept only when it is *interesting* (:func:`is_interesting`); otherwise it is drawn
again. Variant ``k`` comes from its own stream, ``SeedSequence(seed).spawn(count)[k-1]``, so
the same seed gives the same variants, byte for byte, and variant 7 is the same whether 10 or
100 variants are drawn.
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np

from solver.errors import ConfigError
from solver.problem import Params, Problem

WEIGHT_RANGE = (-5, 5)  # W1, b1, W2, b2: the homework's own entries lie in this range
INPUT_RANGE = (-2, 2)  # x: the homework's x = [0, 2]
MAX_DRAWS = 10_000  # redraws allowed per variant before giving up
# Largest spread of the logits (max z − min z) for a variant to be kept at first choice: past
# it softmax saturates (ŷ below e⁻¹⁰ ≈ 5e-5) and the numbers stop being worth computing.
MAX_SPREAD = 10.0


def hidden_inputs(problem: Problem) -> np.ndarray:
    """The ReLU inputs h = W1ᵀx + b1, one row per example: shape (m, n), m = 1 for one x."""
    return np.atleast_2d(problem.x) @ problem.params.W1 + problem.params.b1


def has_kink(problem: Problem) -> bool:
    """Whether some ReLU input is exactly 0, where ReLU'(0) = 0 is a convention to apply."""
    return bool(np.any(hidden_inputs(problem) == 0))


def is_interesting(problem: Problem, kink: bool = False) -> bool:
    """Whether an instance exercises every part of the computation.

    The rule: for every example, some but not all hidden units are active (h > 0), so the
    ReLU mask is neither all ones nor all zeros; the input is not all zeros (else
    ∂Loss/∂W1 = 0); and a ReLU input of exactly 0 appears if and only if ``kink`` (the
    config's own instance has one, see :func:`has_kink`).
    """
    h = hidden_inputs(problem)
    active = (h > 0).sum(axis=1)
    partly_active = bool(np.all((active > 0) & (active < h.shape[1])))
    return partly_active and bool(np.any(problem.x != 0)) and has_kink(problem) == kink


def logit_spread(problem: Problem) -> float:
    """max z − min z over each example's logits, the largest over the examples."""
    a = np.maximum(hidden_inputs(problem), 0.0)
    z = a @ problem.params.W2 + problem.params.b2
    return float((z.max(axis=1) - z.min(axis=1)).max())


def draw_variants(template: Problem, count: int, seed: int) -> list[Problem]:
    """``count`` interesting instances of ``template``'s shapes, drawn from ``seed``.

    Raises:
        ConfigError: no instance of these shapes can be interesting (n = 1: one hidden unit
            is either active or not), or none was found within ``MAX_DRAWS`` draws.
    """
    if template.shape[1] < 2:
        raise ConfigError(
            "variants need n >= 2 hidden units: with n = 1 the hidden layer cannot be partly active"
        )
    kink = has_kink(template)
    streams = np.random.SeedSequence(seed).spawn(count)
    return [
        _draw_one(template, np.random.default_rng(s), k, kink) for k, s in enumerate(streams, 1)
    ]


def _draw_one(template: Problem, rng: np.random.Generator, number: int, kink: bool) -> Problem:
    """The first interesting draw whose softmax is not saturated; failing that (large shapes
    rarely give one), the interesting draw with the smallest logit spread."""
    best, best_spread = None, math.inf
    for _ in range(MAX_DRAWS):
        problem = _draw(template, rng, number)
        if not is_interesting(problem, kink):
            continue
        spread = logit_spread(problem)
        if spread <= MAX_SPREAD:
            return problem
        if spread < best_spread:
            best, best_spread = problem, spread
    if best is None:
        raise ConfigError(f"variant {number:03d}: no interesting instance in {MAX_DRAWS} draws")
    return best


def _draw(template: Problem, rng: np.random.Generator, number: int) -> Problem:
    """One candidate: new numbers in the template's shapes, everything else copied."""

    def ints(shape: tuple[int, ...], low: int, high: int) -> np.ndarray:
        return rng.integers(low, high, size=shape, endpoint=True).astype(np.float64)

    p = template.params
    x = ints(template.x.shape, *INPUT_RANGE)
    y = np.zeros_like(template.y)
    classes = rng.integers(0, y.shape[-1], size=y.shape[:-1])
    np.put_along_axis(y, np.expand_dims(classes, -1), 1.0, axis=-1)
    params = Params(**{name: ints(v.shape, *WEIGHT_RANGE) for name, v in p.as_dict().items()})
    title = f"{template.report.title}, variant {number:03d}"
    report = dataclasses.replace(template.report, title=title)
    return dataclasses.replace(template, x=x, y=y, params=params, report=report)


# --- writing an instance back as TOML, in the config schema --------------------------------


def toml_value(value: object) -> str:
    r"""A value as TOML text that the config loader reads back exactly.

    Whole floats are written as integers, other floats by ``repr`` (which round-trips).

    >>> print(toml_value(-5.0), toml_value(0.3), toml_value([[1.0, 2.5]]), toml_value('say "hi"'))
    -5 0.3 [[1, 2.5]] "say \"hi\""
    """
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, bool):
        raise TypeError("booleans are not part of the config schema")
    if isinstance(value, str):
        # JSON's escapes are TOML's; DEL is the one control character JSON leaves raw.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007F")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value}")
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def config_toml(problem: Problem, comment: str = "") -> str:
    """The instance as a config file in the schema of :mod:`solver.config`."""
    report = dataclasses.asdict(problem.report)
    network = {"x": problem.x, "y": problem.y, **problem.params.as_dict()}
    training = {
        "epsilon": problem.epsilon,
        "learning_rate": problem.learning_rate,
        "steps": problem.steps,
    }
    lines = [f"# {line}" for line in comment.splitlines()]
    for section, values in (("report", report), ("network", network), ("training", training)):
        lines += ["", f"[{section}]"] if lines else [f"[{section}]"]
        lines += [f"{key} = {toml_value(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"
