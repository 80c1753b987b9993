"""``RateLimiterConfig``, as in ``sekoia_automation.http.rate_limiter``."""

from __future__ import annotations

from pydantic import BaseModel


class RateLimiterConfig(BaseModel):
    """At most ``max_rate`` requests every ``time_period`` seconds."""

    max_rate: float
    time_period: float

    @classmethod
    def create(cls, max_rate: float | None = None, time_period: float | None = None) -> RateLimiterConfig | None:
        """A configuration, or None when neither argument is given; the missing one is 1.0."""
        if not (max_rate or time_period):
            return None
        return cls(max_rate=max_rate or 1.0, time_period=time_period or 1.0)


__all__ = ["RateLimiterConfig"]
