"""``AsyncHttpClient``, as in ``sekoia_automation.http.aio.http_client``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

from kit._optional import need
from kit.http.http_client import AbstractHttpClient, Method
from kit.http.rate_limiter import RateLimiterConfig
from kit.http.retry import RetryPolicy


class _Retry(Exception):
    """A response whose status is in the policy's forcelist, with attempts left."""


class AsyncHttpClient(AbstractHttpClient[Any]):
    """aiohttp requests with the retry policy and an ``aiolimiter.AsyncLimiter``.

    ``async with client.get(url, params=...) as response:`` opens a new ``ClientSession`` for
    each attempt (after acquiring the limiter, when there is one); a response whose status is in
    the policy's ``status_forcelist`` is retried after ``backoff_factor * 2**attempt`` seconds,
    up to ``max_retries`` attempts, the last response being given whatever its status.
    """

    def __init__(
        self, retry_policy: RetryPolicy | None = None, rate_limiter_config: RateLimiterConfig | None = None
    ) -> None:
        super().__init__(retry_policy, rate_limiter_config)
        self._session: Any = None
        self._rate_limiter: Any = None
        if rate_limiter_config is not None:
            aiolimiter = need("aiolimiter", "aiolimiter", "AsyncHttpClient with a rate limit")
            self._rate_limiter = aiolimiter.AsyncLimiter(
                max_rate=rate_limiter_config.max_rate, time_period=rate_limiter_config.time_period
            )

    @asynccontextmanager
    async def session(self) -> AsyncGenerator[Any, None]:
        """A new ``aiohttp.ClientSession`` (closed on exit), after acquiring the rate limiter."""
        aiohttp = need("aiohttp", "aiohttp", "AsyncHttpClient.session()")
        async with aiohttp.ClientSession() as self._session:
            if self._rate_limiter is None:
                yield self._session
            else:
                async with self._rate_limiter:
                    yield self._session

    @asynccontextmanager
    async def request_retry(self, method: Method, url: str, *args: Any, **kwargs: Any) -> AsyncGenerator[Any, None]:
        """``method url`` with the retry policy; yields the ``aiohttp.ClientResponse``."""
        policy = self._retry_policy
        attempts, backoff = 1, 0.1
        if policy is not None and policy.max_retries > 0:
            attempts, backoff = policy.max_retries, policy.backoff_factor
        given = False  # an error raised in the caller's block is the caller's, never retried
        for attempt in range(attempts):
            retry = policy is not None and attempt < policy.max_retries - 1
            try:
                async with self.session() as session:
                    async with session.request(method.value, url, *args, **kwargs) as response:
                        if retry and response.status in policy.status_forcelist:  # type: ignore[union-attr]
                            raise _Retry
                        given = True
                        yield response
                        return
            except _Retry:
                pass
            except Exception as error:
                # aiohttp's own ClientResponseError (a session with raise_for_status) is retried too
                if given or not (retry and type(error).__name__ == "ClientResponseError"):
                    raise
            await asyncio.sleep(backoff * 2**attempt)

    @asynccontextmanager
    async def get(self, url: str, *args: Any, **kwargs: Any) -> AsyncGenerator[Any, None]:
        """``GET url`` (see :meth:`request_retry`)."""
        async with self.request_retry(Method.GET, url, *args, **kwargs) as response:
            yield response

    @asynccontextmanager
    async def post(self, url: str, *args: Any, **kwargs: Any) -> AsyncGenerator[Any, None]:
        """``POST url`` (see :meth:`request_retry`)."""
        async with self.request_retry(Method.POST, url, *args, **kwargs) as response:
            yield response

    @asynccontextmanager
    async def put(self, url: str, *args: Any, **kwargs: Any) -> AsyncGenerator[Any, None]:
        """``PUT url`` (see :meth:`request_retry`)."""
        async with self.request_retry(Method.PUT, url, *args, **kwargs) as response:
            yield response

    @asynccontextmanager
    async def patch(self, url: str, *args: Any, **kwargs: Any) -> AsyncGenerator[Any, None]:
        """``PATCH url`` (see :meth:`request_retry`)."""
        async with self.request_retry(Method.PATCH, url, *args, **kwargs) as response:
            yield response

    @asynccontextmanager
    async def delete(self, url: str, *args: Any, **kwargs: Any) -> AsyncGenerator[Any, None]:
        """``DELETE url`` (see :meth:`request_retry`)."""
        async with self.request_retry(Method.DELETE, url, *args, **kwargs) as response:
            yield response

    @asynccontextmanager
    async def head(self, url: str, *args: Any, **kwargs: Any) -> AsyncGenerator[Any, None]:
        """``HEAD url`` (see :meth:`request_retry`)."""
        async with self.request_retry(Method.HEAD, url, *args, **kwargs) as response:
            yield response

    async def close(self) -> None:
        """Close the last session, if any."""
        if self._session is not None:
            await self._session.close()


__all__ = ["AsyncHttpClient"]
