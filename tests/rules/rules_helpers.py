"""Helpers of the rules-engine tests (plain module: fixtures live in conftest.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

UTC = timezone.utc


def ts(*args: int) -> float:
    """Epoch seconds of a UTC date: ts(2024, 6, 7, 12, 3, 10)."""
    return datetime(*args, tzinfo=UTC).timestamp()


def dt(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


class Clock:
    """The virtual clock: call it for epoch seconds; set or advance it by hand."""

    def __init__(self, t: float) -> None:
        self.t = float(t)

    def __call__(self) -> float:
        return self.t

    def set(self, *args: int) -> None:
        self.t = ts(*args)

    def advance(self, **kw: float) -> float:
        self.t += timedelta(**kw).total_seconds()
        return self.t


class Runner:
    """A run_action that records its calls and returns a small dict."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.fail = False

    def __call__(self, action, targets, event):
        self.calls.append((action, targets, event))
        if self.fail:
            raise RuntimeError("action exploded")
        return {"ran": getattr(action, "__name__", repr(action))}
