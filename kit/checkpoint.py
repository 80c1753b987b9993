"""Checkpoints, as in ``sekoia_automation.checkpoint``: where a connector stopped reading.

They follow the component's virtual clock when it is hosted by a kit platform.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

from dateutil.parser import isoparse

from kit import _runtime
from kit.storage import PersistentJSON


class TimeUnit(Enum):
    SECOND = 1
    MILLISECOND = 2
    NANOSECOND = 3


class Checkpoint(ABC):
    """A value persisted in ``<path>/context.json``."""

    def __init__(self, path: Path) -> None:
        self._context = PersistentJSON("context.json", path)

    @property
    @abstractmethod
    def offset(self) -> Any: ...


class CheckpointDatetimeBase(Checkpoint):
    """The most recent date seen, clamped to ``ignore_older_than`` and defaulting to ``now - start_at``."""

    def __init__(
        self,
        path: Path,
        start_at: timedelta = timedelta(minutes=5),
        ignore_older_than: timedelta | None = timedelta(days=30),
        lock: threading.Lock | None = None,
        subkey: str | None = None,
    ) -> None:
        super().__init__(path)
        self._start_at = start_at
        self._ignore_older_than = ignore_older_than
        self._lock = lock
        self._subkey = subkey
        self._most_recent_date_seen: datetime | None = None

    @abstractmethod
    def from_datetime(self, dt: datetime) -> Any: ...

    @abstractmethod
    def to_datetime(self, value: Any) -> datetime: ...

    def file_to_datetime(self, value: str) -> datetime:
        return isoparse(value)

    def datetime_to_file(self, dt: datetime) -> str:
        return dt.isoformat()

    def _read(self) -> str | None:
        with self._context as cache:
            node = cache.get(self._subkey, {}) if self._subkey else cache
            return node.get("most_recent_date_seen")

    @property
    def offset(self) -> Any:
        if self._most_recent_date_seen is None:
            if self._lock:
                with self._lock:
                    stored = self._read()
            else:
                stored = self._read()
            now = _runtime.utcnow()
            dt = self.file_to_datetime(stored) if stored else now - self._start_at
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=UTC)
            if self._ignore_older_than is not None:
                dt = max(dt, now - self._ignore_older_than)
            self._most_recent_date_seen = dt
        return self.from_datetime(self._most_recent_date_seen)

    @offset.setter
    def offset(self, value: Any) -> None:
        new = value if isinstance(value, datetime) else self.to_datetime(value)
        if new.tzinfo is None:
            new = new.replace(tzinfo=UTC)
        if self._most_recent_date_seen is None or new > self.to_datetime(self.offset):
            self._most_recent_date_seen = new
            if self._lock:
                with self._lock:
                    self._write(new)
            else:
                self._write(new)

    def _write(self, dt: datetime) -> None:
        with self._context as cache:
            if self._subkey:
                cache.setdefault(self._subkey, {})["most_recent_date_seen"] = self.datetime_to_file(dt)
            else:
                cache["most_recent_date_seen"] = self.datetime_to_file(dt)


class CheckpointDatetime(CheckpointDatetimeBase):
    """A datetime checkpoint."""

    def from_datetime(self, dt: datetime) -> datetime:
        return dt

    def to_datetime(self, value: datetime) -> datetime:
        return value


class CheckpointTimestamp(CheckpointDatetimeBase):
    """An epoch checkpoint; ``NANOSECOND`` multiplies by 1,000,000 as the real SDK does."""

    def __init__(
        self,
        path: Path,
        time_unit: TimeUnit = TimeUnit.SECOND,
        start_at: timedelta = timedelta(minutes=5),
        ignore_older_than: timedelta | None = timedelta(days=30),
        lock: threading.Lock | None = None,
        subkey: str | None = None,
    ) -> None:
        super().__init__(path, start_at, ignore_older_than, lock, subkey)
        self._multiplier = {TimeUnit.SECOND: 1, TimeUnit.MILLISECOND: 1000, TimeUnit.NANOSECOND: 1_000_000}[time_unit]

    def from_datetime(self, dt: datetime) -> int:
        return round(dt.timestamp() * self._multiplier)

    def to_datetime(self, value: int | float) -> datetime:
        return datetime.fromtimestamp(value / self._multiplier).astimezone(UTC)


class CheckpointCursor(Checkpoint):
    """An opaque cursor: ``{"cursor": value}`` (or under ``subkey``)."""

    def __init__(self, path: Path, lock: threading.Lock | None = None, subkey: str | None = None) -> None:
        super().__init__(path)
        self._lock = lock
        self._subkey = subkey

    @property
    def offset(self) -> Any:
        with self._context as cache:
            node = cache.get(self._subkey, {}) if self._subkey else cache
            return node.get("cursor")

    @offset.setter
    def offset(self, value: Any) -> None:
        with self._context as cache:
            if self._subkey:
                cache.setdefault(self._subkey, {})["cursor"] = value
            else:
                cache["cursor"] = value


__all__ = [
    "Checkpoint",
    "CheckpointCursor",
    "CheckpointDatetime",
    "CheckpointDatetimeBase",
    "CheckpointTimestamp",
    "TimeUnit",
]
