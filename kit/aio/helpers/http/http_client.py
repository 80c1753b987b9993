"""``HttpClient``, as in ``sekoia_automation.aio.helpers.http.http_client`` (the SDK before 1.20)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

from kit._optional import need


class HttpClient:
    """An aiohttp session shared by the client's calls, with an optional ``aiolimiter.AsyncLimiter``.

    Subclasses call ``async with self.session() as session: ...``; on kit the session's calls
    are answered from ``platform.http``.
    """

    _session: Any = None  # aiohttp.ClientSession
    _rate_limiter: Any = None  # aiolimiter.AsyncLimiter

    def __init__(self, max_rate: float | None = None, time_period: float | None = None, rate_limiter: Any = None):
        if max_rate and time_period:
            self.set_rate_limit(max_rate, time_period)
        if rate_limiter:
            self.set_rate_limiter(rate_limiter)

    def set_rate_limit(self, max_rate: float, time_period: float = 60) -> None:
        """At most ``max_rate`` sessions entered every ``time_period`` seconds."""
        aiolimiter = need("aiolimiter", "aiolimiter", "HttpClient.set_rate_limit()")
        self._rate_limiter = aiolimiter.AsyncLimiter(max_rate=max_rate, time_period=time_period)

    def set_rate_limiter(self, rate_limiter: Any) -> None:
        """Use ``rate_limiter`` (an ``aiolimiter.AsyncLimiter``)."""
        self._rate_limiter = rate_limiter

    @asynccontextmanager
    async def session(self) -> AsyncGenerator[Any, None]:
        """The client's ``aiohttp.ClientSession`` (made on first use), after acquiring the rate limiter."""
        if self._session is None:
            self._session = need("aiohttp", "aiohttp", "HttpClient.session()").ClientSession()
        if self._rate_limiter:
            async with self._rate_limiter:
                yield self._session
        else:
            yield self._session


__all__ = ["HttpClient"]
