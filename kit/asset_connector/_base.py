"""What the sync and async asset connectors share: configuration, environment overrides, endpoint,
headers, the retry policy of a push, batching and the messages of the real SDK."""

from __future__ import annotations

import os
import time
from functools import cached_property
from typing import Any, Iterator

from kit.asset_connector.models.connector import AssetList, DefaultAssetConnectorConfiguration
from kit.connector import intake_waits
from kit.trigger import Trigger

# the real SDK retries a push for an hour, with the waits of a connector's intake retries
RETRY_FOR_SECONDS = 3600


class Attempts:
    """The attempts of a push, used as tenacity's ``Retrying`` is::

        for attempt in Attempts():
            with attempt:
                response = session.post(...)

    An exception in an attempt is swallowed and the next attempt comes after a wait, until an hour
    (monotonic time, virtual on the platform) has passed since the first: then it is raised.
    Iteration ends after an attempt that raised nothing.
    """

    def __init__(self) -> None:
        self._succeeded = False
        self._started = 0.0
        self._waits = intake_waits()

    def __iter__(self) -> Iterator["_Attempt"]:
        self._started = time.monotonic()
        while not self._succeeded:
            yield _Attempt(self)

    def _retry_after(self, error: BaseException) -> bool:
        if not isinstance(error, Exception) or time.monotonic() - self._started >= RETRY_FOR_SECONDS:
            return False
        time.sleep(next(self._waits, 10.0))
        return True


class _Attempt:
    """One attempt of :class:`Attempts`: a context manager."""

    def __init__(self, attempts: Attempts) -> None:
        self._attempts = attempts

    def __enter__(self) -> "_Attempt":
        return self

    def __exit__(self, kind: Any, error: BaseException | None, traceback: Any) -> bool:
        if error is None:
            self._attempts._succeeded = True
            return False
        return self._attempts._retry_after(error)


class AssetConnectorBase(Trigger):
    """The part of ``AssetConnector`` and ``AsyncAssetConnector`` that does not depend on I/O."""

    CONNECTOR_CONFIGURATION_FILE_NAME = "connector_configuration"
    PRODUCTION_BASE_URL = "https://api.sekoia.io"
    OCSF_SCHEMA_VERSION = 1
    # the pushed list; an SDK before 1.23 has its own models (kit.v1.asset_connector)
    asset_list_model: type = AssetList
    # the platform keeps the API key secret (every asset connector manifest lists it in its secrets)
    _kit_secret_configuration_keys = ("sekoia_api_key",)

    configuration: DefaultAssetConnectorConfiguration  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._latest_time: Any = None

    @property
    def connector_name(self) -> str:
        """The connector's class name (it names the connector in logs)."""
        return type(self).__name__

    @property  # type: ignore[no-redef]
    def configuration(self) -> Any:
        """``connector_configuration``, else ``trigger_configuration``, as the annotated model."""
        if self._configuration is None:
            try:
                value = self.module.load_config(self.CONNECTOR_CONFIGURATION_FILE_NAME, "json")
            except FileNotFoundError:
                return Trigger.configuration.fget(self)  # type: ignore[attr-defined]
            self.configuration = value
        return self._configuration

    @configuration.setter
    def configuration(self, configuration: Any) -> None:
        self._configuration = self._coerce_configuration(configuration)

    @property
    def batch_size(self) -> int:
        """Assets per push: ``$ASSET_CONNECTOR_BATCH_SIZE`` if set, else the configuration's ``batch_size``."""
        if value := os.getenv("ASSET_CONNECTOR_BATCH_SIZE"):
            return int(value)
        return self.configuration.batch_size

    @property
    def production_base_url(self) -> str:
        """``$ASSET_CONNECTOR_PRODUCTION_BASE_URL``, else ``https://api.sekoia.io``."""
        return os.getenv("ASSET_CONNECTOR_PRODUCTION_BASE_URL", self.PRODUCTION_BASE_URL)

    @property
    def frequency(self) -> int:
        """Seconds a cycle that found nothing waits: ``$ASSET_CONNECTOR_FREQUENCY``, else the configuration's."""
        if value := os.getenv("ASSET_CONNECTOR_FREQUENCY"):
            return int(value)
        return self.configuration.frequency

    @staticmethod
    def _retry() -> Attempts:
        """The attempts of one push: retried on any exception for an hour (1, 2, 4, 8, then 10 s apart)."""
        return Attempts()

    @cached_property
    def _http_header(self) -> dict[str, str]:
        """The headers of every push: the API key as bearer token, JSON, the connector's user agent."""
        return {
            "Authorization": f"Bearer {self.configuration.sekoia_api_key}",
            "Content-Type": "application/json",
            "User-Agent": f"sekoiaio-asset-connector-{self.module.connector_configuration_uuid}",
        }

    @cached_property
    def asset_connector_endpoint(self) -> str:
        """``{base}/api/v2/asset-management/asset-connector/{connector_configuration_uuid}``."""
        base = (self.configuration.sekoia_base_url or self.production_base_url).rstrip("/")
        return f"{base}/api/v2/asset-management/asset-connector/{self.module.connector_configuration_uuid}"

    @staticmethod
    def handle_api_error(error_code: int) -> str:
        """A short text for an HTTP status the API answered a push with."""
        if 400 <= error_code < 500:
            return f"Client error - HTTP ({error_code})"
        if 500 <= error_code < 600:
            return f"Server error - HTTP ({error_code})"
        return f"Unexpected error ({error_code})"

    # -- shared steps of a cycle and of a push ----------------------------------------------
    def _asset_list(self, assets: list) -> Any:
        return self.asset_list_model(version=self.OCSF_SCHEMA_VERSION, items=assets)

    def _log_cycle_start(self) -> None:
        self.log(message=f"Starting a new asset fetch cycle for connector {self.connector_name}", level="info")

    def _log_pushing(self, url: str) -> None:
        self.log(message=f"Pushing assets to Sekoia.io asset connector API at {url}", level="info")

    def _log_pushed(self, count: int) -> None:
        self.log(message=f"Successfully posted {count} assets to Sekoia.io asset connector API", level="info")

    def _log_push_failed(self, url: str) -> None:
        self.log(message=f"Failed to push assets to Sekoia.io asset connector API at {url}", level="error")

    def _log_timeout(self, error: BaseException) -> None:
        self.log_exception(error, message="Timeout while pushing assets to Sekoia.io asset connector API")

    def _idle_wait(self, total: int, started: float) -> float:
        """Seconds to sleep after a cycle (only one that found nothing sleeps), logged; 0 for none."""
        remaining = self.frequency - (time.time() - started)
        if total == 0 and remaining > 0:
            self.log(message=f"Next run in the future. Waiting {remaining} seconds")
            return remaining
        return 0

    def _cycle_ended(self) -> None:
        # on a kit platform, the end of a cycle is a pause point (a cycle that pushes does not sleep)
        host = self.module._kit_host
        if host is not None:
            host.iteration_ended(self, "asset_fetch_cycle()")

    def _log_cycle_error(self, error: BaseException) -> None:
        self.log_exception(error, message=f"Error while running asset connector {self.connector_name}")
