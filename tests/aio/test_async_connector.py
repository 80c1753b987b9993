"""AsyncConnector on the fake platform: asyncio on the virtual clock, aiohttp answered by platform.http."""

from __future__ import annotations

import asyncio
import inspect
import json
import time

import pytest

import kit
from kit.aio.connector import AsyncConnector
from kit._stepper._aio import HostedThreadsPolicy, VirtualTimeEventLoop

aiohttp = pytest.importorskip("aiohttp", reason="these tests drive aiohttp calls (aiohttp is optional for kit)")

API = "https://api.test/alerts"


def _line_of(function, text):
    lines, first = inspect.getsourcelines(function)
    return first + next(i for i, line in enumerate(lines) if text in line)


class Paginating(AsyncConnector):
    """Follows ``next`` links with aiohttp, pushes each page's alerts, then sleeps ``frequency``."""

    @property
    def frequency(self) -> int:
        return 60

    async def async_iterate(self):
        events = []
        async with aiohttp.ClientSession() as session:
            url, params = API, {"limit": 2}
            while url:
                async with session.get(url, params=params, headers={"Authorization": "Bearer s3cret"}) as response:
                    response.raise_for_status()
                    page = await response.json()
                events.extend(page["alerts"])
                url, params = page.get("next"), None
        yield events, None
        await asyncio.sleep(self.frequency)  # the pause point


def _register_pages(platform):
    platform.http.get(f"{API}?limit=2", json={"alerts": [{"id": 1}, {"id": 2}], "next": f"{API}?cursor=b"})
    platform.http.get(f"{API}?cursor=b", json={"alerts": [{"id": 3}]})


def test_each_step_ends_at_the_asyncio_sleep_and_the_clock_moves_by_it(platform):
    _register_pages(platform)
    sim = platform.load(Paginating, configuration={"intake_key": "k"})
    first = sim.step()
    line = _line_of(Paginating.async_iterate, "await asyncio.sleep(self.frequency)")
    assert first.status == "paused"
    assert first.pause == f"sleep(60) (test_async_connector.py:{line})"
    assert str(first.start) == str(first.end) == "2024-01-01 00:00:00+00:00"
    assert first.events == ['{"id":1}', '{"id":2}', '{"id":3}']
    assert [(c.method, c.url, c.status) for c in first.http] == [
        ("GET", f"{API}?limit=2", 200),
        ("GET", f"{API}?cursor=b", 200),
    ]
    second = sim.step()
    assert str(second.start) == "2024-01-01 00:01:00+00:00"
    assert second.slept == 60
    assert second.pause == first.pause
    assert len(second.http) == 2 and second.events_pushed == 3
    assert list(sim.events["id"]) == [1, 2, 3, 1, 2, 3]
    assert list(sim.events["step"]) == [1, 1, 1, 2, 2, 2]
    http = sim.http
    assert list(http["step"]) == [1, 1, 2, 2]
    assert sim.http_records[0].request_headers["Authorization"] == "***"
    sim.run_for(minutes=10)
    assert str(sim.now) == "2024-01-01 00:11:00+00:00"
    assert len(sim.events) == 3 * 12  # steps at minutes 0, 1, ..., 11
    assert sim.stop() == "stopped"


def test_pushes_wait_for_the_real_sdks_rate_limiter_on_virtual_time(platform):
    class TwoPushes(AsyncConnector):
        async def async_iterate(self):
            yield [{"n": 1}], None
            yield [{"n": 2}], None
            await asyncio.sleep(30)

    sim = platform.load(TwoPushes, configuration={"intake_key": "k"})
    first = sim.step()
    # AsyncLimiter(1, 1), acquired once per push as the real push_data_to_intakes does
    assert first.pause == "sleep(1)" and first.events == ['{"n":1}']
    second = sim.step()
    assert str(second.start) == "2024-01-01 00:00:01+00:00"
    assert second.events == ['{"n":2}'] and second.pause.startswith("sleep(30)")


def test_an_unregistered_aiohttp_call_fails_with_what_is_registered(platform):
    _register_pages(platform)

    class Lost(Paginating):
        async def async_iterate(self):
            async with aiohttp.ClientSession() as session:
                async with session.get("https://api.test/missing") as response:
                    yield [await response.json()], None

    sim = platform.load(Lost, configuration={"intake_key": "k"})
    report = sim.step()
    message = (
        "kit: no fake response is registered for GET https://api.test/missing.\n"
        "Registered:\n"
        f"  - GET {API}?limit=2\n"
        f"  - GET {API}?cursor=b\n"
        "Register one with platform.http.add(responses.GET, 'https://api.test/missing', json=...) "
        "or allow real network with FakePlatform(allow_network=True)."
    )
    assert f"Error while running connector Lost\n{message}" in [r.message for r in report.logs]
    exception = next(r.message for r in report.logs if r.level == "exception")
    assert "aiohttp.client_exceptions.ClientConnectionError: " + message in exception
    assert report.http[0].error == message and report.http[0].status is None
    # as the real SDK: after an error, sleep frequency
    assert report.pause == "sleep(60)"


def test_exceptions_in_async_iterate_are_logged_as_the_real_sdk_does(platform):
    class Broken(Paginating):
        async def async_iterate(self):
            raise ValueError("API changed")
            yield  # pragma: no cover

    sim = platform.load(Broken, configuration={"intake_key": "k"})
    report = sim.step()
    assert report.pause == "sleep(60)" and report.status == "paused"
    assert [(r.level, r.message.splitlines()[0]) for r in report.logs] == [
        ("exception", "Error while running connector Broken"),
        ("error", "Error while running connector Broken"),
    ]
    assert "Error while running connector Broken\nAPI changed" in [r.message for r in report.logs]
    assert "ValueError: API changed" in report.logs[0].message
    assert str(sim.step().start) == "2024-01-01 00:01:00+00:00"


