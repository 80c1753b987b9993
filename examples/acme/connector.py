"""A connector that forwards Acme's audit log, page by page, from a persisted cursor."""

import time
from datetime import datetime, timedelta, timezone

import requests

from kit import Connector
from kit.storage import PersistentJSON

from .models import AcmeModule, AuditConnectorConfiguration


class AcmeAuditConnector(Connector):
    """Polls ``GET /api/v1/audit?since=<cursor>``, follows ``next`` links, pushes every event."""

    name = "Acme audit logs"
    description = "Forward Acme audit logs to Sekoia.io"
    module: AcmeModule
    configuration: AuditConnectorConfiguration

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.context = PersistentJSON("context.json", self.data_path)
        self.session = requests.Session()

    @property
    def cursor(self) -> str:
        with self.context as context:
            if "cursor" not in context:
                # first start: collect the last hour only
                start = datetime.now(timezone.utc) - timedelta(hours=1)
                context["cursor"] = start.isoformat()
            return context["cursor"]

    def fetch_pages(self, since: str):
        """Yield each page of events newer than ``since``."""
        url = f"{self.module.configuration.base_url}/api/v1/audit"
        params = {"since": since, "limit": self.configuration.page_size}
        headers = {"Authorization": f"Bearer {self.module.configuration.api_key}"}
        while url:
            response = self.session.get(url, params=params, headers=headers, timeout=30)
            response.raise_for_status()
            page = response.json()
            yield page["items"]
            url, params = page.get("next"), None

    def run(self) -> None:
        self.log("Acme audit connector started", "info")
        while self.running:
            try:
                pushed = 0
                for events in self.fetch_pages(self.cursor):
                    if not events:
                        continue
                    self.push_events_to_intakes(events)
                    pushed += len(events)
                    with self.context as context:
                        # the API returns events oldest first: the last one is the new cursor
                        context["cursor"] = events[-1]["timestamp"]
                if pushed:
                    self.log(f"Forwarded {pushed} audit events", "info")
            except requests.RequestException as error:
                self.log_exception(error, message="Failed to fetch Acme audit events")
            time.sleep(self.configuration.frequency)
