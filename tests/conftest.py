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
def session_formats(tmp_path_factory):
    """The session's cache folder, for the fixtures that build once per module before any
    test's own folder exists: nothing is read from or left in the user's ~/.cache. Its
    formats folder is shared by every test (below)."""
    root = tmp_path_factory.mktemp("session-cache")
    formats = root / "hw3-solution" / "formats"
    formats.mkdir(parents=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(root))
        yield formats


@pytest.fixture(autouse=True)
def own_cache_folder(session_formats, tmp_path_factory, monkeypatch) -> None:
    """Every test has a cache folder of its own (exact values, compiled templates), so no
    test sees what another left. The TeX formats are shared with the session's: a format is
    keyed by its preamble and checked against its record at every use (report.tex.format_cache),
    so sharing one is what concurrent builds of a user do; dumping one a test would double
    the suite's time. The tests of the format cache itself set a folder of their own."""
    root = tmp_path_factory.mktemp("cache")
    (root / "hw3-solution").mkdir()
    (root / "hw3-solution" / "formats").symlink_to(session_formats)
    monkeypatch.setenv("XDG_CACHE_HOME", str(root))
