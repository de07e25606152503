"""Shared fixtures."""

from __future__ import annotations

import pytest
from instances import HOMEWORK_CONFIG, homework_problem

from solver.config import load_problem
from solver.instance import Problem


@pytest.fixture
def homework() -> Problem:
    return homework_problem()


@pytest.fixture
def template() -> Problem:
    """The homework's instance as loaded from its config: what variants are drawn from."""
    return load_problem(HOMEWORK_CONFIG)


@pytest.fixture(autouse=True, scope="session")
def session_cache(tmp_path_factory):
    """The session's cache folder (formats, exact values, compiled templates), set before
    any fixture builds: nothing is read from or left in the user's ~/.cache. Every test
    shares it, as a user's concurrent builds do: each entry is keyed by what it was made
    from and checked at every use (report.cache_folder), and dumping a format per test
    would double the suite's time. The tests of the caches themselves set folders of their
    own."""
    root = tmp_path_factory.mktemp("session-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(root))
        yield root