def test_next_run_without_events_sleeps_the_rest_of_frequency(platform):
    class Quiet(AsyncConnector):
        @property
        def frequency(self):
            return 45

        async def async_iterate(self):
            yield [], None

    sim = platform.load(Quiet, configuration={"intake_key": "k"})
    report = sim.step()
    assert report.pause == "sleep(45)"
    assert [r.message for r in report.logs] == ["Next batch in the future. Waiting 45.0 seconds"]


class Inspector(AsyncConnector):
    """Exercises the response API; what it saw is kept on the instance."""

    seen: dict = {}

    async def async_iterate(self):
        seen = self.seen
        async with self.session() as session:
            response = await session.get("https://api.test/text")  # awaited, not `async with`
            seen["text"] = (response.status, response.ok, response.content_type, await response.text())
            seen["read"] = await response.read()
            try:
                await response.json()
            except aiohttp.ContentTypeError as error:
                seen["json_error"] = error.message
            async with session.post("https://api.test/ingest", json={"a": [1, 2]}) as posted:
                seen["posted"] = (posted.status, posted.reason, await posted.json(), posted.headers["X-Id"])
            async with session.get("https://api.test/gone") as gone:
                try:
                    gone.raise_for_status()
                except aiohttp.ClientResponseError as error:
                    seen["raised"] = (error.status, error.message, str(error.request_info.url))
            async with session.get("https://api.test/big") as big:
                seen["chunks"] = [chunk async for chunk in big.content.iter_chunked(4)]
        self.stop()
        yield [], None


def test_responses_behave_like_aiohttps(platform):
    platform.http.get("https://api.test/text", body="plain", content_type="text/plain")
    platform.http.post("https://api.test/ingest", json={"ok": True}, status=201, headers={"X-Id": "7"})
    platform.http.get("https://api.test/gone", status=404)
    platform.http.get("https://api.test/big", body=b"0123456789")
    sim = platform.load(Inspector, configuration={"intake_key": "k"})
    sim.step()
    seen = sim.instance.seen
    assert seen["text"] == (200, True, "text/plain", "plain")
    assert seen["read"] == b"plain"
    assert seen["json_error"] == "Attempt to decode JSON with unexpected mimetype: text/plain"
    assert seen["posted"] == (201, "Created", {"ok": True}, "7")
    assert seen["raised"] == (404, "Not Found", "https://api.test/gone")
    assert seen["chunks"] == [b"0123", b"4567", b"89"]
    post = next(call for call in sim.http_records if call.method == "POST")
    assert json.loads(post.request_body) == {"a": [1, 2]}
    assert post.request_headers["Content-Type"] == "application/json"


def test_stop_closes_the_session_and_awaits_on_shutdown(platform):
    _register_pages(platform)

    class Closing(Paginating):
        shutdowns = 0

        async def async_iterate(self):
            async with self.session() as session:
                async with session.get(f"{API}?cursor=b") as response:
                    yield (await response.json())["alerts"], None
            await asyncio.sleep(self.frequency)

        async def on_shutdown(self):
            type(self).shutdowns += 1

    sim = platform.load(Closing, configuration={"intake_key": "k"})
    sim.step(2)
    session = sim.instance._session
    assert sim.stop() == "stopped"
    assert session.closed and Closing.shutdowns == 1


def test_asyncio_run_on_a_hosted_thread_is_on_virtual_time(platform):
    class Plain(kit.Trigger):
        def run(self):
            async def main():
                loop = asyncio.get_running_loop()
                self.send_event("tick", {"loop": type(loop).__name__, "at": loop.time()})
                await asyncio.sleep(30)
                self.send_event("tick", {"loop": type(loop).__name__, "at": loop.time()})

            while self.running:
                asyncio.run(main())
                # code written for the real SDK's main thread
                asyncio.get_event_loop().run_until_complete(asyncio.sleep(5))

    sim = platform.load(Plain)
    assert sim.step().pause.startswith("sleep(30)")
    report = sim.step()
    assert str(report.start) == "2024-01-01 00:00:30+00:00" and report.pause.startswith("sleep(5)")
    assert [(r.event["loop"], r.event["at"]) for r in sim.run_records] == [
        ("VirtualTimeEventLoop", 0.0),
        ("VirtualTimeEventLoop", 30.0),
    ]
    assert str(sim.step().start) == "2024-01-01 00:00:35+00:00"


def test_the_main_threads_event_loop_keeps_real_time(platform):
    assert isinstance(asyncio.get_event_loop_policy(), HostedThreadsPolicy)

    async def main():
        loop = asyncio.get_running_loop()
        before, real = loop.time(), time.monotonic()
        await asyncio.sleep(0.05)
        return type(loop), before, real, loop.time() - before

    started = time.perf_counter()
    loop_type, before, real, slept = asyncio.run(main())
    assert time.perf_counter() - started >= 0.05
    assert not issubclass(loop_type, VirtualTimeEventLoop)
    assert abs(before - real) < 1 and slept >= 0.05


def test_aiohttp_on_other_threads_is_untouched(platform, local_api):
    server = local_api(lambda request: (200, {"real": True}))

    async def main():
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{server.url}/") as response:
                return type(response).__name__, await response.json()

    assert asyncio.run(main()) == ("ClientResponse", {"real": True})
    assert len(platform.http.calls) == 0
