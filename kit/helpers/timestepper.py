"""``TimeStepper``, as in ``sekoia_automation.helpers.timestepper``: walk time windows up to now.

It sleeps with ``time.sleep`` when the next window is in the future, so in a kit
simulation each wait is a pause point on the virtual clock.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from datetime import datetime
from datetime import timedelta as _timedelta
from typing import Any

from kit import _runtime


class TimeStepper:
    """Yields ``(start, end)`` windows of ``timedelta`` width, ``frequency`` apart, lagging ``timedelta`` behind now."""

    def __init__(
        self,
        trigger: Any,
        start: datetime,
        end: datetime,
        frequency: _timedelta,
        timedelta: _timedelta,
        metric: Any = None,
    ) -> None:
        self.trigger = trigger
        self.start = start
        self.end = end
        self.frequency = frequency
        self.timedelta = timedelta
        self.metric = metric

    def _intake_key(self) -> Any:
        configuration = self.trigger.configuration
        if isinstance(configuration, dict):
            return configuration.get("intake_key")
        return getattr(configuration, "intake_key", None)

    def ranges(self) -> Generator[tuple[datetime, datetime], None, None]:
        """Endless windows; waits (``time.sleep``) when the next one is not over yet."""
        while True:
            yield self.start, self.end
            next_end = self.end + self.frequency
            now = _runtime.utcnow() - self.timedelta
            lag = max(int((now - next_end).total_seconds()), 0)
            self.trigger.log(message=f"Current lag {lag} seconds.", level="info")
            if self.metric is not None and self._intake_key() is not None:
                self.metric.labels(intake_key=self._intake_key()).set(lag)
            if next_end > now:
                # no window ends in the future by more than one frequency
                difference = int((next_end - now).total_seconds())
                wait = max(min(difference, int(self.frequency.total_seconds())), 0)
                next_end = now + _timedelta(seconds=wait)
                self.trigger.log(message=f"Time range in the future. Waiting {wait} seconds for next batch.", level="info")
                time.sleep(wait)
            self.start = self.end
            self.end = next_end

    @classmethod
    def create(
        cls,
        trigger: Any,
        frequency: int = 60,
        timedelta: int = 1,
        start_time: int = 1,
        metric: Any = None,
    ) -> "TimeStepper":
        """Windows of ``frequency`` seconds starting ``start_time`` hours ago (0: now - ``timedelta`` minutes)."""
        t_frequency = _timedelta(seconds=frequency)
        t_timedelta = _timedelta(minutes=timedelta)
        now = _runtime.utcnow()
        if start_time == 0:
            end = now - t_timedelta
        else:
            end = now - _timedelta(hours=start_time)
        start = end - t_frequency
        return cls(trigger, start, end, t_frequency, t_timedelta, metric)

    @classmethod
    def create_from_time(
        cls, trigger: Any, start: datetime, frequency: int = 60, timedelta: int = 1, metric: Any = None
    ) -> "TimeStepper":
        """Windows of ``frequency`` seconds from ``start``."""
        t_frequency = _timedelta(seconds=frequency)
        t_timedelta = _timedelta(minutes=timedelta)
        end = start + t_frequency
        return cls(trigger, start, end, t_frequency, t_timedelta, metric)

