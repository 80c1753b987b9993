"""pytest fixtures for module authors (registered automatically when kit is installed).

``kit_platform`` gives a fresh :class:`kit.FakePlatform` per test, closed afterwards::

    def test_my_trigger(kit_platform):
        sim = kit_platform.load(MyTrigger, configuration={"frequency": 60})
        sim.step()
        assert len(sim.run_records) == 1
"""

from __future__ import annotations

from typing import Iterator

import pytest


@pytest.fixture
def kit_platform() -> Iterator["object"]:
    """A fresh fake platform whose clock starts at 2024-01-01T00:00:00Z."""
    from kit import FakePlatform

    with FakePlatform(start="2024-01-01T00:00:00Z") as platform:
        yield platform
