"""The SDK's HTTP clients (``sekoia_automation.http``) on kit: the same calls and results as on the real SDK."""

from __future__ import annotations

import asyncio
import time
import sys
from pathlib import Path
from unittest.mock import patch

import pytest
import requests

import kit

COMPONENTS = Path(__file__).parent / "data" / "real_sdk" / "http_components.py"
API = "https://api.acme.example"


def _real():
    pytest.importorskip("sekoia_automation.http.sync.http_client", reason="the real sekoia-automation-sdk is a test dependency")
    sys.path.insert(0, str(COMPONENTS.parent))
    try:
        import http_components  # noqa: PLC0415

        return http_components
    finally:
        sys.path.remove(str(COMPONENTS.parent))


def _queued(answers):
    """A local API's answer: each path answered by the ``(status, headers, body)`` queued for it, in order."""
    queues = {path: list(queue) for path, queue in answers.items()}

    def answer(request):
        status, headers, body = queues[request.route].pop(0)
        return status, body, headers

    return answer


ANSWERS = [
    (429, {}, {"items": []}),
    (429, {"Retry-After": "7"}, {"items": []}),
    (429, {}, {"items": []}),
    (200, {}, {"items": [1, 2]}),
]


def test_the_sync_client_retries_as_urllib3_does_each_attempt_a_call_and_each_wait_on_the_virtual_clock(
    platform, local_api
):
    real = _real()
    server = local_api(_queued({"/alerts": ANSWERS}))
    with patch.object(real, "API", server.url), patch("time.sleep") as sleep:
        assert real.fetch_sync() == [200, [1, 2]]
    real_waits = [c.args[0] for c in sleep.call_args_list]
    assert real_waits == [7, 4]  # no wait before the first retry, then Retry-After, then the backoff

    cls = kit.load_component(f"{COMPONENTS}:SyncAlerts")
    for status, headers, body in ANSWERS:
        platform.http.get(f"{API}/alerts", status=status, headers=headers, json=body)
    sim = platform.load(cls)
    reports = sim.step(3)
    assert [r.slept for r in reports] == [None, 7, 4]  # each step starts after the wait that ended the previous one
    assert sim.runs["items"].tolist() == [[1, 2]]
    assert sim.http["status"].tolist() == [429, 429, 429, 200]
    times = sim.http["time"].tolist()
    assert [(b - a).total_seconds() for a, b in zip(times, times[1:])] == [0, *real_waits]


def test_the_async_client_and_token_refresher_match_the_real_sdk(platform, local_api):
    real = _real()
    answers = {
        "/oauth/token": [(200, {}, {"access_token": "t-1", "expires_in": 3600})],
        "/alerts": [(503, {}, {"items": []}), (200, {}, {"items": ["a", "b"]})],
    }
    waits = []
    sleep = asyncio.sleep

    async def wait(seconds):
        if seconds >= 3600:  # the token's next refresh: cancelled by close() before it comes
            await sleep(seconds)
        waits.append(seconds)

    server = local_api(_queued(answers))
    with patch.object(real, "API", server.url), patch("asyncio.sleep", wait):
        assert asyncio.run(real.fetch_async()) == ["a", "b"]
    assert [(method, path) for method, path, _, _ in server.seen] == [
        ("POST", "/oauth/token"), ("GET", "/alerts"), ("GET", "/alerts")
    ]
    assert server.seen[-1][2]["Authorization"] == "Bearer t-1"
    assert waits == [2]  # backoff_factor * 2**0 after the 503

    cls = kit.load_component(f"{COMPONENTS}:AsyncAlerts")
    for path, queue in answers.items():
        for status, headers, body in queue:
            platform.http.add("POST" if path == "/oauth/token" else "GET", f"{API}{path}", status=status, json=body)
    sim = platform.load(cls, configuration={"intake_key": "k"})
    sim.run_until(lambda s: len(s.events) == 2, max_steps=5)
    assert sim.events["raw"].tolist() == ["a", "b"]
    calls = sim.http
    assert list(zip(calls["method"], calls["status"])) == [("POST", 200), ("GET", 503), ("GET", 200)]
    times = calls["time"].tolist()
    assert (times[2] - times[1]).total_seconds() == waits[0]


def test_the_helpers_of_the_sdk_before_1_20_keep_a_pydantic_v1_token_and_refresh_on_schedule_only():
    from pydantic.v1 import BaseModel

    from kit.aio.helpers.http.http_client import HttpClient
    from kit.aio.helpers.http.token_refresher import GenericTokenRefresher, RefreshedToken

    class Token(BaseModel):  # as a module pinned below 1.20 writes it (pydantic.v1)
        token: str

    made = []

    class Refresher(GenericTokenRefresher[RefreshedToken[Token]]):
        async def get_token(self):
            made.append(1)
            return RefreshedToken[Token](token=Token(token=f"t-{len(made)}"), created_at=0, ttl=10)

    async def use():
        refresher = Refresher()
        async with refresher.with_access_token() as first:
            pass
        async with refresher.with_access_token() as second:  # expired (created at 0), but not refreshed
            pass
        await refresher.close()
        return first.token.token, second.token.token, first.is_expired()

    assert asyncio.run(use()) == ("t-1", "t-1", True)
    assert made == [1]
    client = HttpClient(max_rate=5, time_period=1)
    assert (client._rate_limiter.max_rate, client._rate_limiter.time_period) == (5, 1)


def test_a_missing_optional_package_is_named_with_the_command_that_installs_it(monkeypatch):
    from kit.http.sync.http_client import SyncHttpClient

    monkeypatch.setitem(sys.modules, "requests_ratelimiter", None)
    client = SyncHttpClient.create(max_rate=10, time_period=60)
    with pytest.raises(ImportError) as error:
        client.session()
    assert str(error.value) == (
        "SyncHttpClient with a rate limit needs requests-ratelimiter, which is not installed; install it with "
        "`python -m pip install requests-ratelimiter` (the real sekoia-automation-sdk depends on it)"
    )


def test_a_call_that_reaches_the_network_is_retried_by_the_real_adapter_only(local_api):
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    class Polls(kit.Trigger):
        def run(self):
            session = requests.Session()
            session.mount("http://", HTTPAdapter(max_retries=Retry(total=2, status_forcelist=[429], raise_on_status=False)))
            self.send_event("polled", {"status": session.get(f"{self.base}/alerts").status_code})
            time.sleep(60)

    limited = [(429, {}, {"items": []})] * 5
    server = local_api(_queued({"/alerts": limited}))
    with patch("urllib3.util.retry.time.sleep"):
        Polls.base = server.url
        with kit.FakePlatform(start="2024-01-01T00:00:00Z", allow_network=True) as platform:
            sim = platform.load(Polls)
            sim.step()
            assert sim.runs["status"].tolist() == [429]
    assert len(server.seen) == 3  # the first try and the adapter's two retries, none added by kit
