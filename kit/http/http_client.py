"""``Method`` and ``AbstractHttpClient``, as in ``sekoia_automation.http.http_client``."""

from __future__ import annotations

from enum import Enum
from typing import Any, Generic, TypeVar

from kit.http.rate_limiter import RateLimiterConfig
from kit.http.retry import RetryPolicy

TResult = TypeVar("TResult")


class Method(Enum):
    """The HTTP methods the clients send."""

    GET = "GET"
    POST = "POST"
    PUT = "PUT"
    PATCH = "PATCH"
    DELETE = "DELETE"
    HEAD = "HEAD"


class AbstractHttpClient(Generic[TResult]):
    """Base of the sync and async clients: a retry policy and a rate limit, both optional."""

    def __init__(
        self, retry_policy: RetryPolicy | None = None, rate_limiter_config: RateLimiterConfig | None = None
    ) -> None:
        self._retry_policy = retry_policy
        self._rate_limiter_config = rate_limiter_config

    @classmethod
    def create(
        cls,
        max_retries: int | None = None,
        backoff_factor: float | None = None,
        status_forcelist: list[int] | None = None,
        max_rate: float | None = None,
        time_period: float | None = None,
    ) -> Any:
        """A client of this class from plain values (see :meth:`RetryPolicy.create` and :meth:`RateLimiterConfig.create`)."""
        return cls(
            retry_policy=RetryPolicy.create(max_retries, backoff_factor, status_forcelist),
            rate_limiter_config=RateLimiterConfig.create(max_rate, time_period),
        )


__all__ = ["AbstractHttpClient", "Method", "TResult"]
