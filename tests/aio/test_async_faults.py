"""platform.faults with an AsyncConnector: aiohttp answers a fault, the intake refuses a batch (the SDK's async retries)."""

from __future__ import annotations

import asyncio

import pytest

from kit.aio.connector import AsyncConnector

aiohttp = pytest.importorskip("aiohttp", reason="these tests drive aiohttp calls (aiohttp is optional for kit)")

API = "https://api.test/alerts"


class Backing(AsyncConnector):
    """On a 503 it waits Retry-After seconds and asks again; pushes what it got, then sleeps 60 s."""

    async def async_iterate(self):
        async with aiohttp.ClientSession() as session:
            while True:
                async with session.get(API) as response:
                    if response.status == 503:
                        self.log(f"unavailable, retry in {response.headers['Retry-After']} s", level="warning")
                        await asyncio.sleep(int(response.headers["Retry-After"]))
                        continue
                    alerts = await response.json()
                    break
        yield alerts, None
        await asyncio.sleep(60)


def test_a_503_answered_to_aiohttp_is_retried_after_its_retry_after(platform):
    platform.http.get(API, json=[{"id": 1}])
    sim = platform.load(Backing, configuration={"intake_key": "k"})
    platform.faults.add("status", API, status=503, headers={"Retry-After": "12"})
    sim.step(2)
    assert [c.status for c in sim.http_records] == [503, 200]
    sim.faults.assert_reaction(retried_after=12, logged="unavailable, retry in 12 s", crashed=None)


def test_a_refused_batch_is_retried_and_each_failed_attempt_logged_as_the_async_sdk_does(platform):
    platform.http.get(API, json=[{"id": 1}])
    sim = platform.load(Backing, configuration={"intake_key": "k"})
    platform.faults.add("intake_refused", status=429, times=2)
    sim.run_for(seconds=10)
    assert list(sim.events["id"]) == [1]
    assert [r.retried_after for r in sim.fault_records] == [1, 2]
    errors = [r.message for r in sim.log_records if r.level == "error"]
    assert errors == [
        "An exception occurred\nChunk 0 error (429) on attempt 1: Too Many Requests",
        "An exception occurred\nChunk 0 error (429) on attempt 2: Too Many Requests",
    ]
