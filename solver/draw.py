"""Class variants: instances of the config's shapes with new integer numbers, drawn from a seed.

Each variant keeps the config's shapes (d, n, q, and m examples for a mini-batch), its
``[training]`` values and its ``[report]`` strings (the title gains the variant's number), and
its network (layers, activations, loss) and draws new numbers in the homework's ranges: the
weights and biases are whole numbers in ``WEIGHT_RANGE``, the input's entries whole numbers
in ``INPUT_RANGE``; ``y`` is one-hot for cross-entropy, 0s and 1s for binary cross-entropy,
whole numbers in ``INPUT_RANGE`` for MSE.

A draw is kept only when it is *interesting* (:func:`is_interesting`); otherwise it is drawn
again. Variant ``k`` comes from its own stream, ``SeedSequence(seed).spawn(count)[k-1]``, so
the same seed gives the same variants, byte for byte, and variant 7 is the same whether 10 or
100 variants are drawn.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Callable

import numpy as np

from solver.activations import ACTIVATIONS
from solver.errors import ConfigError
from solver.instance import Params, Problem
from solver.losses import LOSSES
from solver.network import forward_of

WEIGHT_RANGE = (-5, 5)  # W1, b1, W2, b2: the homework's own entries lie in this range
INPUT_RANGE = (-2, 2)  # x: the homework's x = [0, 2]
MAX_DRAWS = 10_000  # redraws allowed per variant before giving up
# ... and at most as many as this many multiply-adds of forward passes pay for (a few
# seconds): the largest accepted network takes 5e6 a draw, so 1000 draws, not 10,000 (96 s).
DRAW_BUDGET = 5 * 10**9
MIN_DRAWS = 100
# Largest spread of the logits (max z − min z) for a variant to be kept at first choice: past
# it softmax saturates (ŷ below e⁻¹⁰ ≈ 5e-5) and the numbers stop being worth computing.
MAX_SPREAD = 10.0
# The numbers' grain: whole numbers, as the homework's; tenths for a class that has used
# every loss whole numbers give its network (orchestration.classroom's fair draw), so that
# each member still has a loss of their own.
WHOLE, TENTHS = 1, 10


def hidden_inputs(problem: Problem) -> list[np.ndarray]:
    """Each hidden layer's inputs h_l, one row per example: (m, n_l), m = 1 for one x."""
    batch = dataclasses.replace(problem, x=np.atleast_2d(problem.x), y=np.atleast_2d(problem.y))
    return list(forward_of(batch).hs)


def _kinked_inputs(problem: Problem) -> list[np.ndarray]:
    return [
        h
        for h, name in zip(hidden_inputs(problem), problem.activations, strict=True)
        if ACTIVATIONS[name].kinked
    ]


def has_kink(problem: Problem) -> bool:
    """Whether some (leaky) ReLU input is exactly 0, where f'(0) is a convention to apply."""
    return any(bool(np.any(h == 0)) for h in _kinked_inputs(problem))


def is_interesting(problem: Problem, kink: bool = False) -> bool:
    """Whether an instance exercises every part of the computation.

    The rule: in every (leaky) ReLU layer, for every example, some but not all units are
    active (h > 0), so its slope f'(h) is neither all one value nor the other; the input is
    not all zeros (else ∂Loss/∂W1 = 0); and an input of exactly 0 to such a layer appears
    if and only if ``kink`` (the config's own instance has one, see :func:`has_kink`).
    """
    for h in _kinked_inputs(problem):
        active = (h > 0).sum(axis=1)
        if not np.all((active > 0) & (active < h.shape[1])):
            return False
    return bool(np.any(problem.x != 0)) and has_kink(problem) == kink


def logit_spread(problem: Problem) -> float:
    """How saturated the output is, the largest over the examples: for softmax the spread
    max z − min z of the logits, for the sigmoid max |z|; 0 for MSE (no squashing)."""
    batch = dataclasses.replace(problem, x=np.atleast_2d(problem.x), y=np.atleast_2d(problem.y))
    z = forward_of(batch).z
    return LOSSES[problem.loss].saturation(z)


def saturation(problem: Problem) -> float:
    """How saturated the network is, as a share of what a variant may be: the output's
    logit spread over MAX_SPREAD, and each squashing hidden layer's largest |h| over the
    |h| past which its unit's slope is below 1% (tanh 3, sigmoid 6); at most 1 is kept at
    first choice. A saturated hidden unit passes almost no gradient back: the parameters
    before it then barely move, and one student's exercise is much easier than another's."""
    batch = dataclasses.replace(problem, x=np.atleast_2d(problem.x), y=np.atleast_2d(problem.y))
    forward = forward_of(batch)
    shares = [LOSSES[problem.loss].saturation(forward.z) / MAX_SPREAD]
    for h, name in zip(forward.hs, problem.activations, strict=True):
        if (past := ACTIVATIONS[name].saturates_past) is not None:
            shares.append(float(np.max(np.abs(h))) / past)
    return max(shares)


