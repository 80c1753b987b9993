"""``AsyncConnector``, as in ``sekoia_automation.aio.connector``.

Implement :meth:`AsyncConnector.async_iterate` as an async generator of
``(events, most_recent_event_date)`` and let :meth:`AsyncConnector.run` drive it,
or override :meth:`AsyncConnector.async_run`.  Hosted by a :class:`kit.FakePlatform`,
``run()`` runs an event loop on the platform's virtual clock: every
``await asyncio.sleep(...)`` (and any other wait for a timer) is a pause point,
and aiohttp calls are answered from ``platform.http`` and recorded in ``sim.http``.

Differences from the real SDK, on purpose: :meth:`push_data_to_intakes` hands
the events to the platform (serialised with the real rules and limits) instead
of POSTing them; no connector metrics of the SDK itself (``MetricsMixin``).  aiohttp
and aiolimiter are imported only when :meth:`session`/:meth:`get_rate_limiter` are used.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from posixpath import join as urljoin
from typing import Any

from kit import _runtime
from kit.connector import Connector, DefaultConnectorConfiguration, EventType, check_batch, retry_refused
from kit._optional import need
from kit.module import Module


class AsyncConnector(Connector):
    """Async version of :class:`kit.Connector`: ``async_iterate``, ``await asyncio.sleep``, aiohttp."""

    configuration: DefaultConnectorConfiguration  # type: ignore[assignment]

    _session: Any = None  # aiohttp.ClientSession | None
    _rate_limiter: Any = None  # aiolimiter.AsyncLimiter | None

    def __init__(self, module: Module | None = None, data_path: Path | None = None, *args: Any, **kwargs: Any) -> None:
        """``max_concurrency_tasks`` (default 1000) bounds the chunks pushed at once, as in the real SDK."""
        self.max_concurrency_tasks = kwargs.pop("max_concurrency_tasks", 1000)
        super().__init__(module=module, data_path=data_path, *args, **kwargs)  # noqa: B026

    def get_rate_limiter(self) -> Any:
        """The ``aiolimiter.AsyncLimiter(1, 1)`` :meth:`session` acquires (one acquisition per second)."""
        if self._rate_limiter is None:
            aiolimiter = need("aiolimiter", "aiolimiter", "AsyncConnector.get_rate_limiter()")
            self._rate_limiter = aiolimiter.AsyncLimiter(1, 1)
        return self._rate_limiter

    @asynccontextmanager
    async def session(self) -> AsyncGenerator[Any, None]:
        """The connector's ``aiohttp.ClientSession`` (created on first use), after acquiring the rate limiter."""
        if self._session is None:
            self._session = need("aiohttp", "aiohttp", "AsyncConnector.session()").ClientSession()
        async with self.get_rate_limiter():
            yield self._session

    @property
    def _batchapi_url(self) -> str:
        if intake_server := self.configuration.intake_server:
            return urljoin(intake_server, "batch")
        return urljoin(self.intake_url, "batch")

    async def push_data_to_intakes(self, events: Sequence[EventType]) -> list[str]:
        """Send events to the intake; returns their ids.

        As in the real SDK it refreshes the last-events time only (not the error
        count) and first acquires the 1-per-second rate limiter (when aiolimiter is
        installed); events are serialised and size-limited as
        :meth:`kit.Connector.push_events_to_intakes` does.  A batch the intake refuses (a
        fault of ``platform.faults``) is retried as the sync connector's, each failed attempt
        logged as ``RuntimeError("Chunk 0 error (<status>) on attempt <n>: <body>")`` (blocking
        ``time.sleep`` waits, as the real SDK's); after an hour that error propagates.
        """
        check_batch(events, "push_data_to_intakes")
        self._last_events_time = _runtime.utcnow().replace(tzinfo=None)
        if self._kit_host is None:  # built by a test or a script: the intake's HTTP API, as the real SDK
            from kit.connector import _direct

            return await _direct.push_async(self, list(events)) if events else []
        try:
            limiter = self.get_rate_limiter()
        except ImportError:
            limiter = None
        if limiter is not None:
            async with limiter:
                pass
        if not events:
            return []
        host = self._kit_host
        refusal = host.intake_refusal(len(events))
        if refusal is not None:
            failures: list[RuntimeError] = []

            def failed(error: Any, attempt: int) -> None:
                response = error.response
                failures.append(RuntimeError(
                    f"Chunk 0 error ({response.status_code}) on attempt {attempt}: {response.text}"
                ))
                self.log_exception(failures[-1])

            if retry_refused(host, len(events), refusal, failed) is not None:
                raise failures[-1]
        return host.record_intake(self, list(events))

    async def async_iterate(self) -> AsyncGenerator[tuple[list[EventType], datetime | None], None]:
        """Yield ``(events, most_recent_event_date)`` batches (override it as an async generator)."""
        raise NotImplementedError  # To avoid type checking error
        yield  # pragma: no cover - makes this an async generator, as subclasses are

    async def async_next_run(self) -> None:
        """One collection cycle: push what :meth:`async_iterate` yields; when nothing came, sleep ``frequency``."""
        processing_start = time.time()
        total_number_of_events = 0
        async for data in self.async_iterate():
            events, _last_event_date = data
            if events:
                total_number_of_events += len(events)
                await self.push_data_to_intakes(events)
        processing_time = time.time() - processing_start
        delta_sleep = (self.frequency or 0) - processing_time
        if total_number_of_events == 0 and delta_sleep > 0:
            self.log(message=f"Next batch in the future. Waiting {delta_sleep} seconds")
            await asyncio.sleep(delta_sleep)

    async def on_shutdown(self) -> None:
        """Called when the connector stops (a hook for cleaning resources up)."""

    async def async_run(self) -> None:
        """Call :meth:`async_next_run` while running; on error log it and sleep ``frequency``.

        On exit the aiohttp session is closed and :meth:`on_shutdown` awaited.
        """
        while self.running:
            try:
                await self.async_next_run()
            except Exception as e:
                self.log_exception(e, message=f"Error while running connector {self.connector_name}")
                if self.frequency:
                    await asyncio.sleep(self.frequency)
            host = self.module._kit_host
            if host is not None:
                host.iteration_ended(self)
        if self._session:
            await self._session.close()
        await self.on_shutdown()

    def run(self) -> None:
        """Run :meth:`async_run` to its end.

        Hosted, it runs on a new event loop on the platform's virtual clock; otherwise,
        as the real SDK, on ``asyncio.get_event_loop()``.
        """
        from kit._stepper import _aio

        if _aio.hosted():
            _aio.run_hosted(self.async_run())
        else:
            asyncio.get_event_loop().run_until_complete(self.async_run())


__all__ = ["AsyncConnector"]
