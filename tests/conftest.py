"""Shared fixtures."""

from __future__ import annotations

import pytest
from instances import homework_problem

from solver.instance import Problem


@pytest.fixture
def homework() -> Problem:
    return homework_problem()
