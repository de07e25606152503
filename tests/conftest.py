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
