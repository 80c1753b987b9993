"""Helpers of the asynchronous mode, as in ``sekoia_automation.aio.helpers``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any


async def limit_concurrency(tasks: list, limit: int) -> AsyncGenerator[Any, None]:
    """Run the awaitables ``tasks`` at most ``limit`` at a time; yield their results in order.

    As in the real SDK, they run through ``asyncio.gather``: the first exception propagates.
    """
    semaphore = asyncio.Semaphore(limit)

    async def sem_coro(task: Any) -> Any:
        async with semaphore:
            return await task

    for result in await asyncio.gather(*map(sem_coro, tasks)):
        yield result


__all__ = ["limit_concurrency"]
