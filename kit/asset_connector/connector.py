"""``AssetConnector``, as in ``sekoia_automation.asset_connector.connector``.

A subclass implements :meth:`AssetConnector.get_assets` (a generator of OCSF models) and
:meth:`AssetConnector.update_checkpoint`; :meth:`AssetConnector.run` repeats
:meth:`AssetConnector.asset_fetch_cycle`, which pushes the assets in batches of ``batch_size`` to
``POST {base}/api/v2/asset-management/asset-connector/{uuid}``. On a kit platform the platform
answers that call and records each asset (``sim.assets``).
"""

from __future__ import annotations

import time
from abc import abstractmethod
from collections.abc import Generator
from functools import cached_property

import requests

from kit.asset_connector._base import AssetConnectorBase
from kit.asset_connector.models.connector import AssetItem, AssetList


class AssetConnector(AssetConnectorBase):
    """An asset connector that fetches with a generator and pushes with ``requests``."""

    @cached_property
    def _http_session(self) -> requests.Session:
        session = requests.Session()
        session.headers.update(self._http_header)
        return session

    def post_assets_to_api(self, assets: AssetList, asset_connector_api_url: str) -> dict[str, str] | None:
        """POST ``assets`` (dumped without None values) to ``asset_connector_api_url``.

        Retried on any exception for an hour; returns the API's JSON answer, or None after logging
        an error (a timeout, or a status other than 200). A successful push calls
        :meth:`update_checkpoint`.
        """
        body = assets.model_dump(exclude_none=True)
        count = len(body.get("items", []))
        try:
            for attempt in self._retry():
                with attempt:
                    response = self._http_session.post(asset_connector_api_url, json=body, timeout=30)
        except requests.Timeout as error:
            self._log_timeout(error)
            return None
        if response.status_code != 200:
            status_error = self.handle_api_error(response.status_code)
            # as the real SDK: a response is falsy for a 4xx/5xx, so the JSON branch runs for 1xx/3xx only
            if response:
                answer = response.json()
                status_error = answer.get("message", "")
                detail = f" - {answer.get('code', '')} : {status_error}"
            else:
                detail = response.text or ""
            self.log(message=f"Error while pushing assets to Sekoia.io - {status_error} : {detail}", level="error")
            return None
        self.update_checkpoint()
        self._log_pushed(count)
        return response.json()

    def push_assets_to_sekoia(self, assets: AssetList) -> None:
        """Push one batch to the asset connector endpoint (nothing for an empty or falsy list)."""
        if not assets:
            return
        url = self.asset_connector_endpoint
        self._log_pushing(url)
        if self.post_assets_to_api(assets=assets, asset_connector_api_url=url) is None:
            self._log_push_failed(url)

    @abstractmethod
    def update_checkpoint(self) -> None:
        """Save how far the connector got; called after each successful push."""
        raise NotImplementedError("This method should be implemented in a subclass")

    @abstractmethod
    def get_assets(self) -> Generator[AssetItem, None, None]:
        """Yield the assets to push (device, user, software or vulnerability models)."""
        raise NotImplementedError("This method should be implemented in a subclass")

    def asset_fetch_cycle(self) -> None:
        """One cycle: push :meth:`get_assets` in batches of :attr:`batch_size`; a cycle that found nothing
        sleeps what is left of :attr:`frequency`."""
        self._log_cycle_start()
        started = time.time()
        batch: list = []
        total = 0
        for asset in self.get_assets():
            batch.append(asset)
            total += 1
            if len(batch) >= self.batch_size:
                self.push_assets_to_sekoia(self._asset_list(batch))
                batch = []
        if batch:
            self.push_assets_to_sekoia(self._asset_list(batch))
        if wait := self._idle_wait(total, started):
            time.sleep(wait)

    def run(self) -> None:
        """Repeat :meth:`asset_fetch_cycle` while running; an error is logged and the next cycle starts."""
        while self.running:
            try:
                self.asset_fetch_cycle()
            except Exception as error:
                self._log_cycle_error(error)
            self._cycle_ended()


__all__ = ["AssetConnector"]
