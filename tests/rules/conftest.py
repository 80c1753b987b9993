"""Fixtures of the rules-engine tests: a plain fake clock (a mutable float) and engines."""

from __future__ import annotations

import os
import sys

import pytest

# Let the tests run from a checkout without installing the package.
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from rules_helpers import Clock, Runner, ts  # noqa: E402


@pytest.fixture
def clock() -> Clock:
    # Friday 2024-06-07 12:03:10 UTC, the semantics document's reference instant
    return Clock(ts(2024, 6, 7, 12, 3, 10))


@pytest.fixture
def runner() -> Runner:
    return Runner()


@pytest.fixture
def engine(clock, runner):
    from kit._rules import RulesEngine

    eng = RulesEngine(":memory:", now=clock, run_action=runner)
    yield eng
    eng.close()
