"""``RepeatedTimer``, as in ``sekoia_automation.timer``.

The timer chains ``threading.Timer`` threads, as the real SDK does; started by a
hosted component, each one joins the component's thread group, so the interval
is waited on the virtual clock (a pause point) and the calls show in its records.
"""

from __future__ import annotations

from threading import Event, Timer
from typing import Any, Callable


class RepeatedTimer:
    """Call ``function`` every ``interval`` seconds, from a new (non-daemon) timer thread each time."""

    def __init__(self, interval: float, function: Callable[[], Any]) -> None:
        self._timer: Timer | None = None
        self.interval = interval
        self.function = function
        self.is_running = False
        self._stop = Event()

    def _run(self) -> None:
        self.function()
        self.is_running = False
        self.start()

    def start(self) -> None:
        """Arm the timer (nothing if it is armed already or was stopped: a stopped timer stays stopped)."""
        if not self._stop.is_set() and not self.is_running:
            self._timer = Timer(self.interval, self._run)
            self._timer.start()
            self.is_running = True

    def stop(self) -> None:
        """Cancel the armed timer for good."""
        self._stop.set()
        if self._timer:
            self._timer.cancel()
        self.is_running = False
