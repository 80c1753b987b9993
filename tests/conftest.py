"""Shared fixtures: a fake platform with a fixed clock."""

from __future__ import annotations

import pytest

START = "2024-01-01T00:00:00Z"


@pytest.fixture
def platform():
    from kit import FakePlatform

    with FakePlatform(start=START, step_timeout=5) as fake:
        yield fake
