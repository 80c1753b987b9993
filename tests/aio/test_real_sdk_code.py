"""Code written against sekoia_automation.aio loads through kit, and pushes what the real SDK would."""

from __future__ import annotations

import asyncio
import signal
import textwrap
from contextlib import asynccontextmanager

import pytest

import kit
from kit.aio.connector import AsyncConnector

pytest.importorskip("aiohttp", reason="the component under test uses aiohttp (optional for kit)")

COMPONENT = textwrap.dedent(
    '''
    import asyncio
    from datetime import datetime, timezone

    import aiohttp
    from pydantic import BaseModel
    from sekoia_automation.aio.connector import AsyncConnector
    from sekoia_automation.aio.helpers import limit_concurrency
    from sekoia_automation.connector import DefaultConnectorConfiguration


    class FeedConfiguration(DefaultConnectorConfiguration):
        frequency: int = 300
        base_url: str


    class FeedConnector(AsyncConnector):
        configuration: FeedConfiguration

        async def fetch(self, session, name):
            async with session.get(f"{self.configuration.base_url}/{name}") as response:
                response.raise_for_status()
                return (await response.json())["events"]

        async def async_iterate(self):
            async with self.session() as session:
                pages = [page async for page in limit_concurrency(
                    [self.fetch(session, name) for name in ("a", "b")], 2)]
            events = [event for page in pages for event in page]
            yield events, datetime.now(timezone.utc)
            await asyncio.sleep(self.configuration.frequency)
    '''
)


def test_a_component_written_for_sekoia_automation_aio_loads_and_runs(tmp_path, platform):
    path = tmp_path / "feed.py"
    path.write_text(COMPONENT)
    cls = kit.load_component(f"{path}:FeedConnector")
    assert issubclass(cls, AsyncConnector)
    platform.http.get("https://feed.test/a", json={"events": [{"src": "a"}]})
    platform.http.get("https://feed.test/b", json={"events": [{"src": "b"}]})
    sim = platform.load(cls, configuration={"intake_key": "k", "base_url": "https://feed.test"})
    first = sim.step()
    assert sorted(call.url for call in first.http) == ["https://feed.test/a", "https://feed.test/b"]
    # the push waits for the rate limiter session() took (AsyncLimiter(1, 1)), as with the real SDK
    assert first.pause == "sleep(1)" and first.events == []
    second = sim.step()
    assert second.events == ['{"src":"a"}', '{"src":"b"}']
    line = 1 + next(i for i, text in enumerate(COMPONENT.splitlines()) if "asyncio.sleep(" in text)
    assert second.pause == f"sleep(300) (feed.py:{line})"
    assert str(sim.step().start) == "2024-01-01 00:05:01+00:00"
    assert sim.stop() == "stopped"


def test_push_data_to_intakes_serialises_as_the_real_sdk(tmp_path, platform):
    real_connector = pytest.importorskip("sekoia_automation.aio.connector", reason="the real SDK is a test dependency")
    sdk_module = pytest.importorskip("sekoia_automation.module")
    from pydantic import BaseModel

    class Event(BaseModel):
        name: str
        value: int

    events = [{"n": 1, "text": "héllo"}, "line 1", Event(name="e", value=1), {"big": "x" * 250_001}]

    class RecordingSession:
        """Stands in for aiohttp.ClientSession: what the real SDK would POST."""

        def __init__(self):
            self.posts = []

        @asynccontextmanager
        async def post(self, url, headers=None, json=None):
            self.posts.append((url, json))

            class Response:
                status = 200

                async def json(self):
                    return {"event_ids": [str(i) for i in range(len(json["jsons"]))]}

            yield Response()

    class RealPusher(real_connector.AsyncConnector):
        async def async_iterate(self):  # pragma: no cover - not run
            yield [], None

        @asynccontextmanager
        async def session(self):
            yield self.recording

    module = sdk_module.Module()
    module._manifest = {}
    module._configuration = {}
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        real = RealPusher(module=module, data_path=tmp_path)
    finally:
        for sig, handler in handlers.items():  # the real Trigger.__init__ installs its own
            signal.signal(sig, handler)
    real.configuration = {"intake_key": "k", "intake_server": "https://intake.test"}
    real.log = lambda *args, **kwargs: None
    real.recording = RecordingSession()
    real_ids = asyncio.run(real.push_data_to_intakes(events))
    [(url, body)] = real.recording.posts
    assert url == "https://intake.test/batch" and body["intake_key"] == "k"

    class KitPusher(AsyncConnector):
        async def async_iterate(self):
            self.ids = await self.push_data_to_intakes(events)
            yield [], None

    sim = platform.load(KitPusher, configuration={"intake_key": "k"})
    report = sim.step()
    with pytest.warns(kit.KitWarning, match="1 too long events were discarded"):
        assert report.events == body["jsons"]  # the too-long event dropped by both
    assert len(real_ids) == 3
