"""The exact values shown, kept (orchestration/exact.py): SymPy only where they are shown,
and once per instance; a damaged or unwritable cache never changes the document."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import mpmath
import numpy as np
import pytest
from instances import ROOT

from orchestration.exact import _readable, exact_shown
from orchestration.single import render_solution
from solver.network import solve


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "hw3-solution" / "exact"


RENDER = """
import sys
from pathlib import Path
from orchestration.single import render_solution
from solver.config import load_problem
from solver.network import solve
tex = render_solution(solve(load_problem(Path(sys.argv[1]))), keep=True)
print("sympy" in sys.modules, len(tex))
"""


def render_alone(config: str, cache_home) -> tuple[bool, int]:
    """Render ``config``'s solution in a fresh Python: (whether SymPy was imported, length)."""
    run = subprocess.run(
        [sys.executable, "-c", RENDER, str(ROOT / config)],
        cwd=ROOT,
        env={"XDG_CACHE_HOME": str(cache_home), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    imported, length = run.stdout.split()
    return imported == "True", int(length)


def test_the_second_build_of_an_instance_imports_no_sympy(tmp_path):
    first = render_alone("problems/hw3.toml", tmp_path)
    second = render_alone("problems/hw3.toml", tmp_path)
    assert first[0] and not second[0]
    assert first[1] == second[1]


def test_an_instance_without_exact_values_imports_no_sympy(tmp_path):
    """A wide network and a mini-batch have no exact forms to show: no SymPy, ever."""
    for config in ("problems/wide.toml", "problems/batch.toml"):
        assert render_alone(config, tmp_path)[0] is False, config


def test_a_kept_result_is_the_computed_one(cache, homework):
    solution = solve(homework)
    computed = exact_shown(solution)
    assert computed[0]["forward"] and computed[1] < 1e-14
    assert exact_shown(solution, keep=True) == computed  # computed, then kept
    assert exact_shown(solution, keep=True) == computed  # read back
    assert render_solution(solution, keep=True) == render_solution(solution)


def test_another_instance_is_not_served_the_kept_one(cache, homework):
    """One number changed, in its last bit: a record of its own."""
    exact_shown(solve(homework), keep=True)
    x = homework.x.copy()
    x[1] = np.nextafter(2.0, 3.0)  # not a short decimal: no exact values at all
    assert exact_shown(solve(replace(homework, x=x)), keep=True) == (None, None)
    changed = replace(homework, epsilon=0.25)
    assert exact_shown(solve(changed), keep=True) == exact_shown(solve(changed))
    assert len(list(cache.glob("*.json"))) == 2


@pytest.mark.parametrize(
    "damage",
    [
        "",
        "{",
        '{"forms": null, "decimals": "0"}',
        '{"forms": {"forward": 1}, "decimals": {}}',
        '{"forms": {"forward": [[1]], "backward": []}, "decimals": {"h": [1]}}',
    ],
)
def test_a_damaged_record_is_computed_again(cache, homework, damage):
    solution = solve(homework)
    exact_shown(solution, keep=True)
    (record,) = cache.glob("*.json")
    record.write_text(damage)
    assert exact_shown(solution, keep=True) == exact_shown(solution)
    assert json.loads(record.read_text())["decimals"]["loss"]  # written again


def edit(record, change) -> None:
    kept = json.loads(record.read_text())
    change(kept)
    record.write_text(json.dumps(kept))


def set_value(kept, value: str, form: str | None = None) -> None:
    kept["decimals"]["y_hat"][0] = value
    if form is not None:
        kept["forms"]["forward"][0][2] = form


@pytest.mark.parametrize(
    "change",
    [
        # ŷ₁ 0.2654… made 9.9999: its form no longer has that value (issue 20: it was shown)
        lambda kept: set_value(kept, "9.9999"),
        # and the form made to match: both disagree with float64's ŷ₁
        lambda kept: set_value(kept, "0.5", r"\frac{1}{2}"),
        # a form outside the grammar, inserted as raw LaTeX before
        lambda kept: set_value(kept, "0.5", r"\href{javascript:alert(1)}{\frac{1}{2}}"),
        # a decimal that is not one
        lambda kept: set_value(kept, r"0.26\relax"),
        # a form moved to another entry's place
        lambda kept: kept["forms"]["forward"][0].__setitem__(1, 2),
        # an entry dropped
        lambda kept: kept["decimals"]["dW1"].pop(),
    ],
)
def test_an_edited_record_is_never_shown(cache, homework, change):
    """A record is checked at every read: its decimals against float64, each form against
    its decimal, in the grammar; one that fails is computed again and written anew."""
    solution = solve(homework)
    fresh = exact_shown(solution)
    exact_shown(solution, keep=True)
    (record,) = cache.glob("*.json")
    written = record.read_text()
    edit(record, change)
    assert exact_shown(solution, keep=True) == fresh
    assert record.read_text() == written
    tex = render_solution(solution, keep=True)
    assert "9.9999" not in tex and "href" not in tex and r"\frac{1}{2}" not in tex


def test_the_agreement_shown_is_measured_at_every_build(cache, homework):
    """A kept decimal moved by 1e-13 (the float64 value of ŷ₁ is right to 1e-16): the
    agreement is measured again from it, so the record is refused, not its agreement shown."""
    solution = solve(homework)
    fresh = exact_shown(solution)
    exact_shown(solution, keep=True)
    (record,) = cache.glob("*.json")
    moved = str(mpmath.mpf(json.loads(record.read_text())["decimals"]["a"][0]) * (1 + 1e-11))
    edit(record, lambda kept: kept["decimals"]["a"].__setitem__(0, moved))
    assert exact_shown(solution, keep=True) == fresh


def test_fresh_forms_all_read_back(homework):
    """Every short form SymPy's printer writes, over 60 random exact-able instances (ReLU,
    smoothing, softmax), is in report.exact_latex's grammar and has its exact value: none
    is left out of the document for being unreadable."""
    from report.exact_forms import short_forms
    from solver.exact_values import exact_decimals, exact_values

    rng = np.random.default_rng(7)
    grid = np.array([-2, -1, -0.5, -0.3, 0, 0.1, 0.5, 1, 1.5, 2, 3])
    checked = 0
    for _ in range(60):
        params = {k: rng.choice(grid, np.shape(v)) for k, v in homework.params.as_dict().items()}
        y = np.eye(3)[rng.integers(3)]
        problem = replace(
            homework,
            x=rng.choice(grid, 2),
            y=y,
            params=type(homework.params)(**params),
            epsilon=float(rng.choice([0, 0.1, 0.25])),
        )
        exact = exact_values(problem)
        if exact is None:
            continue
        forms, decimals = short_forms(exact), exact_decimals(exact)
        assert _readable(forms, decimals) == forms
        checked += sum(map(len, forms.values()))
    assert checked > 250


def test_an_unwritable_cache_only_costs_time(tmp_path, monkeypatch, homework):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    solution = solve(homework)
    assert exact_shown(solution, keep=True) == exact_shown(solution)
