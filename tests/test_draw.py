"""Drawing class variants (solver/draw.py): seeded, independent per variant, interesting."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from instances import assert_same_problem

from solver.config import problem_toml
from solver.draw import (
    INPUT_RANGE,
    MAX_SPREAD,
    WEIGHT_RANGE,
    draw_variants,
    has_kink,
    is_interesting,
)
from solver.errors import ConfigError
from solver.instance import Params
from solver.network import solve


def test_same_seed_same_variants(template):
    """The same seed gives equal arrays and identical config.toml text."""
    first, second = draw_variants(template, 6, seed=11), draw_variants(template, 6, seed=11)
    for a, b in zip(first, second, strict=True):
        assert_same_problem(a, b)
        assert problem_toml(a) == problem_toml(b)


def test_different_seed_different_variants(template):
    """Another seed gives other numbers."""
    texts = {problem_toml(v) for seed in (1, 2) for v in draw_variants(template, 4, seed)}
    assert len(texts) == 8


def test_variant_k_does_not_depend_on_how_many_are_drawn(template):
    """Each variant has its own stream: the first 3 of 8 are the 3 of 3."""
    few, many = draw_variants(template, 3, seed=5), draw_variants(template, 8, seed=5)
    for a, b in zip(few, many[:3], strict=True):
        assert problem_toml(a) == problem_toml(b)


def test_every_variant_is_interesting(template):
    """Whole numbers in range, one-hot y, ReLU partly active, x ≠ 0, no h exactly 0."""
    variants = draw_variants(template, 200, seed=3)
    assert not has_kink(template)
    for v in variants:
        for name, values in v.params.as_dict().items():
            assert np.all(values == np.round(values)), name
            assert WEIGHT_RANGE[0] <= values.min() and values.max() <= WEIGHT_RANGE[1], name
        assert np.all(v.x == np.round(v.x)) and INPUT_RANGE[0] <= v.x.min() <= v.x.max() <= 2
        assert sorted(v.y) == [0, 0, 1]
        h = solve(v).forward.h  # the solver's own h
        assert 0 < np.sum(h > 0) < 3 and np.all(h != 0) and np.any(v.x != 0)
        assert is_interesting(v)
        z = solve(v).forward.z
        assert z.max() - z.min() <= MAX_SPREAD  # softmax not saturated
        assert (v.epsilon, v.learning_rate, v.steps) == (0.3, 0.1, template.steps)
    assert len({v.y.argmax() for v in variants}) == 3  # every class is drawn


def test_large_shapes_take_the_least_saturated_draw(template):
    """Large shapes still get a variant: the least saturated draw when none is within MAX_SPREAD."""
    rng = np.random.default_rng(0)
    big = dataclasses.replace(
        template,
        x=rng.integers(-2, 3, 8).astype(float),
        y=np.eye(6)[2],
        params=Params(W1=np.ones((8, 9)), b1=np.ones(9), W2=np.ones((9, 6)), b2=np.ones(6)),
    )
    (variant,) = draw_variants(big, 1, seed=5)
    assert is_interesting(variant) and variant.params.W2.shape == (9, 6)


def test_a_kink_in_the_config_asks_for_one_in_every_variant(template):
    """A config whose h has an exact 0 gets variants with one too (ReLU'(0) = 0 to apply)."""
    b1 = template.params.b1.copy()
    b1[1] = -4  # the homework's h = [-13, 2, -5] becomes [-13, 0, -5]
    kinked = dataclasses.replace(template, params=dataclasses.replace(template.params, b1=b1))
    assert has_kink(kinked)
    for v in draw_variants(kinked, 50, seed=9):
        h = solve(v).forward.h
        assert np.any(h == 0) and 0 < np.sum(h > 0) < 3


def test_one_hidden_unit_cannot_be_partly_active(template):
    """n = 1 has no interesting instance: a ConfigError says why."""
    params = Params(W1=np.ones((2, 1)), b1=np.ones(1), W2=np.ones((1, 3)), b2=np.ones(3))
    with pytest.raises(ConfigError, match="n >= 2 hidden units"):
        draw_variants(dataclasses.replace(template, params=params), 2, seed=0)


def test_a_numbered_variant_is_named_in_its_title_a_roster_one_by_its_student(template):
    """The [report] of a member's variant (orchestration.classroom): "…, variant 007" in the
    title, or the student's name and id under it."""
    from orchestration.classroom import _member_info
    from orchestration.roster import Member
    from report.settings import DEFAULT_INFO

    numbered = _member_info(DEFAULT_INFO, Member("variant-007", 7))
    assert numbered.title == f"{DEFAULT_INFO.title}, variant 007" and not numbered.student
    member = Member("s1", "s1", student="Ada", student_id="s1")
    named = _member_info(DEFAULT_INFO, member)
    assert named.title == DEFAULT_INFO.title and named.student == "Ada"


def _largest(homework, activation: str = "relu") -> object:
    """The largest accepted network: 100 inputs, 4 hidden layers of 100, 100 classes, 100 rows."""
    rng = np.random.default_rng(0)
    widths = [100] * 6
    return dataclasses.replace(
        homework,
        x=rng.integers(-2, 3, (100, 100)).astype(float),
        y=np.eye(100)[rng.integers(100, size=100)],
        params=Params(
            weights=[np.ones((a, b)) for a, b in zip(widths, widths[1:], strict=False)],
            biases=[np.zeros(b) for b in widths[1:]],
        ),
        activations=(activation,) * 4,
    )


def test_a_draw_of_a_large_network_gives_up_within_its_budget(homework, monkeypatch):
    """The largest ReLU network rarely has an interesting draw: it stops after what the
    budget pays for (1000 draws, ~2 s; 10,000 took 96 s), in one line that says why."""
    from solver import draw

    largest = _largest(homework)
    assert draw.max_draws(largest) == 1000 and draw.max_draws(homework) == draw.MAX_DRAWS
    monkeypatch.setattr(draw, "DRAW_BUDGET", 200 * 5 * 10**6)  # 200 draws, for the test's time
    real, drawn = draw._draw, []
    monkeypatch.setattr(draw, "_draw", lambda *a: drawn.append(1) or real(*a))
    monkeypatch.setattr(draw, "is_interesting", lambda *a: False)  # none, as for 4 ReLU layers
    with pytest.raises(ConfigError, match=r"^variant 001: no interesting instance in 200 draws"):
        draw.draw_variant(largest, 1, 1)
    assert len(drawn) == 200
