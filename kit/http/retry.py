"""``RetryPolicy``, as in ``sekoia_automation.http.retry``."""

from __future__ import annotations

from pydantic import BaseModel


class RetryPolicy(BaseModel):
    """How many times a request is retried, with which backoff, on which statuses."""

    max_retries: int
    backoff_factor: float
    status_forcelist: list[int]

    @classmethod
    def create(
        cls,
        max_retries: int | None = None,
        backoff_factor: float | None = None,
        status_forcelist: list[int] | None = None,
    ) -> RetryPolicy | None:
        """A policy from whichever arguments are given, or None when none is (falsy ones count as not given).

        What is not given takes the SDK's defaults: 3 retries, a backoff factor of 0.1, on 429 only.
        """
        if not (max_retries or backoff_factor or status_forcelist):
            return None
        return cls(
            max_retries=max_retries or 3,
            backoff_factor=backoff_factor or 0.1,
            status_forcelist=status_forcelist or [429],
        )


__all__ = ["RetryPolicy"]
