"""``SyncHttpClient``, as in ``sekoia_automation.http.sync.http_client``."""

from __future__ import annotations

from typing import Any

from requests import Response, Session
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from kit._optional import need
from kit.http.http_client import AbstractHttpClient
from kit.http.rate_limiter import RateLimiterConfig
from kit.http.retry import RetryPolicy

# LimiterSession's windows, in seconds (a month is 30 days, as requests-ratelimiter counts it)
_WINDOWS = {"per_second": 1, "per_minute": 60, "per_hour": 3600, "per_day": 86400, "per_month": 30 * 86400}


class SyncHttpClient(AbstractHttpClient[Response]):
    """A ``requests`` session that retries by the policy (urllib3 ``Retry``) and, when rate limited,
    a ``requests_ratelimiter.LimiterSession``.

    The session is made on the first :meth:`session` call and then reused.
    """

    def __init__(
        self, retry_policy: RetryPolicy | None = None, rate_limiter_config: RateLimiterConfig | None = None
    ) -> None:
        super().__init__(retry_policy, rate_limiter_config)
        self._session: Session | None = None

    def _pure_session(self) -> Session:
        """The session as it is, a plain one if none was made yet."""
        if self._session is None:
            self._session = Session()
        return self._session

    def session(self) -> Session:
        """The client's session (made on first use)."""
        if self._session is not None:
            return self._session
        config = self._rate_limiter_config
        if config is not None:
            # the SDK's rate-limited session replaces the retrying one (its retries are then not mounted)
            per_second = config.max_rate / config.time_period
            limiter = need("requests-ratelimiter", "requests_ratelimiter", "SyncHttpClient with a rate limit")
            self._session = limiter.LimiterSession(
                **{window: int(per_second * seconds) for window, seconds in _WINDOWS.items()}
            )
            return self._session
        policy = self._retry_policy
        retry: Any = (
            Retry(total=policy.max_retries, backoff_factor=policy.backoff_factor, status_forcelist=policy.status_forcelist)
            if policy is not None
            else Retry(0)
        )
        session = Session()
        for prefix in ("http://", "https://"):
            session.mount(prefix, HTTPAdapter(max_retries=retry))
        self._session = session
        return session


__all__ = ["SyncHttpClient"]
