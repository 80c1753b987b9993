import signal
import time
from datetime import datetime, timedelta
from functools import cached_property
from posixpath import join as urljoin
from threading import Event

import orjson
from cachetools import LRUCache
from dateutil.parser import isoparse
from sekoia_automation.checkpoint import CheckpointDatetime
from sekoia_automation.connector import Connector, DefaultConnectorConfiguration
from sekoia_automation.storage import PersistentJSON

from identity_modules import IdentityModule
from identity_modules.client import ApiClient


class AuditLogsConfiguration(DefaultConnectorConfiguration):
    frequency: int = 60
    ratelimit_per_minute: int = 20


class AuditLogsConnector(Connector):
    module: IdentityModule
    configuration: AuditLogsConfiguration

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._stop_event = Event()
        self.context = PersistentJSON("events_cache.json", self._data_path)
        self.cursor = CheckpointDatetime(path=self.data_path, start_at=timedelta(minutes=5), ignore_older_than=timedelta(days=7))
        with self.context as context:
            self.events_cache = LRUCache(maxsize=1000)
            for uuid in context.get("events_cache", []):
                self.events_cache[uuid] = True
        signal.signal(signal.SIGINT, self.exit)
        signal.signal(signal.SIGTERM, self.exit)

    def exit(self, _signum, _frame) -> None:
        self.log(message="Stopping the audit logs connector", level="info")
        self._stop_event.set()

    @cached_property
    def client(self) -> ApiClient:
        return ApiClient(self.module.configuration.api_token, self.configuration.ratelimit_per_minute)

    def fetch_pages(self, since: datetime):
        url = urljoin(self.module.configuration.base_url, "api/v1/logs")
        params = {"since": since.isoformat(), "limit": 100}
        while url and not self._stop_event.is_set():
            response = self.client.get(url, params=params, timeout=30)
            response.raise_for_status()
            params = None
            events = [e for e in response.json() if e["uuid"] not in self.events_cache]
            if events:
                yield events
            url = response.links.get("next", {}).get("url")

    def next_batch(self) -> None:
        started = time.time()
        most_recent = self.cursor.offset
        for events in self.fetch_pages(most_recent):
            self.push_events_to_intakes([orjson.dumps(e).decode() for e in events])
            for event in events:
                self.events_cache[event["uuid"]] = True
            with self.context as context:
                context["events_cache"] = list(self.events_cache.keys())
            most_recent = max(most_recent, max(isoparse(e["published"]) for e in events) + timedelta(seconds=1))
            self.cursor.offset = most_recent
        elapsed = time.time() - started
        if self.configuration.frequency - elapsed > 0:
            time.sleep(self.configuration.frequency - elapsed)

    def run(self) -> None:
        self.log(message="Start fetching audit logs", level="info")
        while not self._stop_event.is_set():
            try:
                self.next_batch()
            except Exception as error:
                self.log_exception(error, message="Failed to forward events")
                time.sleep(self.configuration.frequency)
