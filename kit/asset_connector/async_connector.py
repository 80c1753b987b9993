"""``AsyncAssetConnector``, as in ``sekoia_automation.asset_connector.async_connector``.

The async twin of :class:`kit.asset_connector.AssetConnector`: :meth:`AsyncAssetConnector.get_assets`
is an async generator, pushes go through one ``aiohttp.ClientSession`` (behind an optional
``aiolimiter.AsyncLimiter`` in ``_rate_limiter``) and :meth:`AsyncAssetConnector.run` drives
:meth:`AsyncAssetConnector.async_run` on the thread's event loop (on a kit platform, one on the
virtual clock).
"""

from __future__ import annotations

import asyncio
import json
import time
from abc import abstractmethod
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

from kit.asset_connector._base import AssetConnectorBase
from kit.asset_connector.models.connector import AssetItem, AssetList


class AsyncAssetConnector(AssetConnectorBase):
    """An asset connector that fetches with an async generator and pushes with ``aiohttp``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._session: Any = None
        self._rate_limiter: Any = None

    @asynccontextmanager
    async def session(self) -> AsyncGenerator[Any, None]:
        """The connector's ``aiohttp.ClientSession`` (made on first use), entered through ``_rate_limiter``
        when one is set."""
        import aiohttp

        if self._session is None:
            self._session = aiohttp.ClientSession(headers=self._http_header)
        if self._rate_limiter:
            async with self._rate_limiter:
                yield self._session
        else:
            yield self._session

    async def post_assets_to_api(self, assets: AssetList, asset_connector_api_url: str) -> dict[str, str] | None:
        """POST ``assets`` (dumped without None values); returns the API's JSON answer, or None after logging.

        As the real SDK, a failed attempt is retried for an hour with the sync back-off (its sleep
        blocks the event loop); a timeout still failing after that hour is logged, other errors raised.
        """
        import aiohttp

        body = assets.model_dump(exclude_none=True)
        count = len(body.get("items", []))
        status: int | None = None
        text: str | None = None
        answer: dict | None = None
        try:
            for attempt in self._retry():
                with attempt:
                    async with self.session() as session:
                        async with session.post(
                            asset_connector_api_url, json=body, timeout=aiohttp.ClientTimeout(total=30)
                        ) as response:
                            status = response.status
                            text = await response.text()
                            if status == 200:
                                try:
                                    answer = json.loads(text)
                                except json.JSONDecodeError as error:
                                    self.log_exception(
                                        error, message="Failed to parse JSON response from Sekoia.io asset connector API"
                                    )
                                    return None
        except TimeoutError as error:
            self._log_timeout(error)
            return None
        if status is None:
            self.log(message="Failed to get response from Sekoia.io asset connector API", level="error")
            return None
        if status != 200:
            await self._log_api_error(status, text, answer)
            return None
        await self.update_checkpoint()
        self._log_pushed(count)
        return answer

    async def _log_api_error(self, status_code: int, response_text: str | None, response_json: dict | None) -> None:
        """Log a push the API answered with ``status_code``, with the ``code``/``message`` of its body."""
        detail = ""
        if response_text:
            data = response_json or {}
            code, message = data.get("code", ""), data.get("message", "")
            detail = f" - {code}: {message}" if code or message else f" - {response_text}"
        self.log(
            message=f"Error while pushing assets to Sekoia.io - {self.handle_api_error(status_code)}{detail}",
            level="error",
        )

    async def push_assets_to_sekoia(self, assets: AssetList) -> None:
        """Push one batch to the asset connector endpoint (nothing for an empty or falsy list)."""
        if not assets:
            return
        url = self.asset_connector_endpoint
        self._log_pushing(url)
        if await self.post_assets_to_api(assets=assets, asset_connector_api_url=url) is None:
            self._log_push_failed(url)

    @abstractmethod
    async def update_checkpoint(self) -> None:
        """Save how far the connector got; awaited after each successful push."""
        raise NotImplementedError("This method should be implemented in a subclass")

    @abstractmethod
    async def get_assets(self) -> AsyncGenerator[AssetItem, None]:
        """Yield the assets to push (device, user, software or vulnerability models)."""
        if False:  # pragma: no cover - makes this an async generator
            yield
        raise NotImplementedError("This method should be implemented in a subclass")

    async def asset_fetch_cycle(self) -> None:
        """One cycle: push :meth:`get_assets` in batches of :attr:`batch_size`; a cycle that found nothing
        sleeps (``asyncio.sleep``) what is left of :attr:`frequency`."""
        self._log_cycle_start()
        started = time.time()
        batch: list = []
        total = 0
        async for asset in self.get_assets():
            batch.append(asset)
            total += 1
            if len(batch) >= self.batch_size:
                await self.push_assets_to_sekoia(self._asset_list(batch))
                batch = []
        if batch:
            await self.push_assets_to_sekoia(self._asset_list(batch))
        if wait := self._idle_wait(total, started):
            await asyncio.sleep(wait)

    async def async_run(self) -> None:
        """Repeat :meth:`asset_fetch_cycle` while running, logging errors; closes the session at the end."""
        try:
            while self.running:
                try:
                    await self.asset_fetch_cycle()
                except Exception as error:
                    self._log_cycle_error(error)
                self._cycle_ended()
        finally:
            if self._session:
                await self._session.close()
                self._session = None

    def run(self) -> None:
        """Run :meth:`async_run` to its end on the thread's event loop."""
        loop = asyncio.get_event_loop()
        loop.run_until_complete(self.async_run())


__all__ = ["AsyncAssetConnector"]
