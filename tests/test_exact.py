"""The exact values shown, kept (orchestration/exact.py): SymPy only where they are shown,
and once per instance; a damaged or unwritable cache never changes the document."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from instances import ROOT

from orchestration.exact import exact_shown
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
    ["", "{", '{"rows": null, "agreement": "0"}', '{"rows": {"forward": 1}, "agreement": 0.0}'],
)
def test_a_damaged_record_is_computed_again(cache, homework, damage):
    solution = solve(homework)
    exact_shown(solution, keep=True)
    (record,) = cache.glob("*.json")
    record.write_text(damage)
    assert exact_shown(solution, keep=True) == exact_shown(solution)
    assert json.loads(record.read_text())["agreement"] < 1e-14  # written again


def test_an_unwritable_cache_only_costs_time(tmp_path, monkeypatch, homework):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    solution = solve(homework)
    assert exact_shown(solution, keep=True) == exact_shown(solution)
