"""kit.helpers.timestepper: the real SDK's TimeStepper, on the virtual clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import kit
from kit.helpers.timestepper import TimeStepper


class Windows(kit.Connector):
    seen: list = []

    def run(self):
        stepper = TimeStepper.create(self, frequency=60, timedelta=1, start_time=0)
        for start, end in stepper.ranges():
            type(self).seen.append((start, end))
            if not self.running:
                break


def test_windows_follow_the_virtual_clock(platform):
    Windows.seen = []
    sim = platform.load(Windows, configuration={"intake_key": "k"})
    sim.step(3)
    assert Windows.seen[:2] == [
        (datetime(2023, 12, 31, 23, 58, tzinfo=UTC), datetime(2023, 12, 31, 23, 59, tzinfo=UTC)),
        (datetime(2023, 12, 31, 23, 59, tzinfo=UTC), datetime(2024, 1, 1, 0, 0, tzinfo=UTC)),
    ]
    assert [r.pause.split(" (")[0] for r in sim.reports] == ["sleep(60)", "sleep(60)", "sleep(60)"]
    assert [r.message for r in sim.reports[0].logs] == [
        "Current lag 0 seconds.", "Time range in the future. Waiting 60 seconds for next batch."
    ]


def test_same_windows_as_the_real_sdk(platform):
    real = pytest.importorskip("sekoia_automation.helpers.timestepper")
    start = datetime(2024, 1, 1, tzinfo=UTC)

    class Logger:
        configuration = {"intake_key": "k"}

        def log(self, *args, **kwargs):
            pass

    ours = TimeStepper.create_from_time(Logger(), start, frequency=300, timedelta=5)
    theirs = real.TimeStepper.create_from_time(Logger(), start, frequency=300, timedelta=5)
    windows = []
    for a, b in zip(ours.ranges(), theirs.ranges()):  # both ranges are far in the past: no sleep
        windows.append(a)
        assert a == b
        if len(windows) == 5:
            break
    assert windows[-1] == (datetime(2024, 1, 1, 0, 20, tzinfo=UTC), datetime(2024, 1, 1, 0, 25, tzinfo=UTC))