def draw_variants(template: Problem, count: int, seed: int) -> list[Problem]:
    """``count`` interesting instances of ``template``'s shapes, drawn from ``seed``: variants
    1..count (see draw_variant).

    Raises:
        ConfigError: no instance of these shapes can be interesting (n = 1: one hidden unit
            is either active or not), or none was found within ``MAX_DRAWS`` draws.
    """
    return [draw_variant(template, seed, k) for k in range(1, count + 1)]


def draw_variant(
    template: Problem,
    seed: int,
    key: int | str,
    fits: Callable[[Problem], bool] | None = None,
    grain: int = WHOLE,
    draws: int | None = None,
) -> Problem:
    """Variant ``key`` of ``template`` drawn from ``seed``: ``key`` a variant's number (1, 2,
    …) or a student's id; its numbers multiples of 1/``grain`` in the homework's ranges,
    within ``draws`` draws (default :func:`max_draws`). Each variant has a random stream of
    its own (numpy's SeedSequence spawn key), so it depends only on the seed and its key:
    variants 5..8 are the same built alone or with 1..4, and a student added to a roster
    changes nobody else's numbers.
    ``fits``, when given, must also hold of the draw kept (the class's question has
    something to ask of every part it names: report.question.unasked_parts).
    """
    widths = zip(template.shape[1:-1], template.activations, strict=True)
    for layer, (width, name) in enumerate(widths, 1):
        if ACTIVATIONS[name].kinked and width < 2:
            raise ConfigError(
                f"variants need n >= 2 hidden units in each (leaky) ReLU layer: with n = 1 "
                f"hidden layer {layer} cannot be partly active"
            )
    rng, label = member_stream(seed, key)
    draws = draws or max_draws(template)
    fits = fits or (lambda _: True)
    return _draw_one(template, rng, has_kink(template), label, fits, grain, draws)


def member_stream(seed: int, key: int | str) -> tuple[np.random.Generator, str]:
    """Member ``key``'s random stream from ``seed`` (numpy's SeedSequence spawn key), and how
    messages name the member: a variant's number, or a roster's student id."""
    if isinstance(key, int):  # as SeedSequence(seed).spawn(count)[key - 1]
        stream = np.random.SeedSequence(seed, spawn_key=(key - 1,))
        label = f"variant {key:03d}"
    else:  # a separate branch of the tree, keyed by the id's digest, for rosters
        words = np.frombuffer(hashlib.sha256(key.encode()).digest(), dtype=np.uint32)
        stream = np.random.SeedSequence(seed, spawn_key=(2**32 - 1, *map(int, words)))
        label = f"student {key}"
    return np.random.default_rng(stream), label


def _draw_one(
    template: Problem,
    rng: np.random.Generator,
    kink: bool,
    label: str,
    fits: Callable[[Problem], bool],
    grain: int,
    draws: int,
) -> Problem:
    """The first interesting draw that fits and is not saturated (:func:`saturation` at
    most 1); failing that (large shapes rarely give one), the least saturated."""
    best, best_spread = None, math.inf
    for _ in range(draws):
        problem = _draw(template, rng, grain)
        if not is_interesting(problem, kink):
            continue
        spread = saturation(problem)
        if spread >= best_spread or not fits(problem):  # fits() solves: asked last
            continue
        if spread <= 1:
            return problem
        best, best_spread = problem, spread
    if best is None:
        raise ConfigError(
            f"{label}: no interesting instance in {draws} draws (in every (leaky) ReLU layer "
            "some units active and some not, for every example, and something to ask of "
            "every part the [question] names): try fewer units or layers, or another question"
        )
    return best


def max_draws(template: Problem) -> int:
    """How many draws a variant may take: MAX_DRAWS, or what DRAW_BUDGET pays for in forward
    passes of the template's shapes (at least MIN_DRAWS)."""
    rows = 1 if np.ndim(template.x) == 1 else len(template.x)
    cost = rows * sum(w.size for w in template.params.weights)
    return max(MIN_DRAWS, min(MAX_DRAWS, DRAW_BUDGET // max(cost, 1)))


def _draw(template: Problem, rng: np.random.Generator, grain: int = WHOLE) -> Problem:
    """One candidate: new numbers in the template's shapes (multiples of 1/``grain``),
    everything else copied."""

    def ints(shape: tuple[int, ...], low: int, high: int) -> np.ndarray:
        whole = rng.integers(low * grain, high * grain, size=shape, endpoint=True)
        return whole / grain  # float64; tenths as the nearest doubles, as a config's 0.1

    p = template.params
    x = ints(template.x.shape, *INPUT_RANGE)
    y = LOSSES[template.loss].draw_target(rng, template.y, ints, *INPUT_RANGE)
    params = Params(**{name: ints(v.shape, *WEIGHT_RANGE) for name, v in p.as_dict().items()})
    return dataclasses.replace(template, x=x, y=y, params=params)
