"""The platform's virtual clock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from kit import _runtime


def to_epoch(value: Any) -> float:
    """Epoch seconds from a float, an aware/naive (UTC) datetime or an ISO 8601 string."""
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        from dateutil.parser import isoparse

        try:
            value = isoparse(value)
        except ValueError:
            raise ValueError(
                f"start time {value!r} is not an ISO 8601 date; write it like '2024-01-01T00:00:00Z'"
            ) from None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.timestamp()
    raise TypeError(f"a time must be epoch seconds, a datetime or an ISO 8601 string, not {value!r}")


class VirtualClock:
    """Virtual time of one platform, in epoch seconds; it only moves forward.

    Components hosted by the platform see it through ``time.time()``,
    ``datetime.now()`` and ``datetime.utcnow()``; every other thread keeps real time.
    """

    def __init__(self, start: Any = None) -> None:
        self._now = _runtime._real_time() if start is None else to_epoch(start)
        self._lock = threading.Lock()

    def time(self) -> float:
        """Current virtual time, epoch seconds."""
        return self._now

    def now(self) -> datetime:
        """Current virtual time, tz-aware UTC."""
        return datetime.fromtimestamp(self._now, UTC)

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds``."""
        if seconds < 0:
            raise ValueError(f"the clock cannot go backwards: advance({seconds!r}); pass seconds >= 0")
        with self._lock:
            self._now += seconds

    def advance_to(self, when: float) -> None:
        """Move the clock forward to ``when`` (epoch seconds); earlier times are ignored."""
        with self._lock:
            if when > self._now:
                self._now = when

    def __repr__(self) -> str:
        return f"<VirtualClock {self.now().isoformat().replace('+00:00', 'Z')}>"
