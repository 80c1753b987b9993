"""``Connector`` and ``DefaultConnectorConfiguration``, as in ``sekoia_automation.connector``.

Two styles work, as in the real SDK: override :meth:`Connector.run` with your own
loop, or implement :meth:`Connector.iterate` and let the base class's
:meth:`run`/:meth:`next_run` push, measure and sleep ``frequency`` seconds.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator, Sequence
from datetime import datetime
from typing import Any

import orjson
from pydantic import BaseModel

from kit import _runtime
from kit.storage import write
from kit.trigger import Trigger
from kit.utils import chunks

EventType = dict[str, Any] | str | BaseModel
_INTAKE_RETRY_FOR = 3600  # seconds the real SDK retries a refused chunk (tenacity stop_after_delay)
_INTAKE_WAIT_MAX = 10  # its longest wait between two attempts (wait_exponential(min=1, max=10))


def intake_waits() -> Iterator[float]:
    """The waits between two attempts at a chunk, as the real SDK's tenacity policy has them:
    1, 2, 4, 8, then 10 s, until an hour has gone by."""
    waited, attempt = 0.0, 0
    while waited < _INTAKE_RETRY_FOR:
        wait = float(min(_INTAKE_WAIT_MAX, 2**attempt))
        yield wait
        waited += wait
        attempt += 1


def retry_refused(host: Any, count: int, refusal: Exception, on_failure: Any = None) -> Exception | None:
    """Retry a batch of ``count`` events the intake refused as the real SDK retries a chunk (the
    :func:`intake_waits`, slept with ``time.sleep``): None once the intake takes it, else the last
    refusal. ``on_failure(refusal, attempt)`` is called after each failed attempt."""
    waits = intake_waits()
    attempt = 1
    while refusal is not None:
        if on_failure is not None:
            on_failure(refusal, attempt)
        wait = next(waits, None)
        if wait is None:
            return refusal
        time.sleep(wait)
        attempt += 1
        refusal = host.intake_refusal(count)
    return None


def check_batch(events: Any, method: str) -> None:
    """Refuse a batch that is one event instead of a list of them (its characters or keys would be pushed)."""
    from collections.abc import Iterable, Mapping

    if isinstance(events, (str, bytes, Mapping, BaseModel)) or not isinstance(events, Iterable):
        if isinstance(events, Mapping):
            what = "a dict (its keys would be pushed as events)"
        elif isinstance(events, (str, bytes)):
            what = f"{type(events).__name__} (its characters would be pushed as events)"
        else:
            what = type(events).__name__
        raise TypeError(
            f"{method}({events!r:.60}): events is a list of events (dicts, strings or models), got {what}; "
            f"wrap a single event in a list: {method}([event])"
        )


class DefaultConnectorConfiguration(BaseModel):
    """The configuration every connector has: where and with which key events go."""

    intake_server: str | None = None
    intake_key: str


class Connector(Trigger):
    """A daemon that forwards events to the intake with :meth:`push_events_to_intakes`."""

    CONNECTOR_CONFIGURATION_FILE_NAME = "connector_configuration"
    seconds_without_events = 3600 * 6
    configuration: DefaultConnectorConfiguration

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.pop("executor_max_worker", None)
        super().__init__(*args, **kwargs)

    @property
    def connector_name(self) -> str:
        return type(self).__name__

    @property
    def configuration(self) -> Any:  # type: ignore[override]
        """The connector configuration (``connector_configuration``, else ``trigger_configuration``)."""
        if self._configuration is None:
            try:
                value = self.module.load_config(self.CONNECTOR_CONFIGURATION_FILE_NAME, "json")
            except FileNotFoundError:
                value = self.module.load_config(self.TRIGGER_CONFIGURATION_FILE_NAME, "json")
            self.configuration = value
        return self._configuration

    @configuration.setter
    def configuration(self, configuration: Any) -> None:
        self._configuration = self._coerce_configuration(configuration)

    @property
    def http_default_headers(self) -> dict[str, str]:
        manifest = self.module.manifest
        return {"User-Agent": f"sekoiaio-connector/{manifest.get('slug')}-{manifest.get('version')}"}

    @property
    def frequency(self) -> int:
        """Seconds between two :meth:`next_run` when nothing came (override it)."""
        return 0

    # -- intake ----------------------------------------------------------------------
    def push_events_to_intakes(self, events: list[EventType], sync: bool = False) -> list[str]:
        """Send events to the intake; returns their ids.

        Events are serialised as the real SDK does (models with ``model_dump_json``,
        dicts as JSON, strings as they are); events over 250,000 characters are
        dropped (kit shows a warning) and chunks hold at most 9,437,184 characters.
        kit captures the batch when it is pushed and serialises it when it is
        first read or when the step ends.  When the intake refuses the batch (a fault of
        ``platform.faults``), it is retried as the real SDK retries a chunk: waits of 1, 2, 4, 8,
        then 10 s (``time.sleep``, so each wait is a pause point), for up to an hour; then it logs
        "Failed to forward N events" and the batch's ids are missing from the result.  Outside a
        kit platform (a module's own tests mocking the intake), the chunks are POSTed to
        ``{intake_server}/batch`` as the real SDK does.
        """
        check_batch(events, "push_events_to_intakes")
        if not events:
            return []
        host = self._kit_host
        if host is None:  # built by a test or a script: the intake's HTTP API, as the real SDK
            self._error_count = 0
            self._last_events_time = _runtime.utcnow().replace(tzinfo=None)
            from kit.connector import _direct

            return _direct.push(self, list(events))
        refusal = host.intake_refusal(len(events))
        if refusal is not None:
            refusal = retry_refused(host, len(events), refusal)
            if refusal is not None:
                self.log(message=f"Failed to forward {len(events)} events", level="error")
                self.log_exception(refusal, message=f"Failed to forward {len(events)} events")
                return []
        self._error_count = 0
        self._last_events_time = _runtime.utcnow().replace(tzinfo=None)
        return host.record_intake(self, events)

    def publish_events_to_intake(self, events: list[EventType], sync: bool = False) -> list[str]:
        """Alias of :meth:`push_events_to_intakes` (the spelling of the Sekoia connector documentation)."""
        return self.push_events_to_intakes(events, sync=sync)

    def send_records(
        self, records: list, event_name: str, to_file: bool = True, records_var_name: str = "records"
    ) -> None:
        """Start a playbook run carrying ``records`` (in a file, by default)."""
        if not to_file:
            self.send_event(event={records_var_name: records}, event_name=event_name)
            return
        relative = write("event.json", orjson.dumps(records).decode(), temp_dir=True, data_path=self.data_path)
        self.send_event(
            event_name=event_name,
            event={f"{records_var_name}_path": relative.name},
            directory=str(relative.parent),
            remove_directory=True,
        )

    def forward_events(self, events: Sequence[EventType]) -> None:
        """Send events as playbook runs, in chunks (the real SDK names them ``<name>_00:00:00``)."""
        try:
            for chunk in chunks(list(events), 1000):
                self.log(message=f"Forwarding {len(chunk)} records", level="info")
                self.send_records(
                    records=list(chunk),
                    event_name=f"{(self.name or '').lower().replace(' ', '-')}_{datetime.min.time()}",
                )
        except Exception as ex:
            self.log_exception(ex, message="Failed to forward events")

    # -- the iterate style -------------------------------------------------------------
    def iterate(self) -> Generator[tuple[list[EventType], datetime | None], None, None]:
        """Yield ``(events, most_recent_event_date)`` batches (override it)."""
        yield [], None

    def next_run(self) -> None:
        """One collection cycle: push what :meth:`iterate` yields, sleep when nothing came."""
        processing_start = time.time()
        total = 0
        for events, _last_event_date in self.iterate():
            if events:
                total += len(events)
                self.push_events_to_intakes(events=events)
        processing_time = time.time() - processing_start
        if total == 0:
            delta = self.frequency - processing_time
            if delta > 0:
                self.log(message=f"Next batch in the future. Waiting {delta} seconds", level="info")
                time.sleep(delta)

    def run(self) -> None:
        """Call :meth:`next_run` while running; on error log it and sleep ``frequency``."""
        while self.running:
            try:
                self.next_run()
            except Exception as error:
                self.log_exception(error, message=f"Error while running connector {self.connector_name}")
                time.sleep(self.frequency)
            host = self.module._kit_host
            if host is not None:
                host.iteration_ended(self)

    def stop(self, *args: Any, **kwargs: Any) -> None:
        super().stop(*args, **kwargs)


__all__ = ["Connector", "DefaultConnectorConfiguration", "EventType"]
