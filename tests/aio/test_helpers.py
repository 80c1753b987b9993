"""kit.aio.helpers: the small helpers modules of the automation library import."""

from __future__ import annotations

import asyncio

import pytest

from kit.aio.helpers import limit_concurrency
from kit.aio.helpers.files.csv import csv_file_as_rows
from kit.aio.helpers.files.utils import delete_file
from kit.aio.helpers.http.utils import save_aiohttp_response


def test_limit_concurrency_keeps_the_order_and_the_limit():
    running = 0
    most = 0

    async def job(n):
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01 * (3 - n % 3))
        running -= 1
        return n

    async def main():
        return [result async for result in limit_concurrency([job(n) for n in range(6)], 2)]

    assert asyncio.run(main()) == [0, 1, 2, 3, 4, 5]
    assert most == 2


def test_files(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("a;b\n1;x\n2;y\n")

    async def rows():
        return [row async for row in csv_file_as_rows(str(path), delimiter=";")]

    assert asyncio.run(rows()) == [{"a": "1", "b": "x"}, {"a": "2", "b": "y"}]
    asyncio.run(delete_file(str(path)))
    assert not path.exists()


def test_save_aiohttp_response(tmp_path, platform):
    pytest.importorskip("aiohttp", reason="aiohttp is optional for kit")
    import aiohttp

    import kit
    from kit.aio.connector import AsyncConnector

    class Saver(AsyncConnector):
        async def async_iterate(self):
            async with aiohttp.ClientSession() as session:
                async with session.get("https://files.test/export") as response:
                    self.saved = await save_aiohttp_response(response, chunk_size=3, temp_dir=str(tmp_path))
            self.stop()
            yield [], None

    platform.http.get("https://files.test/export", body=b"0123456789")
    sim = platform.load(Saver, configuration={"intake_key": "k"})
    sim.step()
    assert open(sim.instance.saved, "rb").read() == b"0123456789"
    assert isinstance(sim, kit.Simulation)
